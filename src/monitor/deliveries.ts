import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.js';
import type { Action } from '../records/lifecycle.js';
import type { Notice, PendingNotice, StartReply } from '../records/notice.js';
import { type NoticeContext, noticeFor } from './notices.js';

/**
 * Notices as deliveries that arrive exactly once. The tick that decides on a notice stores it with its
 * decision, in the same conditional write (an outbox in the state item), so a crash, a lost answer or a
 * Discord outage after that write cannot lose it. Every tick then tries what is pending until Discord
 * confirms it: editing the start reply is idempotent, a channel post carries an enforced nonce, and a
 * follow-up (which has neither) is sent only once the edit has failed for good, never after a timeout.
 */

export interface NoticeTarget {
  /** The `/valheim start` reply to edit, when its token is still valid. */
  readonly startReply?: StartReply;
  /** Edit the start reply rather than posting anew (used for the ready notice). */
  readonly editReply: boolean;
  /** Makes a channel post idempotent (Discord drops a repeat with the same nonce). */
  readonly nonce?: string;
}

export type DeliveryOutcome =
  | {
      readonly status: 'delivered';
      readonly via: 'edit' | 'channel' | 'follow-up';
      /** The edit had failed for good before another way worked. */
      readonly editGone?: boolean;
    }
  /** Discord was down, slow or rate-limiting: try again on a later tick. */
  | { readonly status: 'retry'; readonly reason: string; readonly editGone?: boolean }
  /** No way left (no channel, expired reply, missing permissions): trying again would not help. */
  | { readonly status: 'failed'; readonly reason: string };

export type Notify = (notice: Notice, target: NoticeTarget) => Promise<DeliveryOutcome>;

/** The outbox operations of the state store. Each is conditional on the notice still being there. */
export interface DeliveryStore {
  /** Takes the notice for `leaseMs`; false when another tick holds it or it is gone. */
  claimDelivery(id: string, token: string, now: number, leaseMs: number): Promise<boolean>;
  markEditGone(id: string): Promise<void>;
  completeDelivery(id: string): Promise<void>;
}

/** Longer than one delivery attempt with its retries, shorter than the minute between ticks. */
const LEASE_MS = 25_000;
/** No new notice is tried after this much of a tick went on deliveries: the Lambda has 30 s in all. */
const DELIVERY_BUDGET_MS = 8000;
/** A notice Discord could not take for this long is no news any more. */
export const GIVE_UP_AFTER_MS = 60 * 60_000;

/** The notices a decision announces, ready to be stored with it. */
export function noticesOf(
  actions: readonly Action[],
  context: NoticeContext,
  startReply: StartReply | undefined,
  now: number,
): PendingNotice[] {
  return actions.flatMap((action, index) => {
    const notice = noticeFor(action, context, now);
    if (!notice) return [];
    return [
      {
        id: `${now.toString(36)}${index.toString(36)}`,
        kind: action.type,
        notice,
        editReply: action.type === 'announce-ready',
        ...(startReply && { startReply }),
        createdAt: now,
        attempts: 0,
      },
    ];
  });
}

/**
 * The pending notices a decision makes obsolete: once the stop is announced, an undelivered ready notice or
 * idle warning of that session would only confuse. The feed's news stays news.
 */
export function supersededBy(fresh: readonly PendingNotice[], pending: readonly PendingNotice[]): string[] {
  if (!fresh.some((notice) => notice.kind === 'announce-stopped')) return [];
  return pending.filter((notice) => notice.kind !== 'feed').map((notice) => notice.id);
}

export interface DeliveryPorts {
  readonly store: DeliveryStore;
  readonly notify: Notify;
  readonly now: () => number;
  readonly log: Logger;
}

/** Tries every pending notice, oldest first; returns how many are still pending afterwards. */
export async function deliverPending(
  pending: readonly PendingNotice[],
  { store, notify, now, log }: DeliveryPorts,
): Promise<number> {
  let left = 0;
  const token = randomUUID();
  const started = performance.now();
  for (const entry of [...pending].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))) {
    if (performance.now() - started > DELIVERY_BUDGET_MS) {
      left++; // Discord is slow today: the next tick goes on
      continue;
    }
    const at = now();
    if (at - entry.createdAt > GIVE_UP_AFTER_MS) {
      log.error('notice given up: Discord did not take it for an hour', {
        kind: entry.kind,
        attempts: entry.attempts,
      });
      await store.completeDelivery(entry.id);
      continue;
    }
    if (!(await store.claimDelivery(entry.id, token, at, LEASE_MS))) {
      left++;
      continue;
    }
    const outcome = await notify(entry.notice, {
      ...(entry.startReply && { startReply: entry.startReply }),
      editReply: entry.editReply && !entry.editGone,
      nonce: entry.id,
    });
    if (outcome.status === 'retry') {
      if (outcome.editGone) await store.markEditGone(entry.id);
      log.warn('notice not delivered yet; the next tick tries again', {
        kind: entry.kind,
        reason: outcome.reason,
      });
      left++;
      continue;
    }
    if (outcome.status === 'failed') {
      log.error('notice not delivered', { kind: entry.kind, reason: outcome.reason });
    }
    await store.completeDelivery(entry.id);
  }
  return left;
}
