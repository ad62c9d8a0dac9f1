import type {
  APIApplicationCommandAutocompleteInteraction,
  APIChatInputApplicationCommandInteraction,
  APIInteractionResponseChannelMessageWithSource,
} from 'discord-api-types/v10';
import { beforeEach, describe, expect, it } from 'vitest';
import { type CommandContext, runButton, runValheimCommand } from '../../src/bot/valheim-command.js';
import { STOP_AND_SWITCH_PREFIX, worldAutocomplete } from '../../src/bot/world-command.js';
import { InteractionNotClaimedError } from '../../src/discord/replay.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import {
  buttonInteraction,
  commandInteraction,
  GUILD_ID,
  OPERATOR_ROLE,
  USER_ID,
} from '../support/discord-signing.js';
import { FakeGameServer, RUNNING, STOPPED } from '../support/fake-game-server.js';
import { type MemoryWorlds, memoryWorlds } from '../worlds/memory-worlds.js';

const NOW = new Date('2026-11-24T20:00:00Z');
type Reply = APIInteractionResponseChannelMessageWithSource;

/** `/valheim world <sub>` with options, shaped like Discord's. */
function worldCommand(
  sub: string,
  options: Record<string, string | boolean> = {},
  roles: string[] = [],
): APIChatInputApplicationCommandInteraction {
  const interaction = commandInteraction({ roles });
  return {
    ...interaction,
    data: {
      ...interaction.data,
      options: [
        {
          type: 2,
          name: 'world',
          options: [
            {
              type: 1,
              name: sub,
              options: Object.entries(options).map(([name, value]) => ({
                type: typeof value === 'boolean' ? 5 : 3,
                name,
                value,
              })),
            },
          ],
        },
      ],
    },
  } as unknown as APIChatInputApplicationCommandInteraction;
}

describe('/valheim world', () => {
  let server: FakeGameServer;
  let worlds: MemoryWorlds;
  let context: CommandContext;

  beforeEach(() => {
    server = new FakeGameServer(STOPPED);
    worlds = memoryWorlds('Dedicated', NOW);
    worlds.gameActive = async () => server.current.state !== 'stopped';
    context = {
      server: async () => server,
      guildId: GUILD_ID,
      operatorRoleIds: [OPERATOR_ROLE],
      passwordVisibleTo: 'members',
      lifecycle: DEFAULT_LIFECYCLE,
      budgetMs: 500,
      now: () => NOW,
      log: silentLogger,
      worlds: async () => worlds,
      worldIdleUsdPerGb: 0.175,
    };
  });

  async function run(interaction: APIChatInputApplicationCommandInteraction) {
    const reply = (await runValheimCommand(interaction, context)) as Reply;
    return {
      content: reply.data.content ?? '',
      ephemeral: reply.data.flags === 64,
      buttons: (reply.data.components ?? []).flatMap((row) =>
        'components' in row ? row.components.map((c) => ('custom_id' in c ? c.custom_id : '')) : [],
      ),
    };
  }

  it('lists the worlds for everyone, the active one first, with hours and the idle cost', async () => {
    // Given two worlds, the second played and measured
    await worlds.catalog.add({
      name: 'Ashlands',
      origin: 'new',
      createdAt: NOW.getTime(),
      settings: { preset: 'hard' },
      sizeBytes: 2 * 1024 ** 3,
    });
    worlds.ledger.rows.push({
      sessionId: 's',
      startedAt: NOW.getTime() - 3 * 3_600_000,
      stoppedAt: NOW.getTime() - 3_600_000,
      cpu: 2048,
      memoryMiB: 8192,
      spot: false,
      world: 'Ashlands',
    });
    // When a member without the operator role asks
    const reply = await run(worldCommand('list'));
    // Then
    expect(reply.ephemeral).toBe(false);
    expect(reply.content.split('\n')).toEqual([
      '🗺️ **Worlds** (▶ = the next start runs it)',
      '▶ **Dedicated** — default · not played yet',
      `• **Ashlands** — preset hard · 2.1 GB · 2.0 h in 1 session, last <t:${Math.floor(NOW.getTime() / 1000) - 3600}:R> · ~$0.350/month idle`,
      'Each world kept costs its storage while nobody plays: about $0.175 a month per GB (EFS, AWS Backup, its share of the S3 snapshots).',
    ]);
  });

  it('creates a world with a preset and modifiers and makes it the next start', async () => {
    const reply = await run(
      worldCommand('new', { name: 'Season2', preset: 'hardcore', modifiers: 'raids=none nomap' }, [
        OPERATOR_ROLE,
      ]),
    );
    expect(reply.ephemeral).toBe(false);
    expect(reply.content).toBe(
      `🌱 <@${USER_ID}> created the world **Season2** (preset hardcore; raids none; nomap). Valheim makes it at its first start.\n🔀 <@${USER_ID}> switched to **Season2** (was Dedicated). The next start runs it: \`/valheim start\`.`,
    );
    expect(worlds.active.current).toEqual({
      name: 'Season2',
      args: '-resetmodifiers -preset hardcore -modifier raids none -setkey nomap',
    });
  });

  it('refuses changes to members without the operator role, and settings Valheim does not know', async () => {
    const refused = await run(worldCommand('new', { name: 'Season2' }));
    expect(refused).toMatchObject({ ephemeral: true });
    expect(refused.content).toContain('can create worlds');
    const bad = await run(worldCommand('new', { name: 'Season2', modifiers: 'raids=lots' }, [OPERATOR_ROLE]));
    expect(bad.ephemeral).toBe(true);
    expect(bad.content).toMatch(/^"lots" is not a value of raids: use one of none, /);
    const badName = await run(worldCommand('new', { name: 'my world' }, [OPERATOR_ROLE]));
    expect(badName.content).toContain('is not a world name');
    expect(worlds.catalog.records.size).toBe(0);
    expect(worlds.active.writes).toEqual([]);
  });

  it('while the server runs, offers "Stop and switch"; the click stops it and leaves the switch to the stop', async () => {
    // Given a second world and a running server
    await worlds.catalog.add({ name: 'Ashlands', origin: 'new', createdAt: NOW.getTime() });
    server.current = RUNNING;

    // When an operator switches
    const offered = await run(worldCommand('switch', { name: 'Ashlands' }, [OPERATOR_ROLE]));

    // Then nothing changed yet, and the button is offered
    expect(offered.ephemeral).toBe(true);
    expect(offered.content).toContain(
      'The server is running **Dedicated** now. Stop it and switch to **Ashlands**?',
    );
    expect(offered.buttons).toEqual([`${STOP_AND_SWITCH_PREFIX}Ashlands`]);
    expect(worlds.active.current?.name).toBe('Dedicated');

    // When the button is clicked
    const click = (await runButton(
      buttonInteraction(`${STOP_AND_SWITCH_PREFIX}Ashlands`, { roles: [OPERATOR_ROLE] }),
      context,
    )) as Reply;

    // Then the server stops (the stop saves the world) and the switch waits for it
    expect(server.desiredCounts).toEqual([0]);
    expect(click.data.content).toContain(`<@${USER_ID}> stopped the server`);
    expect(click.data.content).toContain(
      '🔀 Then **Ashlands**: the switch happens as soon as the server has stopped',
    );
    expect(worlds.catalog.pending).toEqual({ to: 'Ashlands', by: USER_ID, at: NOW.getTime() });
    expect(worlds.active.current?.name).toBe('Dedicated');
  });

  it('does nothing on a request whose id was not recorded (a replay)', async () => {
    await worlds.catalog.add({ name: 'Ashlands', origin: 'new', createdAt: NOW.getTime() });
    const notRecorded = async () => {
      throw new InteractionNotClaimedError('replay');
    };
    const reply = (await runValheimCommand(
      worldCommand('switch', { name: 'Ashlands' }, [OPERATOR_ROLE]),
      context,
      notRecorded,
    )) as Reply;
    expect(reply.data.content).toBe('This request was not recorded, so it did nothing.');
    expect(worlds.active.writes).toEqual([]);
  });

  it('answers an unknown world with the ones there are, and a world command on a stack without worlds', async () => {
    const unknown = await run(worldCommand('switch', { name: 'Asgard' }, [OPERATOR_ROLE]));
    expect(unknown.content).toBe(
      'There is no world **Asgard**. The worlds are **Dedicated**; `/valheim world new` creates one.',
    );
    const { worlds: _off, ...older } = context;
    context = older;
    expect((await run(worldCommand('list'))).content).toContain(
      'Worlds are not set up on this deployment yet',
    );
  });

  it('suggests the worlds containing what was typed, the active one marked', async () => {
    for (const name of ['Ashlands', 'Mistlands', 'Deep_North']) {
      await worlds.catalog.add({ name, origin: 'new', createdAt: NOW.getTime() });
    }
    const typing = (value: string) =>
      ({
        type: 4,
        guild_id: GUILD_ID,
        data: {
          name: 'valheim',
          options: [
            {
              type: 2,
              name: 'world',
              options: [
                { type: 1, name: 'switch', options: [{ type: 3, name: 'name', value, focused: true }] },
              ],
            },
          ],
        },
      }) as unknown as APIApplicationCommandAutocompleteInteraction;
    expect((await worldAutocomplete(typing('lands'), context)).data.choices).toEqual([
      { name: 'Ashlands', value: 'Ashlands' },
      { name: 'Mistlands', value: 'Mistlands' },
    ]);
    expect((await worldAutocomplete(typing(''), context)).data.choices?.[0]).toEqual({
      name: 'Dedicated (active)',
      value: 'Dedicated',
    });
  });
  it('names the world in /valheim status and in the start reply', async () => {
    await worlds.catalog.add({ name: 'Ashlands', origin: 'new', createdAt: NOW.getTime() });
    await run(worldCommand('switch', { name: 'Ashlands' }, [OPERATOR_ROLE]));
    // Stopped: the status names the world the next start runs
    expect((await run(commandInteraction({ subcommand: 'status' }))).content).toContain(
      '🗺️ Next start: **Ashlands**',
    );
    // The start names it
    const started = await run(commandInteraction({ subcommand: 'start', roles: [OPERATOR_ROLE] }));
    expect(started.content).toContain('🗺️ World: **Ashlands**');
    // Running: the status names the world that runs
    server.current = RUNNING;
    expect((await run(commandInteraction({ subcommand: 'status' }))).content).toContain(
      '🗺️ World: **Ashlands**',
    );
  });

  it('a start applies a "Stop and switch" the monitor has not applied yet, before the server starts', async () => {
    await worlds.catalog.add({ name: 'Ashlands', origin: 'new', createdAt: NOW.getTime() });
    await worlds.catalog.setPendingSwitch({ to: 'Ashlands', at: NOW.getTime() });
    const order: string[] = [];
    const write = worlds.active.write.bind(worlds.active);
    worlds.active.write = async (world) => {
      order.push(`switch ${world.name}`);
      await write(world);
    };
    const setDesiredCount = server.setDesiredCount.bind(server);
    server.setDesiredCount = async (count, signal) => {
      order.push(`desired ${count}`);
      await setDesiredCount(count, signal);
    };
    const started = await run(commandInteraction({ subcommand: 'start', roles: [OPERATOR_ROLE] }));
    expect(order).toEqual(['switch Ashlands', 'desired 1']);
    expect(started.content).toContain('🗺️ World: **Ashlands**');
    expect(worlds.catalog.pending).toBeUndefined();
  });
  it('refuses a change while another is being made, in words, changing nothing', async () => {
    await worlds.catalog.add({ name: 'Ashlands', origin: 'new', createdAt: NOW.getTime() });
    worlds.catalog.lock = { owner: 'someone else', until: NOW.getTime() + 10_000 };
    const reply = await run(worldCommand('switch', { name: 'Ashlands' }, [OPERATOR_ROLE]));
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toBe(
      'I could not switch the world: another world change (a switch, a new world or a settings change) is being made right now. Try again in a few seconds.',
    );
    expect(worlds.active.writes).toEqual([]);
  });
  it('a start waits a moment for a world change being made, and is refused in words when it goes on', async () => {
    worlds.catalog.lock = { owner: 'a switch', until: NOW.getTime() + 10_000 };
    let waits = 0;
    context = {
      ...context,
      worlds: async () => ({
        ...worlds,
        sleep: async () => {
          waits++;
          // The switch finishes during the second wait
          if (waits === 2) worlds.catalog.lock = undefined;
        },
      }),
    };
    const started = await run(commandInteraction({ subcommand: 'start', roles: [OPERATOR_ROLE] }));
    expect(server.desiredCounts).toEqual([1]);
    expect(started.content).toContain('🗺️ World: **Dedicated**');

    // A change that holds on: the start is refused, nothing scaled
    server.current = STOPPED;
    server.desiredCounts.length = 0;
    waits = -100;
    worlds.catalog.lock = { owner: 'a switch', until: NOW.getTime() + 10_000 };
    const refused = await run(commandInteraction({ subcommand: 'start', roles: [OPERATOR_ROLE] }));
    expect(server.desiredCounts).toEqual([]);
    expect(refused.content).toContain('another world change');
    expect(refused.content).toContain('Try again in a few seconds.');
  });
});
