/**
 * Replay protection. Discord signs `timestamp + body`, so a captured request stays valid forever unless the
 * endpoint refuses old timestamps and interaction ids it has already answered. Discord itself never sends an
 * interaction twice: a repeated id is a replay.
 */

/** Signed requests whose timestamp is further than this from now (either way) are refused. */
export const MAX_REQUEST_AGE_SECONDS = 300;

/**
 * How long an answered interaction id is remembered: longer than the timestamp window, after which the
 * timestamp check alone refuses a copy.
 */
export const REMEMBER_IDS_SECONDS = 2 * MAX_REQUEST_AGE_SECONDS + 60;

/** Whether Discord's `X-Signature-Timestamp` (Unix seconds) is within the window around `nowSeconds`. */
export function isFreshTimestamp(timestamp: string, nowSeconds: number): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(nowSeconds - Number(timestamp)) <= MAX_REQUEST_AGE_SECONDS;
}

/** Remembers which interaction ids were answered, across every instance of the endpoint. */
export interface InteractionLedger {
  /** Records the id; false when it was recorded before (a replay). */
  claim(interactionId: string, signal: AbortSignal): Promise<boolean>;
}

/**
 * Resolves once this request's interaction id is recorded as seen for the first time; rejects with
 * `InteractionNotClaimedError` when it was seen before or could not be recorded. Handlers read what they
 * need while the id is being recorded, and await this before they change anything.
 */
export type InteractionClaim = () => Promise<void>;

/** The interaction id was not recorded as new (a replay, or the ledger failed): act on nothing. */
export class InteractionNotClaimedError extends Error {
  override readonly name = 'InteractionNotClaimedError';
}

/**
 * A ledger in this process's memory: enough for `valheim serve` without a state table (one process), and for
 * tests. Expired ids are dropped as new ones arrive, so the map stays as small as the traffic of ~10 minutes.
 */
export function memoryLedger(nowMs: () => number = Date.now): InteractionLedger {
  const expiries = new Map<string, number>();
  return {
    claim: async (interactionId) => {
      const now = nowMs();
      for (const [id, expiresAt] of expiries) {
        if (expiresAt > now) break; // insertion order is expiry order
        expiries.delete(id);
      }
      if (expiries.has(interactionId)) return false;
      expiries.set(interactionId, now + REMEMBER_IDS_SECONDS * 1000);
      return true;
    },
  };
}
