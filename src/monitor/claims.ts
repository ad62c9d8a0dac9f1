import type { ChangeClaim } from '../records/server-state.js';

/**
 * Start/stop claims (kept in the state item): what a `/valheim start|stop` or an idle stop decided, and on
 * which ECS view. Pure, so the interactions entry chunk can use them without loading DynamoDB.
 */

/**
 * How long a claim stands for a repeat made on the same ECS view. ECS reflects a new desired count within
 * seconds; a claim whose change failed is withdrawn at once.
 */
const CLAIM_TTL_MS = 60_000;

/** The ECS view a start or stop is decided on: the desired count and the task it saw. */
export function claimBasis(status: {
  readonly desiredCount: number;
  readonly task?: { readonly taskArn: string };
}): string {
  return `${status.desiredCount}:${status.task?.taskArn ?? '-'}`;
}

/** Whether a change to `wanted` decided on `basis` was already claimed by someone else who saw the same. */
export function isRepeatClaim(
  claim: ChangeClaim | undefined,
  wanted: 0 | 1,
  basis: string,
  now: number,
): boolean {
  return (
    claim !== undefined &&
    claim.desiredCount === wanted &&
    claim.basis === basis &&
    now - claim.at < CLAIM_TTL_MS
  );
}
