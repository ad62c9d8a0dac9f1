import { randomUUID } from 'node:crypto';
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  type GetCostAndUsageCommandOutput,
} from '@aws-sdk/client-cost-explorer';
import type { CachedSpend } from '../records/server-state.js';

/*
 * The real month-to-date bill for resources carrying the stack's cost-allocation tag. Each Cost Explorer
 * request costs $0.01, so answers are cached (in the state table) for SPEND_CACHE_MS, and at most one request
 * is in flight at a time: callers in one process share the call in flight, and other processes (other Lambda
 * instances) see its claim in the cache and do not call. The call is never cut short by a caller that stops
 * waiting (a reply has 1.2 s): an answer that comes later still fills the cache, so the next caller finds it.
 * The tag only shows up once it is activated in Billing → Cost allocation tags, and data lags by up to a day.
 */

/** Cost Explorer is a global API served from us-east-1. Loaded with import() by /valheim cost only. */
const ce = new CostExplorerClient({ region: 'us-east-1', maxAttempts: 1 });

export const SPEND_CACHE_MS = 12 * 3_600_000;
/** How long one Cost Explorer request may take; it usually answers within 1–3 s. */
export const SPEND_FETCH_TIMEOUT_MS = 20_000;
/**
 * How long a claim on the request keeps other processes from calling: longer than the request may take, so a
 * claim only lapses when its holder is gone (a Lambda instance frozen or ended before the answer came).
 */
export const SPEND_CLAIM_MS = 30_000;

export interface SpendCache {
  loadSpend(signal?: AbortSignal): Promise<CachedSpend | undefined>;
  /** Stores the answer (and so ends any claim on the request). */
  saveSpend(spend: CachedSpend, signal?: AbortSignal): Promise<void>;
  /**
   * Claims the one Cost Explorer request until `now + ms` with a conditional write: false while someone
   * else's claim has not lapsed. Without it, only callers in this process share a request.
   */
  claimSpendFetch?(owner: string, now: number, ms: number, signal?: AbortSignal): Promise<boolean>;
  /** Gives up `owner`'s claim (the request failed), so that the next caller may try at once. */
  releaseSpendFetch?(owner: string, signal?: AbortSignal): Promise<void>;
}

/** Another process is asking Cost Explorer right now; its answer will be in the cache shortly. */
export class SpendPendingError extends Error {
  override readonly name = 'SpendPendingError';
  constructor() {
    super('Cost Explorer is being asked by another request; its answer will be cached');
  }
}

type Tag = { readonly key: string; readonly value: string };

/** Reads the month-to-date spend for a tag; `signal` ends the caller's wait, never the request. */
export type SpendReader = (
  tag: Tag,
  now: Date,
  cache: SpendCache,
  signal: AbortSignal,
) => Promise<CachedSpend>;

/**
 * A reader with its own table of requests in flight (one per process in production; one per test). Callers
 * that find a request in flight for the same tag and month wait for it instead of asking again.
 */
export function spendReader(client: CostExplorerClient = ce): SpendReader {
  const flights = new Map<string, Promise<CachedSpend>>();
  return async (tag, now, cache, signal) => {
    const month = now.toISOString().slice(0, 7);
    const cached = await cache.loadSpend(signal);
    if (cached && isFresh(cached, month, now)) return cached;

    const key = `${tag.key}=${tag.value}@${month}`;
    let flight = flights.get(key);
    if (!flight) {
      flight = fetchAndCache(client, tag, now, cache, cached?.month === month ? cached : undefined);
      flights.set(key, flight);
      const started = flight;
      // Settled, the flight leaves the table (the cache answers from then on); nobody may be waiting for a
      // failure any more, so it is observed here too.
      started.then(
        () => flights.delete(key),
        () => flights.delete(key),
      );
    }
    return untilAborted(flight, signal);
  };
}

/** The process-wide reader the Lambda uses. */
export const monthToDateSpend: SpendReader = spendReader();

function isFresh(spend: CachedSpend, month: string, now: Date): boolean {
  return spend.month === month && now.getTime() - spend.fetchedAt < SPEND_CACHE_MS;
}

async function fetchAndCache(
  client: CostExplorerClient,
  tag: Tag,
  now: Date,
  cache: SpendCache,
  staleThisMonth: CachedSpend | undefined,
): Promise<CachedSpend> {
  const owner = randomUUID();
  const ownSignal = AbortSignal.timeout(SPEND_FETCH_TIMEOUT_MS);
  if (cache.claimSpendFetch) {
    const claimed = await cache.claimSpendFetch(owner, now.getTime(), SPEND_CLAIM_MS, ownSignal);
    if (!claimed) {
      // Someone else is asking: the older figure of this month is better than nothing, and costs nothing.
      if (staleThisMonth) return staleThisMonth;
      throw new SpendPendingError();
    }
  }
  const month = now.toISOString().slice(0, 7);
  const start = `${month}-01`;
  const end = new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10); // exclusive: tomorrow
  let result: GetCostAndUsageCommandOutput;
  try {
    result = await client.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: start, End: end },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost'],
        Filter: { Tags: { Key: tag.key, Values: [tag.value] } },
      }),
      { abortSignal: ownSignal },
    );
  } catch (error) {
    await cache.releaseSpendFetch?.(owner).catch(() => undefined);
    throw error;
  }
  const total = result.ResultsByTime?.reduce(
    (sum, period) => sum + Number(period.Total?.UnblendedCost?.Amount ?? 0),
    0,
  );
  const currency = result.ResultsByTime?.[0]?.Total?.UnblendedCost?.Unit ?? 'USD';
  const spend: CachedSpend = { month, amount: total ?? 0, currency, fetchedAt: now.getTime() };
  await cache.saveSpend(spend, AbortSignal.timeout(SPEND_FETCH_TIMEOUT_MS));
  return spend;
}

/** The flight's result, or the signal's reason as soon as it aborts (the flight goes on regardless). */
function untilAborted<T>(flight: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    flight.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
