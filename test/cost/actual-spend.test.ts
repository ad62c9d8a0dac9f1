import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import type { APIInteractionResponseChannelMessageWithSource } from 'discord-api-types/v10';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { sdkDocuments } from '../../src/aws/sdk-dynamodb.js';
import { type CommandContext, runValheimCommand } from '../../src/bot/valheim-command.js';
import {
  SPEND_CACHE_MS,
  SPEND_CLAIM_MS,
  type SpendCache,
  SpendPendingError,
  spendReader,
} from '../../src/cost/actual-spend.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import { StateStore } from '../../src/monitor/state-store.js';
import { INITIAL_STATE } from '../../src/records/lifecycle.js';
import type { CachedSpend } from '../../src/records/server-state.js';
import { mockAwsClient } from '../support/aws-mock.js';
import { commandInteraction, GUILD_ID } from '../support/discord-signing.js';
import { type LocalDynamo, startDynalite } from '../support/dynalite.js';
import { FakeGameServer, STOPPED } from '../support/fake-game-server.js';

const ce = mockAwsClient(CostExplorerClient);
const NOW = new Date('2026-11-23T19:00:00Z');
const TAG = { key: 'project', value: 'valheim-ondemand' };
const ANSWER = { ResultsByTime: [{ Total: { UnblendedCost: { Amount: '3.4567', Unit: 'USD' } } }] };

/** The cache as the state store keeps it: one item, a claim that holds until it lapses or the answer comes. */
class MemoryCache implements SpendCache {
  value: CachedSpend | undefined;
  claim: { owner: string; until: number } | undefined;
  async loadSpend() {
    return this.value;
  }
  async saveSpend(spend: CachedSpend) {
    this.value = spend;
    this.claim = undefined;
  }
  async claimSpendFetch(owner: string, now: number, ms: number) {
    if (this.claim && this.claim.until > now) return false;
    this.claim = { owner, until: now + ms };
    return true;
  }
  async releaseSpendFetch(owner: string) {
    if (this.claim?.owner === owner) this.claim = undefined;
  }
}

/** Cost Explorer answering after `ms` (a slow day). */
function slowCostExplorer(ms: number) {
  ce.on(GetCostAndUsageCommand).callsFake(
    () => new Promise((resolve) => setTimeout(() => resolve(ANSWER), ms)),
  );
}

describe('actual spend from Cost Explorer', () => {
  let cache: MemoryCache;
  beforeEach(() => {
    ce.reset();
    cache = new MemoryCache();
    ce.on(GetCostAndUsageCommand).resolves(ANSWER);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks for this month by the cost-allocation tag, and caches the answer', async () => {
    const read = spendReader(new CostExplorerClient({}));
    const spend = await read(TAG, NOW, cache, AbortSignal.timeout(1000));
    expect(spend).toEqual({ month: '2026-11', amount: 3.4567, currency: 'USD', fetchedAt: NOW.getTime() });
    expect(ce).toHaveReceivedCommandWith(GetCostAndUsageCommand, {
      TimePeriod: { Start: '2026-11-01', End: '2026-11-24' },
      Granularity: 'MONTHLY',
      Metrics: ['UnblendedCost'],
      Filter: { Tags: { Key: 'project', Values: ['valheim-ondemand'] } },
    });
    expect(cache.value).toEqual(spend);
    expect(cache.claim).toBeUndefined();
  });

  it('answers from the cache for 12 hours (each request costs $0.01)', async () => {
    cache.value = {
      month: '2026-11',
      amount: 1,
      currency: 'USD',
      fetchedAt: NOW.getTime() - SPEND_CACHE_MS + 60_000,
    };
    const spend = await spendReader(new CostExplorerClient({}))(TAG, NOW, cache, AbortSignal.timeout(1000));
    expect(spend.amount).toBe(1);
    expect(ce).not.toHaveReceivedCommand(GetCostAndUsageCommand);
  });

  it('asks again when the cache is stale or from last month', async () => {
    cache.value = { month: '2026-10', amount: 9, currency: 'USD', fetchedAt: NOW.getTime() - 60_000 };
    const read = spendReader(new CostExplorerClient({}));
    expect((await read(TAG, NOW, cache, AbortSignal.timeout(1000))).amount).toBe(3.4567);
    expect(ce).toHaveReceivedCommandTimes(GetCostAndUsageCommand, 1);
  });

  it('sends one request for 20 callers at once on an empty cache (one process)', async () => {
    // Given a Cost Explorer that takes 200 ms
    slowCostExplorer(200);
    const read = spendReader(new CostExplorerClient({}));
    // When 20 callers ask together
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => read(TAG, NOW, cache, AbortSignal.timeout(5000))),
    );
    // Then one request was billed and everyone got its answer
    expect(ce).toHaveReceivedCommandTimes(GetCostAndUsageCommand, 1);
    expect(new Set(answers.map((answer) => answer.amount))).toEqual(new Set([3.4567]));
  });

  it('sends one request for callers in two processes at once: the second sees the claim', async () => {
    // Given two Lambda instances (two readers, each with its own table of requests) over one cache
    slowCostExplorer(200);
    const first = spendReader(new CostExplorerClient({}));
    const second = spendReader(new CostExplorerClient({}));
    // When both ask on an empty cache
    const [a, b] = await Promise.allSettled([
      first(TAG, NOW, cache, AbortSignal.timeout(5000)),
      second(TAG, NOW, cache, AbortSignal.timeout(5000)),
    ]);
    // Then one asked Cost Explorer; the other was told the answer is on its way, without a request
    expect(ce).toHaveReceivedCommandTimes(GetCostAndUsageCommand, 1);
    expect([a.status, b.status].sort()).toEqual(['fulfilled', 'rejected']);
    const refused = [a, b].find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(SpendPendingError);
    // And the next caller of either finds the answer in the cache
    await second(TAG, NOW, cache, AbortSignal.timeout(5000));
    expect(ce).toHaveReceivedCommandTimes(GetCostAndUsageCommand, 1);
  });

  it('shows this month’s older figure while another process is asking, rather than nothing', async () => {
    // Given a figure from 13 hours ago (stale) and another process's live claim
    const older = { month: '2026-11', amount: 2, currency: 'USD', fetchedAt: NOW.getTime() - 13 * 3_600_000 };
    cache.value = older;
    cache.claim = { owner: 'other', until: NOW.getTime() + 10_000 };
    // When
    const spend = await spendReader(new CostExplorerClient({}))(TAG, NOW, cache, AbortSignal.timeout(1000));
    // Then
    expect(spend).toEqual(older);
    expect(ce).not.toHaveReceivedCommand(GetCostAndUsageCommand);
  });

  it('asks when a claim has lapsed (its holder is gone) and when a failed request gave its claim up', async () => {
    const read = spendReader(new CostExplorerClient({}));
    // Given a claim that ended a moment ago
    cache.claim = { owner: 'gone', until: NOW.getTime() };
    await read(TAG, NOW, cache, AbortSignal.timeout(1000));
    expect(ce).toHaveReceivedCommandTimes(GetCostAndUsageCommand, 1);
    // Given a request that fails (throttled) on an empty cache
    cache.value = undefined;
    ce.reset();
    ce.on(GetCostAndUsageCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'LimitExceeded' }))
      .resolves(ANSWER);
    await expect(read(TAG, NOW, cache, AbortSignal.timeout(1000))).rejects.toThrow('Rate exceeded');
    // Then its claim is gone, and the next caller asks at once
    expect(cache.claim).toBeUndefined();
    await read(TAG, NOW, cache, AbortSignal.timeout(1000));
    expect(ce).toHaveReceivedCommandTimes(GetCostAndUsageCommand, 2);
  });

  it('keeps a request going when its caller stops waiting, and caches the late answer', async () => {
    // Given a Cost Explorer that answers after 300 ms, and a caller that waits 50 ms
    slowCostExplorer(300);
    const read = spendReader(new CostExplorerClient({}));
    const controller = new AbortController();
    const waiting = read(TAG, NOW, cache, controller.signal);
    setTimeout(() => controller.abort(new Error('reply sent')), 50);
    // When the caller gives up
    await expect(waiting).rejects.toThrow('reply sent');
    expect(cache.value).toBeUndefined();
    // Then the request was not aborted: its answer lands in the cache
    await vi.waitFor(() => expect(cache.value?.amount).toBe(3.4567), { timeout: 2000 });
    const calls = ce.commandCalls(GetCostAndUsageCommand);
    expect(calls).toHaveLength(1);
    const [, options] = (calls[0] as { args: unknown[] }).args as [unknown, { abortSignal: AbortSignal }];
    expect(options.abortSignal.aborted).toBe(false);
  });

  it('bills one request for 10 sequential /valheim cost while Cost Explorer takes 3 s (1.2 s to reply)', async () => {
    // Given a Cost Explorer that answers after 3 s, and the command wired as the Lambda wires it
    vi.useFakeTimers({ now: NOW });
    slowCostExplorer(3000);
    const read = spendReader(new CostExplorerClient({}));
    const context = costContext(cache, (store, signal) => read(TAG, new Date(), store, signal));
    // When one member asks 10 times, each time after the previous reply
    const replies: string[] = [];
    for (let i = 0; i < 10; i++) {
      const reply = runValheimCommand(commandInteraction({ subcommand: 'cost' }), context);
      await vi.advanceTimersByTimeAsync(1300);
      replies.push(((await reply) as APIInteractionResponseChannelMessageWithSource).data.content ?? '');
    }
    // Then Cost Explorer was asked once: the first two replies say it is still answering, the rest show it
    expect(ce).toHaveReceivedCommandTimes(GetCostAndUsageCommand, 1);
    expect(replies.slice(0, 2).every((text) => text.includes('Cost Explorer is still answering'))).toBe(true);
    expect(replies.slice(2).every((text) => text.includes('**3.46 USD**'))).toBe(true);
  });
});

describe('the claim on the Cost Explorer request in the state table (dynalite)', () => {
  let dynamo: LocalDynamo;
  let store: StateStore;
  let table = 0;
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo.close();
  });
  beforeEach(async () => {
    const name = `spend-${++table}`;
    await dynamo.createTable(name);
    store = new StateStore(sdkDocuments(dynamo.client), name);
  });

  it('grants one claim at a time, until it lapses, the answer is saved or its owner gives it up', async () => {
    const t = NOW.getTime();
    // Of ten claims at once, one wins
    const wins = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.claimSpendFetch(`owner-${i}`, t, SPEND_CLAIM_MS)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    const winner = `owner-${wins.indexOf(true)}`;
    // It holds until it lapses
    expect(await store.claimSpendFetch('late', t + SPEND_CLAIM_MS - 1, SPEND_CLAIM_MS)).toBe(false);
    // Someone else cannot give it up; its owner can
    await store.releaseSpendFetch('late');
    expect(await store.claimSpendFetch('late', t + 1, SPEND_CLAIM_MS)).toBe(false);
    await store.releaseSpendFetch(winner);
    expect(await store.claimSpendFetch('next', t + 1, SPEND_CLAIM_MS)).toBe(true);
    // Saving the answer ends the claim (and keeps the answer)
    const spend = { month: '2026-11', amount: 1, currency: 'USD', fetchedAt: t };
    await store.saveSpend(spend);
    expect(await store.loadSpend()).toEqual(spend);
    expect(await store.claimSpendFetch('after', t + 2, SPEND_CLAIM_MS)).toBe(true);
    // A lapsed claim can be taken
    expect(await store.claimSpendFetch('taker', t + 2 + SPEND_CLAIM_MS, SPEND_CLAIM_MS)).toBe(true);
    expect(await store.loadSpend()).toEqual(spend);
  });
});

/** A command context with the ledger empty and `spend` as the Cost Explorer reader. */
function costContext(
  cache: MemoryCache,
  spend: NonNullable<CommandContext['cost']>['spend'],
): CommandContext {
  const store = {
    ...cache,
    loadSpend: () => cache.loadSpend(),
    saveSpend: (value: CachedSpend) => cache.saveSpend(value),
    claimSpendFetch: (owner: string, now: number, ms: number) => cache.claimSpendFetch(owner, now, ms),
    releaseSpendFetch: (owner: string) => cache.releaseSpendFetch(owner),
    sessions: async () => [],
    load: async () => ({ state: INITIAL_STATE, version: 0 }),
    save: async () => true,
    saveBackupReply: async () => undefined,
  };
  return {
    server: async () => new FakeGameServer(STOPPED),
    store: async () => store,
    passwordVisibleTo: 'members',
    guildId: GUILD_ID,
    operatorRoleIds: [],
    lifecycle: DEFAULT_LIFECYCLE,
    budgetMs: 2000,
    now: () => new Date(),
    log: silentLogger,
    cost: { region: 'us-east-1', fixedMonthly: 0.8, ...(spend && { spend }) },
  };
}
