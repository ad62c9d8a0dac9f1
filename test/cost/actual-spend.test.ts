import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { monthToDateSpend, SPEND_CACHE_MS } from '../../src/cost/actual-spend.js';
import type { CachedSpend } from '../../src/records/server-state.js';

const ce = mockClient(CostExplorerClient);
const NOW = new Date('2026-11-23T19:00:00Z');
const TAG = { key: 'project', value: 'valheim-ondemand' };

class MemoryCache {
  value: CachedSpend | undefined;
  async loadSpend() {
    return this.value;
  }
  async saveSpend(spend: CachedSpend) {
    this.value = spend;
  }
}

describe('actual spend from Cost Explorer', () => {
  let cache: MemoryCache;
  beforeEach(() => {
    ce.reset();
    cache = new MemoryCache();
    ce.on(GetCostAndUsageCommand).resolves({
      ResultsByTime: [{ Total: { UnblendedCost: { Amount: '3.4567', Unit: 'USD' } } }],
    });
  });

  it('asks for this month by the cost-allocation tag, and caches the answer', async () => {
    const spend = await monthToDateSpend(
      TAG,
      NOW,
      cache,
      AbortSignal.timeout(1000),
      new CostExplorerClient({}),
    );
    expect(spend).toEqual({ month: '2026-11', amount: 3.4567, currency: 'USD', fetchedAt: NOW.getTime() });
    expect(ce).toHaveReceivedCommandWith(GetCostAndUsageCommand, {
      TimePeriod: { Start: '2026-11-01', End: '2026-11-24' },
      Granularity: 'MONTHLY',
      Metrics: ['UnblendedCost'],
      Filter: { Tags: { Key: 'project', Values: ['valheim-ondemand'] } },
    });
    expect(cache.value).toEqual(spend);
  });

  it('answers from the cache for 12 hours (each request costs $0.01)', async () => {
    cache.value = {
      month: '2026-11',
      amount: 1,
      currency: 'USD',
      fetchedAt: NOW.getTime() - SPEND_CACHE_MS + 60_000,
    };
    const spend = await monthToDateSpend(
      TAG,
      NOW,
      cache,
      AbortSignal.timeout(1000),
      new CostExplorerClient({}),
    );
    expect(spend.amount).toBe(1);
    expect(ce).not.toHaveReceivedCommand(GetCostAndUsageCommand);
  });

  it('asks again when the cache is stale or from last month', async () => {
    cache.value = { month: '2026-10', amount: 9, currency: 'USD', fetchedAt: NOW.getTime() - 60_000 };
    expect(
      (await monthToDateSpend(TAG, NOW, cache, AbortSignal.timeout(1000), new CostExplorerClient({}))).amount,
    ).toBe(3.4567);
    expect(ce).toHaveReceivedCommandTimes(GetCostAndUsageCommand, 1);
  });
});
