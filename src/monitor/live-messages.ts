import { randomUUID } from 'node:crypto';
import { DiscordApiError } from '../discord/rest-client.js';
import type { Logger } from '../log.js';
import type { LiveMessage, LiveMessageKey, Notice } from '../records/notice.js';
import type { LiveChange } from './state-store.js';

/**
 * Messages the bot posts once and edits in place (the status board, the activity feed), delivered by the
 * notice outbox's rules (src/monitor/deliveries.ts). The tick stores the new content with its decision; then,
 * holding a lease, it posts the message with its nonce (Discord returns the message a repeat already made) or
 * edits it with the whole content (a repeat is harmless), and records what Discord confirmed. A failure leaves
 * the content stored: the next tick tries again. A message a member deleted is posted anew (the board), or
 * left deleted (the feed starts its next lines in a new message).
 */

/** Longer than one post or edit with its retries, shorter than the minute between ticks. */
const LEASE_MS = 25_000;

export interface LiveDiscord {
  post(channelId: string, notice: Notice, nonce: string): Promise<{ id: string }>;
  edit(channelId: string, messageId: string, notice: Notice): Promise<void>;
}

/** The live-message operations of the state store; each is conditional on the message's nonce. */
export interface LiveStore {
  claimLive(
    key: LiveMessageKey,
    nonce: string,
    token: string,
    now: number,
    leaseMs: number,
  ): Promise<boolean>;
  confirmLive(
    key: LiveMessageKey,
    nonce: string,
    confirmed: { readonly messageId: string; readonly version: number },
  ): Promise<void>;
  replaceLive(key: LiveMessageKey, nonce: string, next: LiveMessage | null): Promise<boolean>;
}

export interface LivePorts {
  readonly store: LiveStore;
  readonly discord: LiveDiscord;
  readonly channelId: string;
  readonly now: () => number;
  readonly log: Logger;
}

/** A nonce Discord takes (≤ 25 characters), unique to this message. */
export function liveNonce(key: LiveMessageKey, now: number): string {
  return `${key[0]}${now.toString(36)}${randomUUID().slice(0, 6)}`;
}

/** A message to post with this content. */
export function newLiveMessage(
  key: LiveMessageKey,
  notice: Notice,
  now: number,
  sessionId?: string,
): LiveMessage {
  return {
    nonce: liveNonce(key, now),
    content: notice.content,
    components: notice.components,
    version: 1,
    createdAt: now,
    attempts: 0,
    ...(sessionId && { sessionId }),
  };
}

/**
 * The change that makes the stored message show `notice`: none when it does already, a new message when there
 * is none, otherwise new content (a new version).
 */
export function liveChange(
  current: LiveMessage | undefined,
  key: LiveMessageKey,
  notice: Notice,
  now: number,
): LiveChange | undefined {
  if (!current) return { create: newLiveMessage(key, notice, now) };
  if (current.content === notice.content && sameComponents(current.components, notice.components)) {
    return undefined;
  }
  return { content: notice.content, components: notice.components, version: current.version + 1 };
}

function sameComponents(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The stored message after `change` (what the tick delivers). */
export function applyLiveChange(
  current: LiveMessage | undefined,
  change: LiveChange,
): LiveMessage | undefined {
  if ('create' in change) return change.create;
  return current && { ...current, ...change };
}

/**
 * Brings the message in Discord up to `message` (as stored by this tick). Returns what happened, for the log
 * and the tests: `shown` (posted or edited), `pending` (Discord was down or slow: try again next tick),
 * `refused` (Discord said no for good, e.g. missing permissions), `recreated` (it was deleted and is posted
 * anew), `dropped` (it was deleted and stays so), or `held` (another tick holds it).
 */
export async function deliverLive(
  key: LiveMessageKey,
  message: LiveMessage,
  ports: LivePorts,
  options: { readonly recreateDeleted: boolean },
): Promise<'shown' | 'pending' | 'refused' | 'recreated' | 'dropped' | 'held' | 'unchanged'> {
  if (message.messageId && message.shown !== undefined && message.shown >= message.version)
    return 'unchanged';
  const token = randomUUID();
  if (!(await ports.store.claimLive(key, message.nonce, token, ports.now(), LEASE_MS))) return 'held';
  const notice = { content: message.content, components: message.components };
  try {
    if (!message.messageId) {
      const { id } = await ports.discord.post(ports.channelId, notice, message.nonce);
      await ports.store.confirmLive(key, message.nonce, { messageId: id, version: message.version });
      return 'shown';
    }
    await ports.discord.edit(ports.channelId, message.messageId, notice);
    await ports.store.confirmLive(key, message.nonce, {
      messageId: message.messageId,
      version: message.version,
    });
    return 'shown';
  } catch (error) {
    if (message.messageId && isDeleted(error)) {
      ports.log.info('a live message was deleted in Discord', { key, recreate: options.recreateDeleted });
      if (!options.recreateDeleted) {
        await ports.store.replaceLive(key, message.nonce, null);
        return 'dropped';
      }
      const next = {
        ...newLiveMessage(key, notice, ports.now(), message.sessionId),
        version: message.version,
      };
      if (!(await ports.store.replaceLive(key, message.nonce, next))) return 'held';
      const again = await deliverLive(key, next, ports, options);
      return again === 'shown' ? 'recreated' : again;
    }
    const reason = error instanceof Error ? error.message.slice(0, 300) : String(error);
    if (error instanceof DiscordApiError && !error.transient) {
      // Missing permissions, a channel that is gone: the content stays stored and a later tick tries again,
      // but nothing waits for it (the minute schedule must not stay on for a message Discord refuses).
      ports.log.error('live message refused by Discord', { key, reason });
      return 'refused';
    }
    ports.log.warn('live message not delivered yet; the next tick tries again', { key, reason });
    return 'pending';
  }
}

/** Discord says the message is gone: deleted by a member (Unknown Message), or its channel with it. */
function isDeleted(error: unknown): boolean {
  return (
    error instanceof DiscordApiError &&
    (error.code === 10008 || (error.status === 404 && error.code === undefined))
  );
}
