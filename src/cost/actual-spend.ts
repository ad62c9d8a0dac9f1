import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import type { CachedSpend } from '../records/server-state.js';

/*
 * The real month-to-date bill for resources carrying the stack's cost-allocation tag. Each Cost Explorer
 * request costs $0.01, so answers are cached (in the state table) for CACHE_MS. The tag only shows up once
 * it is activated in Billing → Cost allocation tags, and data lags by up to a day.
 */

/** Cost Explorer is a global API served from us-east-1. Loaded with import() by /valheim cost only. */
const ce = new CostExplorerClient({ region: 'us-east-1', maxAttempts: 1 });

export const SPEND_CACHE_MS = 12 * 3_600_000;

export interface SpendCache {
  loadSpend(signal?: AbortSignal): Promise<CachedSpend | undefined>;
  saveSpend(spend: CachedSpend, signal?: AbortSignal): Promise<void>;
}

export async function monthToDateSpend(
  tag: { readonly key: string; readonly value: string },
  now: Date,
  cache: SpendCache,
  signal: AbortSignal,
  client: CostExplorerClient = ce,
): Promise<CachedSpend> {
  const month = now.toISOString().slice(0, 7);
  const cached = await cache.loadSpend(signal);
  if (cached && cached.month === month && now.getTime() - cached.fetchedAt < SPEND_CACHE_MS) return cached;

  const start = `${month}-01`;
  const end = new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10); // exclusive: tomorrow
  const result = await client.send(
    new GetCostAndUsageCommand({
      TimePeriod: { Start: start, End: end },
      Granularity: 'MONTHLY',
      Metrics: ['UnblendedCost'],
      Filter: { Tags: { Key: tag.key, Values: [tag.value] } },
    }),
    { abortSignal: signal },
  );
  const total = result.ResultsByTime?.reduce(
    (sum, period) => sum + Number(period.Total?.UnblendedCost?.Amount ?? 0),
    0,
  );
  const currency = result.ResultsByTime?.[0]?.Total?.UnblendedCost?.Unit ?? 'USD';
  const spend: CachedSpend = { month, amount: total ?? 0, currency, fetchedAt: now.getTime() };
  await cache.saveSpend(spend, signal);
  return spend;
}
