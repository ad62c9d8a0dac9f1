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

/** A notice waiting for Discord to confirm it. */
export interface PendingNotice {
  /** Short and unique (≤ 25 characters): also the channel post's nonce. */
  readonly id: string;
  readonly kind: Action['type'];
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
