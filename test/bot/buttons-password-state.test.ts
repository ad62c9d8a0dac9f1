import type { APIInteractionResponseChannelMessageWithSource } from 'discord-api-types/v10';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type CommandContext,
  type CommandStore,
  runButton,
  runValheimCommand,
} from '../../src/bot/valheim-command.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import type { StoredState } from '../../src/monitor/state-store.js';
import { INITIAL_STATE, type LifecycleState } from '../../src/records/lifecycle.js';
import type { StartReply } from '../../src/records/notice.js';
import type { CachedSpend } from '../../src/records/server-state.js';
import type { SessionRecord } from '../../src/records/session.js';
import {
  buttonInteraction,
  commandInteraction,
  GUILD_ID,
  OPERATOR_ROLE,
  USER_ID,
} from '../support/discord-signing.js';
import { FakeGameServer, RUNNING, STOPPED } from '../support/fake-game-server.js';
import { memoryWorlds } from '../worlds/memory-worlds.js';

const NOW = new Date('2026-11-23T19:42:00Z');

/** An in-memory store with the same versioned, conditional writes as the DynamoDB one. */
class MemoryStore implements CommandStore {
  stored: StoredState = { state: INITIAL_STATE, version: 0 };
  /** Simulates another writer sneaking in between our read and our write. */
  racing = false;
  ledger: SessionRecord[] = [];
  spend: CachedSpend | undefined;

  async sessions(): Promise<SessionRecord[]> {
    return this.ledger;
  }
  async saveBackupReply(): Promise<void> {}
  async loadSpend(): Promise<CachedSpend | undefined> {
    return this.spend;
  }
  async saveSpend(spend: CachedSpend): Promise<void> {
    this.spend = spend;
  }

  async load(): Promise<StoredState> {
    return this.stored;
  }
  async save(
    state: LifecycleState,
    expectedVersion: number,
    options: { startReply?: StartReply | null } = {},
  ) {
    if (this.racing) this.stored = { ...this.stored, version: this.stored.version + 1 };
    if (expectedVersion !== this.stored.version) return false;
    const { startReply: _old, ...rest } = this.stored;
    const reply =
      options.startReply === undefined ? this.stored.startReply : (options.startReply ?? undefined);
    this.stored = { ...rest, state, version: expectedVersion + 1, ...(reply && { startReply: reply }) };
    return true;
  }
}

type Reply = APIInteractionResponseChannelMessageWithSource;

describe('buttons, password and shared state', () => {
  let server: FakeGameServer;
  let store: MemoryStore;
  let context: CommandContext;

  beforeEach(() => {
    server = new FakeGameServer(STOPPED);
    store = new MemoryStore();
    context = {
      server: async () => server,
      store: async () => store,
      password: async () => 'hunter22',
      passwordVisibleTo: 'members',
      guildId: GUILD_ID,
      operatorRoleIds: [],
      lifecycle: DEFAULT_LIFECYCLE,
      budgetMs: 300,
      now: () => NOW,
      log: silentLogger,
    };
  });

  describe('start with the monitor running', () => {
    it('stores the reply token so the monitor can edit it when the server is ready', async () => {
      const reply = (await runValheimCommand(commandInteraction({ subcommand: 'start' }), context)) as Reply;
      expect(server.desiredCounts).toEqual([1]);
      expect(store.stored.startReply).toEqual({
        applicationId: '123456789012345678',
        token: 'interaction-token',
        createdAt: NOW.getTime(),
        userId: USER_ID,
      });
      expect(reply.data.components?.[0]).toMatchObject({
        type: 1,
        // A Refresh that answers with a new message: the monitor edits this reply through the start
        components: [{ custom_id: 'valheim:status:new', label: 'Refresh' }],
      });
    });

    it('backs off when someone else changed the state at the same moment', async () => {
      store.racing = true;
      const reply = (await runValheimCommand(commandInteraction({ subcommand: 'start' }), context)) as Reply;
      expect(server.desiredCounts).toEqual([]);
      expect(reply.data.content).toContain('at the same moment');
      expect(reply.data.flags).toBe(64);
    });
  });

  describe('status with the monitor running', () => {
    it('shows players online', async () => {
      server.current = RUNNING;
      store.stored = {
        state: { phase: 'ready', players: 3, everJoined: true, lastActivityAt: NOW.getTime() },
        version: 4,
      };
      const reply = (await runValheimCommand(commandInteraction({ subcommand: 'status' }), context)) as Reply;
      expect(reply.data.content).toContain('👥 3 players online.');
      expect(reply.data.content).not.toContain('Stops by itself');
    });

    it('shows the idle countdown while nobody is on', async () => {
      server.current = RUNNING;
      const readyAt = NOW.getTime() - 10 * 60_000;
      store.stored = { state: { phase: 'ready', players: 0, readyAt, lastActivityAt: readyAt }, version: 4 };
      const reply = (await runValheimCommand(commandInteraction({ subcommand: 'status' }), context)) as Reply;
      expect(reply.data.content).toContain('👥 0 players online.');
      expect(reply.data.content).toContain(`<t:${Math.floor((readyAt + 30 * 60_000) / 1000)}:R>`);
    });

    it('says the stop waits for the server to confirm once its announced time has passed', async () => {
      server.current = RUNNING;
      const readyAt = NOW.getTime() - 31 * 60_000;
      store.stored = { state: { phase: 'ready', players: 0, readyAt, lastActivityAt: readyAt }, version: 4 };
      const reply = (await runValheimCommand(commandInteraction({ subcommand: 'status' }), context)) as Reply;
      expect(reply.data.content).toContain(
        "⏰ Stops by itself as soon as the server's own count confirms nobody is on (a few minutes at most), unless someone joins.",
      );
    });

    it('says the world is still loading while ECS runs the task but the game does not answer yet', async () => {
      server.current = RUNNING;
      store.stored = { state: { phase: 'starting' }, version: 1 };
      const reply = (await runValheimCommand(commandInteraction({ subcommand: 'status' }), context)) as Reply;
      expect(reply.data.content).toContain('loading the world');
      expect(reply.data.content).toContain('It will be at `3.120.45.67:2456`');
    });

    it('shows the Valheim version and build the log reported, and a pending automatic stop', async () => {
      server.current = RUNNING;
      const stopAt = NOW.getTime() + 4 * 60_000;
      store.stored = {
        state: {
          phase: 'ready',
          players: 2,
          gameVersion: 'l-1.0.14',
          gameBuild: '20061312',
          gameBranch: 'default_old',
          gameUpdate: { world: 'Dedicated', fromBuild: '19900000', toBuild: '20061312', at: NOW.getTime() },
          limitWarning: { kind: 'max-session', stopAt },
        },
        version: 1,
      };
      const reply = (await runValheimCommand(commandInteraction({ subcommand: 'status' }), context)) as Reply;
      expect(reply.data.content).toContain(
        'Valheim 1.0.14 (build 20061312, branch **default_old**), updated at this start (was build 19900000)',
      );
      expect(reply.data.content).toContain(
        `<t:${Math.floor(stopAt / 1000)}:R> unless someone presses **Keep running**`,
      );
    });

    it('/valheim start while the world loads says it is starting, not "already running"', async () => {
      // Given ECS runs the task, but the monitor has not seen the world load
      server.current = RUNNING;
      store.stored = { state: { phase: 'starting' }, version: 1 };
      // When
      const reply = (await runValheimCommand(commandInteraction({ subcommand: 'start' }), context)) as Reply;
      // Then
      expect(reply.data.content).toContain('The server is starting — loading the world');
      expect(reply.data.content).not.toContain('already running');
      expect(server.desiredCounts).toEqual([]);
      // And once it is ready, it is "already running"
      store.stored = { state: { phase: 'ready' }, version: 2 };
      const ready = (await runValheimCommand(commandInteraction({ subcommand: 'start' }), context)) as Reply;
      expect(ready.data.content).toContain('already running at `3.120.45.67:2456`');
    });

    it('shows the start phase under way and the time so far while starting', async () => {
      // Given a start the monitor follows, whose task is pulling its image
      server.current = {
        state: 'starting',
        desiredCount: 1,
        runningCount: 0,
        pendingCount: 1,
        task: {
          taskArn: 'arn:aws:ecs:eu-central-1:111122223333:task/valheim/abc',
          lastStatus: 'PENDING',
          desiredStatus: 'RUNNING',
          createdAt: new Date(NOW.getTime() - 50_000),
          pullStartedAt: new Date(NOW.getTime() - 30_000),
        },
      };
      store.stored = { state: { phase: 'starting', taskStartedAt: NOW.getTime() - 55_000 }, version: 1 };
      // When someone asks for the status
      const reply = (await runValheimCommand(commandInteraction({ subcommand: 'status' }), context)) as Reply;
      // Then
      expect(reply.data.content).toContain('🟡 **Starting… pulling the image** · 55 s so far.');
      expect(reply.data.content).toContain('✅ placing the task 25 s · ⏳ pulling the image');
    });

    it('says when the player count is unknown', async () => {
      server.current = RUNNING;
      store.stored = { state: { phase: 'ready', players: 'unknown' }, version: 1 };
      const reply = (await runValheimCommand(commandInteraction({ subcommand: 'status' }), context)) as Reply;
      expect(reply.data.content).toContain('Player count unknown');
    });
  });

  describe('Keep running', () => {
    const warned = (kind: 'blind' | 'max-session'): LifecycleState => ({
      phase: 'ready',
      players: 'unknown',
      limitWarning: { kind, stopAt: NOW.getTime() + 3 * 60_000 },
    });

    it('records the answer for the monitor and replaces the warning with who pressed it', async () => {
      // Given a pending blind warning
      server.current = RUNNING;
      store.stored = { state: warned('blind'), version: 7 };
      // When a member presses Keep running
      const reply = await runButton(buttonInteraction('valheim:keep-running'), context);
      // Then the warning message is updated, without buttons, naming who pressed it
      expect(reply.type).toBe(7);
      expect((reply as unknown as Reply).data).toMatchObject({ components: [] });
      expect((reply as unknown as Reply).data.content).toContain(`<@${USER_ID}> pressed **Keep running**`);
      // And the state carries the answer (conditionally written) for the next tick
      expect(store.stored).toMatchObject({ version: 8, state: { keepRunningAt: NOW.getTime() } });
    });

    it('follows the role rules of Start and Stop', async () => {
      context = { ...context, operatorRoleIds: [OPERATOR_ROLE] };
      store.stored = { state: warned('max-session'), version: 7 };
      const refused = (await runButton(buttonInteraction('valheim:keep-running'), context)) as Reply;
      expect(refused.data.content).toContain('Only members with the role');
      expect(refused.data.content).toContain('keep the server running');
      expect(store.stored.version).toBe(7);
      await runButton(buttonInteraction('valheim:keep-running', { roles: [OPERATOR_ROLE] }), context);
      expect(store.stored.version).toBe(8);
    });

    it('says so when there is nothing to put off, and when someone else wrote at the same moment', async () => {
      store.stored = { state: { phase: 'ready', players: 2 }, version: 3 };
      const nothing = (await runButton(buttonInteraction('valheim:keep-running'), context)) as Reply;
      expect(nothing.data.content).toContain('no automatic stop to put off');
      expect(nothing.data.flags).toBe(64);
      store.stored = { state: warned('blind'), version: 3 };
      store.racing = true;
      const raced = (await runButton(buttonInteraction('valheim:keep-running'), context)) as Reply;
      expect(raced.data.content).toContain('at the same moment');
    });
  });

  describe('buttons', () => {
    it('Refresh updates the message it is on, with fresh buttons', async () => {
      const reply = await runButton(buttonInteraction('valheim:status'), context);
      expect(reply.type).toBe(7);
      expect((reply as unknown as Reply).data.content).toContain('Stopped');
      expect((reply as unknown as Reply).data.components?.[0]).toMatchObject({
        type: 1,
        components: [{ custom_id: 'valheim:start' }, { custom_id: 'valheim:status' }],
      });
    });

    it('Refresh on the start reply answers the clicker alone and leaves the reply as it is', async () => {
      const reply = (await runButton(buttonInteraction('valheim:status:new'), context)) as Reply;
      expect(reply.type).toBe(4);
      expect(reply.data.flags).toBe(64);
      expect(reply.data.content).toContain('Stopped');
    });

    it('Start starts the server like the command', async () => {
      const reply = (await runButton(buttonInteraction('valheim:start'), context)) as Reply;
      expect(reply.type).toBe(4);
      expect(server.desiredCounts).toEqual([1]);
    });

    it('Stop checks operator roles like the command', async () => {
      server.current = RUNNING;
      context = { ...context, operatorRoleIds: [OPERATOR_ROLE] };
      const refused = (await runButton(buttonInteraction('valheim:stop', { roles: [] }), context)) as Reply;
      expect(refused.data.flags).toBe(64);
      expect(server.desiredCounts).toEqual([]);
      await runButton(buttonInteraction('valheim:stop', { roles: [OPERATOR_ROLE] }), context);
      expect(server.desiredCounts).toEqual([0]);
    });

    it('answers an unknown button politely', async () => {
      const reply = (await runButton(buttonInteraction('something:else'), context)) as Reply;
      expect(reply.data.content).toContain('no longer supported');
      expect(reply.data.flags).toBe(64);
    });
  });

  describe('/valheim password', () => {
    it('shows the password only to the member who asked', async () => {
      const reply = (await runValheimCommand(
        commandInteraction({ subcommand: 'password' }),
        context,
      )) as Reply;
      expect(reply.data.flags).toBe(64);
      expect(reply.data.content).toContain('`hunter22`');
    });

    it('is refused to non-operators when limited to operators', async () => {
      context = { ...context, passwordVisibleTo: 'operators', operatorRoleIds: [OPERATOR_ROLE] };
      const refused = (await runValheimCommand(
        commandInteraction({ subcommand: 'password', roles: [] }),
        context,
      )) as Reply;
      expect(refused.data.content).not.toContain('hunter22');
      expect(refused.data.content).toContain('can see the password');
      const allowed = (await runValheimCommand(
        commandInteraction({ subcommand: 'password', roles: [OPERATOR_ROLE] }),
        context,
      )) as Reply;
      expect(allowed.data.content).toContain('hunter22');
    });

    it('explains how to set a password when none is stored', async () => {
      context = { ...context, password: async () => undefined };
      const reply = (await runValheimCommand(
        commandInteraction({ subcommand: 'password' }),
        context,
      )) as Reply;
      expect(reply.data.content).toContain('npx valheim secrets set');
    });

    it('turns an SSM failure into a readable private message', async () => {
      context = {
        ...context,
        password: async () =>
          Promise.reject(Object.assign(new Error('x'), { name: 'AccessDeniedException' })),
      };
      const reply = (await runValheimCommand(
        commandInteraction({ subcommand: 'password' }),
        context,
      )) as Reply;
      expect(reply.data.flags).toBe(64);
      expect(reply.data.content).toContain('not allowed to read the password');
    });
  });

  describe('/valheim cost', () => {
    const november = new Date('2026-11-16T00:00:00Z');
    beforeEach(() => {
      store.ledger = [
        {
          sessionId: 'a',
          startedAt: Date.parse('2026-11-02T19:00:00Z'),
          stoppedAt: Date.parse('2026-11-02T23:00:00Z'),
          cpu: 2048,
          memoryMiB: 8192,
          spot: false,
        },
      ];
      context = { ...context, now: () => november, cost: { region: 'us-east-1', fixedMonthly: 0.8 } };
    });

    it('reports play time and the estimate from the ledger', async () => {
      const reply = (await runValheimCommand(commandInteraction({ subcommand: 'cost' }), context)) as Reply;
      // 4 h × $0.12152 = $0.49; half of $0.80 fixed = $0.40
      expect(reply.data.content).toContain('**November 2026 so far:** 1 session, 4.0 h played.');
      expect(reply.data.content).toContain('$0.49 for play + $0.40 storage and backups = **$0.89**');
      expect(reply.data.content).toContain('set `cost.costExplorer` to true');
    });

    it('splits the hours and play cost by world when more than one was played', async () => {
      // Given a row from before worlds (the first world's) and one of a second world
      store.ledger = [
        store.ledger[0] as SessionRecord,
        {
          sessionId: 'b',
          startedAt: Date.parse('2026-11-09T18:00:00Z'),
          stoppedAt: Date.parse('2026-11-09T20:00:00Z'),
          cpu: 2048,
          memoryMiB: 8192,
          spot: false,
          world: 'Season2',
        },
      ];
      context = { ...context, worlds: async () => memoryWorlds('Dedicated') };
      const reply = (await runValheimCommand(commandInteraction({ subcommand: 'cost' }), context)) as Reply;
      expect(reply.data.content).toContain(
        'Per world: **Dedicated** 4.0 h ($0.49) · **Season2** 2.0 h ($0.24)',
      );
    });

    it('lists who played how long, by character name from the log', async () => {
      // Given the session row carries the minutes of two characters, one with a markdown name
      store.ledger = [
        { ...(store.ledger[0] as SessionRecord), characterMinutes: { Anna: 150, '*Leif*': 45 } },
      ];
      const reply = (await runValheimCommand(commandInteraction({ subcommand: 'cost' }), context)) as Reply;
      // Then both are listed, most first, the name shown as typed and not as formatting
      expect(reply.data.content).toContain(
        'Who played (characters, from the server log):\n• Anna: 2.5 h\n• \\*Leif\\*: 45 min',
      );
    });

    it('adds the actual bill when Cost Explorer is enabled', async () => {
      context = {
        ...context,
        cost: {
          region: 'us-east-1',
          fixedMonthly: 0.8,
          spend: async () => ({
            month: '2026-11',
            amount: 1.234,
            currency: 'USD',
            fetchedAt: november.getTime(),
          }),
        },
      };
      const reply = (await runValheimCommand(commandInteraction({ subcommand: 'cost' }), context)) as Reply;
      expect(reply.data.content).toContain('**1.23 USD**');
    });

    it('still answers with the estimate when Cost Explorer hangs', async () => {
      context = {
        ...context,
        budgetMs: 2000,
        cost: { region: 'us-east-1', fixedMonthly: 0.8, spend: () => new Promise(() => {}) },
      };
      const reply = (await runValheimCommand(commandInteraction({ subcommand: 'cost' }), context)) as Reply;
      expect(reply.data.content).toContain('**$0.89**');
      // (a hung request keeps running and fills the cache when it answers: see test/cost/actual-spend.test.ts)
      expect(reply.data.content).toContain('Cost Explorer is still answering; ask again in a minute');
    });

    it('explains when the endpoint has no ledger', async () => {
      const { cost: _cost, ...withoutCost } = context;
      const reply = (await runValheimCommand(
        commandInteraction({ subcommand: 'cost' }),
        withoutCost,
      )) as Reply;
      expect(reply.data.content).toContain('STATE_TABLE is not set');
    });
  });
});
