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
