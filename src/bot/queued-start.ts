import { randomUUID } from 'node:crypto';
import type { StartReply } from '../records/notice.js';
import type { QueuedStart } from '../records/server-state.js';
import type { SnapshotTasks } from '../worlds/start-snapshot.js';

/*
 * A start asked for while a world transfer runs (right after a stop: the session-end snapshot takes a minute
 * or two) is queued instead of refused: the monitor starts the server when the transfer task has stopped
 * (src/monitor/queued-start.ts). A start must not overlap a transfer: a restore writes the world the game
 * would load, and a snapshot would copy a world the game is writing.
 */

export interface StartQueue {
  queueStart(queued: QueuedStart, signal?: AbortSignal): Promise<void>;
  dropQueuedStart(id: string, signal?: AbortSignal): Promise<boolean>;
}

/**
 * Queues the start, then looks at the transfers once more: one that ended between the first look and the
 * queue may already have been reported to the monitor, which would then never take this start. 'clear'
 * means no transfer runs any more and the start is off the queue: the caller starts the server itself.
 */
export async function queueStartBehindTransfer(
  queue: StartQueue,
  transfers: Pick<SnapshotTasks, 'inProgress'>,
  reply: StartReply,
  signal: AbortSignal,
): Promise<'queued' | 'clear'> {
  const id = randomUUID();
  await queue.queueStart({ id, reply, at: reply.createdAt }, signal);
  if ((await transfers.inProgress(signal)).length > 0) return 'queued';
  // Taken off by us: start now. Taken by the monitor meanwhile: it is starting, this reply follows it.
  return (await queue.dropQueuedStart(id, signal)) ? 'clear' : 'queued';
}

export function queuedStartMessage(userId: string | undefined): string {
  return `⏳ ${userId ? `<@${userId}> asked to start the server` : 'Start asked for'}. The world of the last session is being saved to S3 right now; the server starts as soon as that is done (usually a minute or two), and this message follows it.`;
}

export function queuedStartCancelledMessage(userId: string | undefined): string {
  return `⏹️ ${userId ? `<@${userId}>` : 'Someone'} called off the start that was waiting for the world to be saved: the server stays stopped.`;
}
