import type {
  APIChatInputApplicationCommandInteraction,
  APIInteractionResponseChannelMessageWithSource,
} from 'discord-api-types/v10';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sdkDocuments } from '../../src/aws/sdk-dynamodb.js';
import { FEED_OFF_MESSAGE } from '../../src/bot/feed-command.js';
import { type CommandContext, claimedWrites, runValheimCommand } from '../../src/bot/valheim-command.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import { StateStore } from '../../src/monitor/state-store.js';
import { feedFilterPattern, LOG_FILTER_PATTERN, logFilterPattern } from '../../src/players/server-log.js';
import { commandInteraction, GUILD_ID, OPERATOR_ROLE } from '../support/discord-signing.js';
import { type LocalDynamo, startDynalite } from '../support/dynalite.js';
import { FakeGameServer, RUNNING } from '../support/fake-game-server.js';

/** `/valheim feed` with its string options, shaped like Discord's. */
function feedCommand(options: Record<string, string>, roles: string[] = []) {
  const interaction = commandInteraction({ subcommand: 'feed', roles });
  const [subcommand] = interaction.data.options ?? [];
  return {
    ...interaction,
    data: {
      ...interaction.data,
      options: [
        {
          ...subcommand,
          options: Object.entries(options).map(([name, value]) => ({ type: 3, name, value })),
        },
      ],
    },
  } as APIChatInputApplicationCommandInteraction;
}

describe('/valheim feed', () => {
  let dynamo: LocalDynamo;
  let store: StateStore;
  let context: CommandContext;
  let patterns: string[];
  let filterFails: boolean;
  let table = 0;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo.close();
  });
  beforeEach(async () => {
    const name = `feed-command-${++table}`;
    await dynamo.createTable(name);
    store = new StateStore(sdkDocuments(dynamo.client), name);
    patterns = [];
    filterFails = false;
    context = {
      server: async () => new FakeGameServer(RUNNING),
      store: async () => store,
      guildId: GUILD_ID,
      operatorRoleIds: [OPERATOR_ROLE],
      passwordVisibleTo: 'members',
      lifecycle: DEFAULT_LIFECYCLE,
      feed: {
        kinds: ['joins', 'deaths', 'raids'],
        applyFilter: async (pattern) => {
          if (filterFails) throw new Error('AccessDeniedException: not allowed');
          patterns.push(pattern);
        },
      },
      budgetMs: 2000,
      now: () => new Date('2026-11-23T19:42:00Z'),
      log: silentLogger,
    };
  });

  async function run(options: Record<string, string>, roles: string[] = [OPERATOR_ROLE]) {
    const response = (await runValheimCommand(
      feedCommand(options, roles),
      context,
    )) as APIInteractionResponseChannelMessageWithSource;
    expect(response.data.allowed_mentions).toEqual({ parse: [] });
    return { content: response.data.content ?? '', ephemeral: response.data.flags === 64 };
  }

  it('shows everyone what the feed posts, what is muted and what is not set up', async () => {
    const reply = await run({}, []);
    expect(reply.content).toContain('posts joins and leaves, deaths, raids');
    expect(reply.content).toContain('Not set up (feed.kinds in the config): boss kills, world saves');
    expect(reply.ephemeral).toBe(true);
    expect(patterns).toEqual([]);
  });

  it('mutes a kind for an operator: kept in the state, the filter narrowed; unmuting widens it again', async () => {
    // When an operator mutes deaths
    const muted = await run({ action: 'mute', kind: 'deaths' });
    // Then the monitor sees the mute, the filter no longer forwards deaths, and the channel is told
    expect(muted.content).toContain('muted deaths');
    expect(muted.ephemeral).toBe(false);
    expect((await store.load()).feedMuted).toEqual(['deaths']);
    expect(patterns).toEqual([logFilterPattern(['joins', 'raids'])]);
    // And muting raids too keeps both (a string set, changed in place)
    await run({ action: 'mute', kind: 'raids' });
    expect((await store.load()).feedMuted).toEqual(['deaths', 'raids']);
    expect(patterns.at(-1)).toBe(LOG_FILTER_PATTERN);
    // When deaths are unmuted, Then their lines are forwarded again
    const unmuted = await run({ action: 'unmute', kind: 'deaths' });
    expect(unmuted.content).toContain('unmuted deaths');
    expect((await store.load()).feedMuted).toEqual(['raids']);
    expect(patterns.at(-1)).toBe(feedFilterPattern(['joins', 'deaths', 'raids'], ['raids']));
  });

  it('refuses a member without the operator role, and changes nothing', async () => {
    const reply = await run({ action: 'mute', kind: 'deaths' }, []);
    expect(reply.content).toMatch(/Only operators/);
    expect(reply.ephemeral).toBe(true);
    expect((await store.load()).feedMuted).toBeUndefined();
    expect(patterns).toEqual([]);
  });

  it('says how to fix a mute without a kind, or of a kind not set up', async () => {
    expect((await run({ action: 'mute' })).content).toContain('`/valheim feed action:mute kind:deaths`');
    expect((await run({ action: 'mute', kind: 'bosses' })).content).toContain(
      'add `bosses` to `feed.kinds` in the config and deploy',
    );
    expect(patterns).toEqual([]);
  });

  it('keeps the mute when the filter cannot be changed, and says so', async () => {
    filterFails = true;
    const reply = await run({ action: 'mute', kind: 'deaths' });
    expect(reply.content).toContain('muted deaths');
    expect(reply.content).toContain('could not be changed just now');
    expect((await store.load()).feedMuted).toEqual(['deaths']);
  });

  it('writes the mute and the filter only after the interaction is recorded', async () => {
    let recorded = false;
    const claimed = claimedWrites(context, async () => {
      if (!recorded) throw new Error('not recorded');
    });
    await expect(
      runValheimCommand(feedCommand({ action: 'mute', kind: 'deaths' }, [OPERATOR_ROLE]), claimed),
    ).resolves.toBeDefined();
    expect((await store.load()).feedMuted).toBeUndefined();
    expect(patterns).toEqual([]);
    recorded = true;
    await runValheimCommand(feedCommand({ action: 'mute', kind: 'deaths' }, [OPERATOR_ROLE]), claimed);
    expect((await store.load()).feedMuted).toEqual(['deaths']);
  });

  it('explains how to turn the feed on when it is off', async () => {
    const { feed: _feed, ...withoutFeed } = context;
    context = withoutFeed;
    expect((await run({})).content).toBe(FEED_OFF_MESSAGE);
  });
});
