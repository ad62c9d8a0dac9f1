import type { APIInteractionResponseChannelMessageWithSource } from 'discord-api-types/v10';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type CommandContext,
  type CommandStore,
  runButton,
  runValheimCommand,
} from '../../src/bot/valheim-command.js';
import { START_OVER_BUDGET_ID } from '../../src/discord/components.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import { INITIAL_STATE } from '../../src/records/lifecycle.js';
import type { SessionRecord } from '../../src/records/session.js';
import {
  buttonInteraction,
  commandInteraction,
  GUILD_ID,
  OPERATOR_ROLE,
  USER_ID,
} from '../support/discord-signing.js';
import { FakeGameServer, STOPPED } from '../support/fake-game-server.js';

// Half-way through November (30 days): the fixed part so far is half of it.
const NOW = new Date('2026-11-16T00:00:00Z');
const HOUR = 3_600_000;
/** 2 vCPU / 8 GiB on demand in us-east-1 plus IPv4: 0.12152 $/h. */
const session = (startedAt: string, hours: number): SessionRecord => ({
  sessionId: startedAt,
  startedAt: Date.parse(startedAt),
  stoppedAt: Date.parse(startedAt) + hours * HOUR,
  cpu: 2048,
  memoryMiB: 8192,
  spot: false,
});

type Reply = APIInteractionResponseChannelMessageWithSource['data'];

describe('the budget guard (cost.monthlyLimitUsd) at /valheim start', () => {
  let server: FakeGameServer;
  let ledger: SessionRecord[];
  let context: CommandContext;

  beforeEach(() => {
    server = new FakeGameServer(STOPPED);
    ledger = [];
    let version = 1;
    const store: CommandStore = {
      load: async () => ({ state: INITIAL_STATE, version }),
      save: async (_state, expected) => {
        if (expected !== version) return false;
        version++;
        return true;
      },
      sessions: async (from, to) =>
        ledger.filter((row) => row.startedAt >= from.getTime() && row.startedAt < to.getTime()),
      saveBackupReply: async () => {},
      loadSpend: async () => undefined,
      saveSpend: async () => {},
    };
    context = {
      server: async () => server,
      store: async () => store,
      guildId: GUILD_ID,
      operatorRoleIds: [OPERATOR_ROLE],
      passwordVisibleTo: 'members',
      lifecycle: DEFAULT_LIFECYCLE,
      // $0.20 fixed a month: $0.10 so far; limit $5
      cost: { region: 'us-east-1', fixedMonthly: 0.2, monthlyLimitUsd: 5 },
      budgetMs: 500,
      now: () => NOW,
      log: silentLogger,
    };
  });

  const start = async (roles = [OPERATOR_ROLE]) =>
    (
      (await runValheimCommand(
        commandInteraction({ subcommand: 'start', roles }),
        context,
      )) as APIInteractionResponseChannelMessageWithSource
    ).data as Reply;
  const click = async (customId: string, roles = [OPERATOR_ROLE]) =>
    (
      (await runButton(
        buttonInteraction(customId, { roles }),
        context,
      )) as APIInteractionResponseChannelMessageWithSource
    ).data as Reply;

  it('starts without a word while the month is under 80 % of the limit', async () => {
    // Given 20 h played: 20 × 0.12152 + 0.10 = $2.53 (51 %)
    ledger = [session('2026-11-02T18:00:00.000Z', 20)];
    const reply = await start();
    expect(server.desiredCounts).toEqual([1]);
    expect(reply.content).not.toContain('limit');
  });

  it('starts but warns at 80 % of the limit', async () => {
    // Given 33 h played: 33 × 0.12152 + 0.10 = $4.11 (82 %)
    ledger = [session('2026-11-02T18:00:00.000Z', 20), session('2026-11-09T18:00:00.000Z', 13)];
    const reply = await start();
    expect(server.desiredCounts).toEqual([1]);
    expect(reply.content).toContain("⚠️ This month's estimated spend is $4.11 of the $5.00 limit (82 %)");
  });

  it('refuses once the limit has passed, saying why and how an operator overrides it for one session', async () => {
    // Given 41 h played: 41 × 0.12152 + 0.10 = $5.08
    ledger = [session('2026-11-02T18:00:00.000Z', 41)];
    // When
    const reply = await start();
    // Then nothing starts, and the reply names the limit, who can override, and how to raise it
    expect(server.desiredCounts).toEqual([]);
    expect(reply.content).toContain(
      "**Not started:** this month's estimated spend is $5.08 of the $5.00 limit (102 %)",
    );
    expect(reply.content).toContain(`A member with <@&${OPERATOR_ROLE}> can start it for this one session`);
    expect(reply.content).toContain('change `cost.monthlyLimitUsd` in valheim.config.json and redeploy');
    expect(reply.components?.[0]).toMatchObject({
      components: [{ custom_id: START_OVER_BUDGET_ID, label: 'Start anyway (this session)' }],
    });
  });

  it('lets an operator override the limit for one session with the button; the next start is refused again', async () => {
    ledger = [session('2026-11-02T18:00:00.000Z', 41)];
    // When an operator clicks "Start anyway"
    const reply = await click(START_OVER_BUDGET_ID);
    // Then the server starts, and the reply says who overrode it
    expect(server.desiredCounts).toEqual([1]);
    expect(reply.content).toContain(
      `Started over the monthly limit ($5.08 of the $5.00 limit (102 %)) by <@${USER_ID}>`,
    );
    // And a plain start afterwards (the server stopped again) is refused
    server.current = STOPPED;
    await start();
    expect(server.desiredCounts).toEqual([1]);
  });

  it('does not let a member without an operator role override it', async () => {
    ledger = [session('2026-11-02T18:00:00.000Z', 41)];
    const reply = await click(START_OVER_BUDGET_ID, []);
    expect(server.desiredCounts).toEqual([]);
    expect(reply.content).toContain(`Only members with the role <@&${OPERATOR_ROLE}>`);
  });

  it('checks nothing without a limit', async () => {
    ledger = [session('2026-11-02T18:00:00.000Z', 400)];
    context = { ...context, cost: { region: 'us-east-1', fixedMonthly: 0.2 } };
    await start();
    expect(server.desiredCounts).toEqual([1]);
  });
});
