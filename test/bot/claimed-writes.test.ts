import { describe, expect, it } from 'vitest';
import { type CommandContext, type CommandStore, claimedWrites } from '../../src/bot/valheim-command.js';
import { InteractionNotClaimedError } from '../../src/discord/replay.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import { INITIAL_STATE } from '../../src/records/lifecycle.js';
import { GUILD_ID } from '../support/discord-signing.js';
import { FakeGameServer, STOPPED } from '../support/fake-game-server.js';

/** A store that records what was called, in order. */
function recordingStore(events: string[]): CommandStore {
  const note =
    <T>(name: string, value: T) =>
    async () => {
      events.push(name);
      return value;
    };
  return {
    load: note('load', { state: INITIAL_STATE, version: 0 }),
    save: note('save', true),
    sessions: note('sessions', []),
    saveBackupReply: note('saveBackupReply', undefined),
    loadPresence: note('loadPresence', { version: 0 }),
    loadSpend: note('loadSpend', undefined),
    saveSpend: note('saveSpend', undefined),
    claimSpendFetch: note('claimSpendFetch', true),
    releaseSpendFetch: note('releaseSpendFetch', undefined),
  };
}

function contextWith(store: CommandStore, server: FakeGameServer): CommandContext {
  return {
    server: async () => server,
    store: async () => store,
    guildId: GUILD_ID,
    operatorRoleIds: [],
    passwordVisibleTo: 'members',
    lifecycle: DEFAULT_LIFECYCLE,
    budgetMs: 500,
    now: () => new Date(),
    log: silentLogger,
  };
}

describe('claimedWrites: the ports of a command whose interaction id is being recorded', () => {
  it('reads at once, and writes only after the id was recorded', async () => {
    // Given an id whose record is still on its way
    const events: string[] = [];
    let record: () => void = () => {};
    const recorded = new Promise<void>((resolve) => {
      record = () => {
        events.push('recorded');
        resolve();
      };
    });
    const server = new FakeGameServer(STOPPED);
    const context = claimedWrites(contextWith(recordingStore(events), server), () => recorded);
    const store = await context.store?.();
    const game = await context.server();
    // When the command reads and writes through its ports
    await store?.load();
    await store?.sessions(new Date(0), new Date(1));
    await store?.loadSpend();
    await store?.loadPresence?.();
    const writes = Promise.all([
      store?.save(INITIAL_STATE, 0),
      store?.saveBackupReply('id', { applicationId: '1', token: 't', createdAt: 0 }),
      store?.saveSpend({ month: '2026-11', amount: 1, currency: 'USD', fetchedAt: 0 }),
      store?.claimSpendFetch?.('me', 0, 1),
      game.setDesiredCount(1, AbortSignal.timeout(1000)),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.desiredCounts).toEqual([]);
    record();
    await writes;
    // Then every read went out before the record, every write after it
    expect(events).toEqual([
      'load',
      'sessions',
      'loadSpend',
      'loadPresence',
      'recorded',
      'save',
      'saveBackupReply',
      'saveSpend',
      'claimSpendFetch',
    ]);
    expect(server.desiredCounts).toEqual([1]);
  });

  it('writes nothing when the id was not recorded as new (a replay)', async () => {
    const events: string[] = [];
    const server = new FakeGameServer(STOPPED);
    const refused = () => Promise.reject(new InteractionNotClaimedError('a copy'));
    const context = claimedWrites(contextWith(recordingStore(events), server), refused);
    const store = await context.store?.();
    await expect(store?.save(INITIAL_STATE, 0)).rejects.toBeInstanceOf(InteractionNotClaimedError);
    await expect(
      (await context.server()).setDesiredCount(1, AbortSignal.timeout(1000)),
    ).rejects.toBeInstanceOf(InteractionNotClaimedError);
    expect(events).toEqual([]);
    expect(server.desiredCounts).toEqual([]);
  });

  it('keeps every method of the store it wraps (a method it dropped would silently do nothing)', async () => {
    const store = recordingStore([]);
    const wrapped = await claimedWrites(
      contextWith(store, new FakeGameServer(STOPPED)),
      async () => {},
    ).store?.();
    expect(Object.keys(wrapped ?? {}).sort()).toEqual(Object.keys(store).sort());
  });
});
