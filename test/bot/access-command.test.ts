import type {
  APIChatInputApplicationCommandInteraction,
  APIInteractionResponseChannelMessageWithSource,
} from 'discord-api-types/v10';
import { beforeEach, describe, expect, it } from 'vitest';
import { LISTS_NOT_SET_UP_MESSAGE } from '../../src/bot/access-command.js';
import { type CommandContext, runValheimCommand } from '../../src/bot/valheim-command.js';
import { ACCESS_GROUP, ACCESS_SUBCOMMANDS, guildCommands } from '../../src/discord/commands.js';
import { InteractionNotClaimedError } from '../../src/discord/replay.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import {
  formatPlayerList,
  PLAYER_LIST_KINDS,
  type PlayerListKind,
  type PlayerListPorts,
  parsePlayerList,
} from '../../src/players/player-lists.js';
import { commandInteraction, GUILD_ID, OPERATOR_ROLE } from '../support/discord-signing.js';
import { FakeGameServer, STOPPED } from '../support/fake-game-server.js';

const NOW = new Date('2026-12-05T20:00:00Z');
const STEAM = '76561198000000001';
const XBOX = 'Xbox_2535400000000003';
type Reply = APIInteractionResponseChannelMessageWithSource;

/** `/valheim access <sub>` with options, shaped like Discord's. */
function accessCommand(
  sub: string,
  options: Record<string, string> = {},
  roles: string[] = [OPERATOR_ROLE],
): APIChatInputApplicationCommandInteraction {
  const interaction = commandInteraction({ roles });
  return {
    ...interaction,
    data: {
      ...interaction.data,
      options: [
        {
          type: 2,
          name: ACCESS_GROUP,
          options: [
            {
              type: 1,
              name: sub,
              options: Object.entries(options).map(([name, value]) => ({ type: 3, name, value })),
            },
          ],
        },
      ],
    },
  } as unknown as APIChatInputApplicationCommandInteraction;
}

/** The three parameters' values in memory (as SSM stores them) and a lease lock. */
function memoryLists() {
  const values = new Map<PlayerListKind, string>(PLAYER_LIST_KINDS.map((kind) => [kind, ' ']));
  let holder: { owner: string; until: number } | undefined;
  const writes: string[] = [];
  const ports: PlayerListPorts = {
    read: async () =>
      Object.fromEntries(PLAYER_LIST_KINDS.map((kind) => [kind, parsePlayerList(values.get(kind))])) as never,
    write: async (kind, ids) => {
      writes.push(kind);
      values.set(kind, formatPlayerList(ids));
    },
    lock: async (owner, now, leaseMs) => {
      if (holder && holder.until >= now) return false;
      holder = { owner, until: now + leaseMs };
      return true;
    },
    unlock: async (owner) => {
      if (holder?.owner === owner) holder = undefined;
    },
    now: () => NOW,
  };
  return {
    values,
    writes,
    ports,
    holdLock: () => {
      holder = { owner: 'someone else', until: NOW.getTime() + 60_000 };
    },
  };
}

describe('/valheim access', () => {
  let lists: ReturnType<typeof memoryLists>;
  let context: CommandContext;

  beforeEach(() => {
    lists = memoryLists();
    context = {
      server: async () => new FakeGameServer(STOPPED),
      guildId: GUILD_ID,
      operatorRoleIds: [OPERATOR_ROLE],
      passwordVisibleTo: 'members',
      lifecycle: DEFAULT_LIFECYCLE,
      budgetMs: 2000,
      now: () => NOW,
      log: silentLogger,
      playerLists: async () => lists.ports,
    };
  });

  async function run(interaction: APIChatInputApplicationCommandInteraction, claim?: () => Promise<void>) {
    const reply = (await runValheimCommand(interaction, context, claim)) as Reply;
    return { content: reply.data?.content ?? '', ephemeral: reply.data?.flags === 64 };
  }

  it('is registered as one group with add, remove and list, the list a choice and the id checked for length', () => {
    const options = (guildCommands()[0] as { options: Array<{ name: string }> }).options;
    const group = options.find((option) => option.name === ACCESS_GROUP) as unknown as {
      type: number;
      options: Array<{
        name: string;
        options: Array<{ name: string; required: boolean; choices?: unknown[] }>;
      }>;
    };
    expect(group.type).toBe(2);
    expect(group.options.map((sub) => sub.name)).toEqual(Object.keys(ACCESS_SUBCOMMANDS));
    const add = group.options[0];
    expect(add?.options.map((o) => [o.name, o.required])).toEqual([
      ['list', true],
      ['id', true],
    ]);
    expect(add?.options[0]?.choices).toHaveLength(3);
    expect(options.length).toBeLessThanOrEqual(25);
  });

  it('adds, lists and removes ids; the stored values are what the task reads at its next start', async () => {
    // When an operator bans a Steam player and permits an Xbox one (prefix case normalized)
    const banned = await run(accessCommand('add', { list: 'bans', id: STEAM }));
    expect(banned.ephemeral).toBe(true);
    expect(banned.content).toMatch(/Added `76561198000000001` to the banned list .*next start/);
    const permitted = await run(accessCommand('add', { list: 'permitted', id: 'xbox_2535400000000003' }));
    expect(permitted.content).toContain('only players on the permitted list can join');
    expect(lists.values.get('bans')).toBe(STEAM);
    expect(lists.values.get('permitted')).toBe(XBOX);
    // Then the list shows them
    const shown = await run(accessCommand('list'));
    expect(shown.ephemeral).toBe(true);
    expect(shown.content).toContain(`**Banned** (cannot join):\n• \`${STEAM}\``);
    expect(shown.content).toContain(
      '**Admins** (may use admin console commands (kick, ban, …) in the game): nobody',
    );
    expect((await run(accessCommand('list', { list: 'permitted' }))).content).not.toContain('Banned');
    // And removing the last one stores the value that clears the file
    const removed = await run(accessCommand('remove', { list: 'permitted', id: XBOX }));
    expect(removed.content).toMatch(/Took `Xbox_2535400000000003` off the permitted list \(now empty\)/);
    expect(removed.content).toContain('anyone with the password can join again');
    expect(lists.values.get('permitted')).toBe(' ');
  });

  it('says when nothing had to change, and writes nothing', async () => {
    await run(accessCommand('add', { list: 'admins', id: STEAM }));
    lists.writes.length = 0;
    expect((await run(accessCommand('add', { list: 'admins', id: STEAM }))).content).toMatch(
      /already: nothing changed/,
    );
    expect((await run(accessCommand('remove', { list: 'bans', id: STEAM }))).content).toMatch(
      /not on the banned list/,
    );
    expect(lists.writes).toEqual([]);
  });

  it.each([
    ['12345', /Nothing changed: "12345" is not a SteamID64: those are 17 digits starting with 7656119/],
    ['Steam_42', /Nothing changed: "Steam_42" is not a Steam platform id/],
    ['Xbox_abc', /Xbox_ followed by digits only/],
    ['@everyone', /is not a player id: give a SteamID64/],
  ])('refuses the malformed id %s with a readable reason and changes nothing', async (id, why) => {
    const reply = await run(accessCommand('add', { list: 'admins', id }));
    expect(reply.content).toMatch(why);
    expect(reply.ephemeral).toBe(true);
    expect(lists.writes).toEqual([]);
  });

  it.each(['add', 'remove', 'list'])('refuses %s to a member without the operator role', async (sub) => {
    const reply = await run(accessCommand(sub, { list: 'bans', id: STEAM }, ['some-other-role']));
    expect(reply.content).toMatch(
      /^Only members with the role <@&\d+> can (change|see) the admin, ban and permitted lists\.$/,
    );
    expect(reply.ephemeral).toBe(true);
    expect(lists.writes).toEqual([]);
  });

  it('answers while another change holds the lists, changing nothing', async () => {
    lists.holdLock();
    context = { ...context, budgetMs: 2500 };
    const reply = await run(accessCommand('add', { list: 'bans', id: STEAM }));
    expect(reply.content).toMatch(/Someone else is changing the lists right now: try again/);
    expect(lists.writes).toEqual([]);
  });

  it('a replayed request (not recorded) changes nothing', async () => {
    const reply = await run(accessCommand('add', { list: 'bans', id: STEAM }), async () => {
      throw new InteractionNotClaimedError();
    });
    expect(reply.content).toMatch(/not recorded, so it did nothing/);
    expect(lists.writes).toEqual([]);
  });

  it('says the lists are not set up on a stack from before them', async () => {
    const { playerLists: _none, ...older } = context;
    context = older;
    expect((await run(accessCommand('list'))).content).toBe(LISTS_NOT_SET_UP_MESSAGE);
  });

  it('status shows operators how many are on each list, never the ids; members see no line', async () => {
    await run(accessCommand('add', { list: 'admins', id: STEAM }));
    await run(accessCommand('add', { list: 'bans', id: XBOX }));
    await run(accessCommand('add', { list: 'bans', id: '76561198000000009' }));
    const status = (roles: string[]) => {
      const interaction = commandInteraction({ roles });
      return {
        ...interaction,
        data: { ...interaction.data, options: [{ type: 1, name: 'status' }] },
      } as unknown as APIChatInputApplicationCommandInteraction;
    };
    const operator = await run(status([OPERATOR_ROLE]));
    expect(operator.content).toContain(
      '🛡️ Lists at the next start: 1 admin, 2 bans; anyone with the password may join (`/valheim access list`)',
    );
    expect(operator.content).not.toContain(STEAM);
    expect((await run(status(['some-other-role']))).content).not.toContain('Lists at the next start');
    // Lists that cannot be read leave the line out, and status still answers
    context = {
      ...context,
      playerLists: async () => ({ ...lists.ports, read: async () => Promise.reject(new Error('SSM down')) }),
    };
    const unread = await run(status([OPERATOR_ROLE]));
    expect(unread.content).not.toContain('Lists at the next start');
    expect(unread.content).not.toBe('');
  });

  it('adds a player by character name: the platform id that name last played with, from the server log', async () => {
    const at = NOW.getTime();
    const connections = [
      { peerId: 'Xbox_2535400000000003', connectedAt: at - 7_200_000, name: 'Bjorn' },
      { peerId: '76561198000000005', connectedAt: at - 3_600_000, name: 'Sigrid' },
      { peerId: 'Steam_76561198000000006', connectedAt: at - 1_800_000, name: 'Twin' },
      { peerId: 'Steam_76561198000000007', connectedAt: at - 900_000, name: 'twin' },
      { peerId: 'playfab/1234', connectedAt: at - 600_000, name: 'Odd' },
    ];
    context = {
      ...context,
      store: async () =>
        ({
          loadPresence: async () => ({ presence: { characters: { connections, unplaced: [] } }, version: 1 }),
        }) as never,
    };
    const added = await run(accessCommand('add', { list: 'bans', id: 'bjorn' }));
    expect(added.content).toContain('Added `Xbox_2535400000000003` to the banned list');
    expect(added.content).toContain('(**bjorn** played with this id)');
    expect(lists.values.get('bans')).toBe(XBOX);
    // Two players under one name (any case): the operator gives the id
    const twins = await run(accessCommand('add', { list: 'bans', id: 'TWIN' }));
    expect(twins.content).toMatch(
      /more than one player called "TWIN" played lately \(`Steam_76561198000000007`, `Steam_76561198000000006`\): give the id/,
    );
    // Nobody of that name, or only an id the lists cannot hold: refused, naming both ways to fix it
    for (const name of ['Nobody', 'Odd']) {
      const refused = await run(accessCommand('add', { list: 'bans', id: name }));
      expect(refused.content).toMatch(
        /Nothing changed: .* is not a player id: give a SteamID64 .*; no character called ".*" played lately/,
      );
    }
    // A name is shown as text, never as markdown or a mention
    const marked = await run(accessCommand('add', { list: 'bans', id: '@everyone *x*' }));
    expect(marked.content).toContain('"@\u200beveryone \\*x\\*"');
    expect(lists.values.get('bans')).toBe(XBOX);
  });

  it('refuses an add that would not fit in the parameter, keeping the list', async () => {
    const full = Array.from({ length: 240 }, (_, i) => `76561198${String(i + 500).padStart(9, '0')}`);
    lists.values.set('bans', full.join(' '));
    const reply = await run(accessCommand('add', { list: 'bans', id: STEAM }));
    expect(reply.content).toBe(
      'Nothing changed: The bans list is full (240 ids, the most one SSM parameter holds): remove someone first.',
    );
    expect(lists.writes).toEqual([]);
  });
});
