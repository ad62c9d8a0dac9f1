import type { APIActionRowComponent, APIButtonComponent } from 'discord-api-types/v10';
import type { Action } from './lifecycle.js';

/** What the bot posts: a message and its buttons. */
/** What the monitor posts to Discord, one function per action, so wording lives in one place. */
export interface Notice {
  readonly content: string;
  readonly components: Array<APIActionRowComponent<APIButtonComponent>>;
}

/** Where to edit the reply to the `/valheim start` that began this session (valid 15 minutes). */
export interface StartReply {
  readonly applicationId: string;
  readonly token: string;
  readonly createdAt: number;
  readonly userId?: string;
}

/**
 * What a pending notice announces: an action of a decision, a batch of the activity feed, or a countdown to a
 * scheduled opening.
 */
export type NoticeKind = Action['type'] | 'feed' | 'countdown';

/** A notice waiting for Discord to confirm it. */
export interface PendingNotice {
  /** Short and unique (≤ 25 characters): also the channel post's nonce. */
  readonly id: string;
  readonly kind: NoticeKind;
  readonly notice: Notice;
  /** Edit the `/valheim start` reply (the ready notice) rather than posting anew. */
  readonly editReply: boolean;
  /** The reply to edit or follow up on, as it was when the notice was decided. */
  readonly startReply?: StartReply;
  readonly createdAt: number;
  readonly attempts: number;
  /** The edit failed for good (reply deleted, token expired): post instead. */
  readonly editGone?: boolean;
  /** A tick working on it holds it until then, so two ticks never send it both. */
  readonly claimedUntil?: number;
}

/** The messages the bot keeps up to date in the notice channel. */
export type LiveMessageKey = 'board' | 'feed';

/**
 * A message the bot posts once and then edits in place: the status board, and the activity feed of a
 * session. Its content changes with the tick's decision (in the same conditional write); delivering it
 * follows the notice outbox's rules: the post carries an enforced nonce (a repeat returns the message it
 * made), an edit sends the whole content (repeating it is harmless), and a tick holds a lease while it works.
 */
export interface LiveMessage {
  /** Short and unique (≤ 25 characters): the post's nonce. A recreated message gets a new one. */
  readonly nonce: string;
  /** Discord's id, once the post is confirmed. */
  readonly messageId?: string;
  readonly content: string;
  readonly components: Array<APIActionRowComponent<APIButtonComponent>>;
  /** Counts the content's changes; `shown` is the one Discord confirmed. */
  readonly version: number;
  readonly shown?: number;
  readonly createdAt: number;
  /** What the content belongs to (the feed: one message per session, while it fits). */
  readonly sessionId?: string;
  readonly attempts: number;
  readonly claimedUntil?: number;
}
