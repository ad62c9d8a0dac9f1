import type { StartReply } from './notice.js';

/** Small records the state table keeps beside the lifecycle state. */

/**
 * What a `/valheim start|stop` decided, and on what: the desired count ECS reported and its task. A second
 * command that sees the same claim on the same basis is a repeat (ECS had not caught up when it looked).
 */
export interface ChangeClaim {
  readonly desiredCount: 0 | 1;
  readonly basis: string;
  readonly at: number;
}

/** The month-to-date spend as Cost Explorer reported it. */
export interface CachedSpend {
  readonly month: string;
  readonly amount: number;
  readonly currency: string;
  readonly fetchedAt: number;
}

/**
 * A `/valheim start` that came while a world transfer (the session-end snapshot) was running: the monitor
 * starts the server when that transfer has stopped, editing this reply as the start goes on.
 */
export interface QueuedStart {
  /** Unique per queued start: only the one that was read is taken off the queue. */
  readonly id: string;
  readonly reply: StartReply;
  /** Epoch milliseconds. */
  readonly at: number;
}
