import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsClient } from '../../src/aws/client.js';
import { resolveSetup } from '../../src/aws/setup.js';
import { COST_EXPLORER, monthToDateSpend, SPEND_CACHE_MS } from '../../src/cost/actual-spend.js';
import type { CachedSpend } from '../../src/monitor/state-store.js';
import { type FakeAwsEndpoint, fakeAwsEnv, startFakeAws } from '../support/fake-aws-endpoint.js';

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

describe('actual spend from Cost Explorer (loopback stand-in, light client)', () => {
  let aws: FakeAwsEndpoint;
  let ce: AwsClient;
  let cache: MemoryCache;
  beforeAll(async () => {
    aws = await startFakeAws({ costAmount: '3.4567' });
    const env = fakeAwsEnv(aws.url);
    const setup = resolveSetup(env);
    ce = new AwsClient(COST_EXPLORER, { env, setup: () => setup, maxAttempts: 1 });
  });
  afterAll(() => aws.close());
  beforeEach(() => {
    aws.state.requests.length = 0;
    cache = new MemoryCache();
  });

  it('asks for this month by the cost-allocation tag, signed for us-east-1, and caches the answer', async () => {
    const spend = await monthToDateSpend(TAG, NOW, cache, AbortSignal.timeout(1000), ce);
    expect(spend).toEqual({ month: '2026-11', amount: 3.4567, currency: 'USD', fetchedAt: NOW.getTime() });
    expect(aws.inputs('ce:GetCostAndUsage')).toEqual([
      {
        TimePeriod: { Start: '2026-11-01', End: '2026-11-24' },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost'],
        Filter: { Tags: { Key: 'project', Values: ['valheim-ondemand'] } },
      },
    ]);
    // Cost Explorer is global: whatever the Lambda's region, the request is signed for us-east-1
    expect(String(aws.state.requests[0]?.headers.authorization)).toContain('/us-east-1/ce/aws4_request');
    expect(cache.value).toEqual(spend);
  });

  it('answers from the cache for 12 hours (each request costs $0.01)', async () => {
    cache.value = {
      month: '2026-11',
      amount: 1,
      currency: 'USD',
      fetchedAt: NOW.getTime() - SPEND_CACHE_MS + 60_000,
    };
    const spend = await monthToDateSpend(TAG, NOW, cache, AbortSignal.timeout(1000), ce);
    expect(spend.amount).toBe(1);
    expect(aws.inputs('ce:GetCostAndUsage')).toHaveLength(0);
  });

  it('asks again when the cache is stale or from last month', async () => {
    cache.value = { month: '2026-10', amount: 9, currency: 'USD', fetchedAt: NOW.getTime() - 60_000 };
    expect((await monthToDateSpend(TAG, NOW, cache, AbortSignal.timeout(1000), ce)).amount).toBe(3.4567);
    expect(aws.inputs('ce:GetCostAndUsage')).toHaveLength(1);
  });

  it('tries once only, even when throttled: every request is billed', async () => {
    aws.state.faults.push({ call: 'ce:GetCostAndUsage', code: 'ThrottlingException', times: 2 });
    await expect(monthToDateSpend(TAG, NOW, cache, AbortSignal.timeout(1000), ce)).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(aws.inputs('ce:GetCostAndUsage')).toHaveLength(1);
    aws.state.faults.length = 0;
  });
});
