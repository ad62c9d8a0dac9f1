import type { GetCostAndUsageRequest, GetCostAndUsageResponse } from '@aws-sdk/client-cost-explorer';
import type { AwsClient } from '../aws/client.js';
import type { CachedSpend } from '../monitor/state-store.js';

/*
 * The real month-to-date bill for resources carrying the stack's cost-allocation tag. Each Cost Explorer
 * request costs $0.01, so answers are cached (in the state table) for CACHE_MS. The tag only shows up once
 * it is activated in Billing → Cost allocation tags, and data lags by up to a day.
 */

/** Cost Explorer is a global API served from us-east-1; reached with the light client (/valheim cost only). */
export const COST_EXPLORER = {
  signingName: 'ce',
  endpointPrefix: 'ce',
  endpointId: 'COST_EXPLORER',
  globalRegion: 'us-east-1',
};

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
  /** Cost Explorer (`COST_EXPLORER`) with a single attempt: each request is billed. */
  client: AwsClient,
): Promise<CachedSpend> {
  const month = now.toISOString().slice(0, 7);
  const cached = await cache.loadSpend(signal);
  if (cached && cached.month === month && now.getTime() - cached.fetchedAt < SPEND_CACHE_MS) return cached;

  const start = `${month}-01`;
  const end = new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10); // exclusive: tomorrow
  const request: GetCostAndUsageRequest = {
    TimePeriod: { Start: start, End: end },
    Granularity: 'MONTHLY',
    Metrics: ['UnblendedCost'],
    Filter: { Tags: { Key: tag.key, Values: [tag.value] } },
  };
  const result = await client.json<GetCostAndUsageResponse>(
    'AWSInsightsIndexService.GetCostAndUsage',
    request,
    { version: '1.1', signal },
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
