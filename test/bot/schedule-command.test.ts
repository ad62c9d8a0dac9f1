import type {
  APIChatInputApplicationCommandInteraction,
  APIInteractionResponseChannelMessageWithSource,
} from 'discord-api-types/v10';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sdkDocuments } from '../../src/aws/sdk-dynamodb.js';
import { SCHEDULE_OFF_MESSAGE } from '../../src/bot/schedule-command.js';
import { type CommandContext, claimedWrites, runValheimCommand } from '../../src/bot/valheim-command.js';
import { parseWeeklyTime, type WeeklyTime } from '../../src/config/weekly-time.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import { StateStore } from '../../src/monitor/state-store.js';
import { type EveningStore, eveningStore } from '../../src/server/scheduled-evening.js';
import { commandInteraction, GUILD_ID, OPERATOR_ROLE } from '../support/discord-signing.js';
import { type LocalDynamo, startDynalite } from '../support/dynalite.js';
import { FakeGameServer, STOPPED } from '../support/fake-game-server.js';

/** Monday 23 November 2026, 12:00 UTC; the next Friday 19:00 in Berlin is 18:00 UTC on the 27th. */
const NOW = new Date('2026-11-23T12:00:00Z');
const FRIDAY = Date.parse('2026-11-27T18:00:00Z');
const WEEK = 7 * 86_400_000;

function scheduleCommand(action: string | undefined, roles: string[]) {
  const interaction = commandInteraction({ subcommand: 'schedule', roles });
  const [subcommand] = interaction.data.options ?? [];
  return {
    ...interaction,
    data: {
      ...interaction.data,
      options: [{ ...subcommand, options: action ? [{ type: 3, name: 'action', value: action }] : [] }],
    },
  } as APIChatInputApplicationCommandInteraction;
}

describe('/valheim schedule', () => {
  let dynamo: LocalDynamo;
  let evenings: EveningStore;
  let context: CommandContext;
  let table = 0;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo.close();
  });
  beforeEach(async () => {
    const name = `schedule-${++table}`;
    await dynamo.createTable(name);
    const doc = sdkDocuments(dynamo.client);
    const state = new StateStore(doc, name);
    evenings = eveningStore(doc, name, (from, to) => state.sessions(from, to));
    // Recent starts took 4, 6 and 8 minutes to become joinable
    for (const [i, minutes] of [4, 6, 8].entries()) {
      const startedAt = NOW.getTime() - (i + 1) * WEEK;
      await state.recordSession({
        sessionId: new Date(startedAt).toISOString(),
        startedAt,
        readyAt: startedAt + minutes * 60_000,
      });
    }
    context = {
      server: async () => new FakeGameServer(STOPPED),
      guildId: GUILD_ID,
      operatorRoleIds: [OPERATOR_ROLE],
      passwordVisibleTo: 'members',
      lifecycle: DEFAULT_LIFECYCLE,
      schedule: {
        openings: [parseWeeklyTime('Fri 19:00') as WeeklyTime],
        timeZone: 'Europe/Berlin',
        store: async () => evenings,
      },
      budgetMs: 2000,
      now: () => NOW,
      log: silentLogger,
    };
  });

  async function run(action: string | undefined, roles: string[] = [OPERATOR_ROLE], given = context) {
    const response = (await runValheimCommand(
      scheduleCommand(action, roles),
      given,
    )) as APIInteractionResponseChannelMessageWithSource;
    expect(response.data.allowed_mentions).toEqual({ parse: [] });
    return { content: response.data.content ?? '', ephemeral: response.data.flags === 64 };
  }

  it('lists the next three openings in every reader’s own time, and how early the server starts', async () => {
    const reply = await run(undefined, []);
    for (const at of [FRIDAY, FRIDAY + WEEK, FRIDAY + 2 * WEEK]) {
      expect(reply.content).toContain(`<t:${at / 1000}:F>`);
    }
    expect(reply.content).toContain('starts about 6 min before');
    expect(reply.ephemeral).toBe(true);
  });

  it('lets an operator skip the next one, shows it skipped, and takes it back', async () => {
    const skipped = await run('skip');
    expect(skipped.content).toContain(`skipped game night <t:${FRIDAY / 1000}:F>`);
    expect(skipped.ephemeral).toBe(false);
    expect((await evenings.load(FRIDAY))?.skipped).toBe(true);
    expect((await run(undefined)).content).toContain(`<t:${FRIDAY / 1000}:R>) — ⏭️ skipped`);
    expect((await run('skip')).content).toContain('skipped already');
    await run('unskip');
    expect((await evenings.load(FRIDAY))?.skipped).toBeUndefined();
  });

  it('refuses a skip from a member without the operator role', async () => {
    const reply = await run('skip', []);
    expect(reply.content).toMatch(/Only operators/);
    expect(await evenings.load(FRIDAY)).toBeUndefined();
  });

  it('skips nothing for an interaction that was not recorded', async () => {
    const claimed = claimedWrites(context, async () => {
      throw new Error('not recorded');
    });
    await runValheimCommand(scheduleCommand('skip', [OPERATOR_ROLE]), claimed);
    expect(await evenings.load(FRIDAY)).toBeUndefined();
  });

  it('says how to schedule game nights when there are none', async () => {
    const { schedule: _schedule, ...without } = context;
    expect((await run(undefined, [], without)).content).toBe(SCHEDULE_OFF_MESSAGE);
  });
});
