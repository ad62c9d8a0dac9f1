import type { APIInteractionResponseChannelMessageWithSource } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { modsMessage, NO_MODS_MESSAGE } from '../../src/bot/mods-reply.js';
import { type CommandContext, runValheimCommand } from '../../src/bot/valheim-command.js';
import { LIMITS } from '../../src/discord/limits.js';
import { readInteractionsEnvironment } from '../../src/handlers/environment.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import {
  decodeModList,
  encodeModList,
  MODS_LIST_MAX_CHARS,
  type ModList,
} from '../../src/records/mod-list.js';
import type { WorldsPorts } from '../../src/worlds/worlds.js';
import { commandInteraction, GUILD_ID, OPERATOR_ROLE } from '../support/discord-signing.js';
import { FakeGameServer, STOPPED } from '../support/fake-game-server.js';

const PACK = 'denikson-BepInExPack_Valheim-5.4.2333';
const JOTUNN = 'ValheimModding-Jotunn-2.20.0';
const PLANT = 'Advize-PlantEverything-1.17.0';
const SERVER_ONLY = 'Someone-ServerTweaks-1.0.2';

const LIST: ModList = {
  default: { players: [PACK, JOTUNN, PLANT], serverOnly: [SERVER_ONLY] },
  worlds: { Hardcore: { players: [], serverOnly: [] }, Ashlands: { players: [PACK], serverOnly: [] } },
};

const many = (n: number) =>
  Array.from({ length: n }, (_, i) => `SomeLongTeamName${i}-AVeryLongModNameNumber${i}-1.${i}.0`);

describe('the mod list the deploy hands to the bot', () => {
  it('reads back as it was written', () => {
    expect(decodeModList(encodeModList(LIST))).toEqual({ ...LIST, omitted: 0 });
  });

  it('stays within its share of Lambda’s 4 KB, keeping the players’ mods first and counting what it left out', () => {
    const long: ModList = { default: { players: many(80), serverOnly: many(10) }, worlds: {} };
    const text = encodeModList(long);
    expect(text.length).toBeLessThanOrEqual(MODS_LIST_MAX_CHARS);
    const read = decodeModList(text);
    expect(read?.default.players.length).toBeGreaterThan(20);
    expect(read?.default.players).toEqual(many(80).slice(0, read?.default.players.length));
    expect((read?.default.players.length ?? 0) + (read?.omitted ?? 0)).toBe(90);
  });

  it('reads nothing from a missing or broken variable', () => {
    expect(decodeModList(undefined)).toBeUndefined();
    expect(decodeModList('{"d":')).toBeUndefined();
    expect(decodeModList('{"x":1}')).toBeUndefined();
  });
});

describe('/valheim mods', () => {
  it('lists what players install with versions and Thunderstore links, and what they leave out', () => {
    const text = modsMessage(decodeModList(encodeModList(LIST)));
    expect(text).toContain('This server is modded');
    expect(text).toContain(
      '• [Jotunn](<https://thunderstore.io/c/valheim/p/ValheimModding/Jotunn/v/2.20.0/>) 2.20.0 by ValheimModding',
    );
    expect(text.indexOf('BepInExPack_Valheim')).toBeLessThan(text.indexOf('Jotunn'));
    expect(text).toContain('Server-only (leave these out): ServerTweaks 1.0.2.');
    expect(text).toContain('World **Hardcore** runs without mods.');
    expect(text).toContain('World **Ashlands** has a list of its own (1 for players).');
    expect(text).toContain('npx valheim mods export');
  });

  it('points to the profile the deploy posted in the notice channel', () => {
    const channel = '678901234567890123';
    const list = decodeModList(encodeModList({ ...LIST, profileChannelId: channel }));
    expect(list?.profileChannelId).toBe(channel);
    expect(modsMessage(list)).toContain(`attached to the latest 🧩 **New mods** message in <#${channel}>`);
  });

  it('shows the configured world’s own list when it has one', () => {
    const text = modsMessage(decodeModList(encodeModList(LIST)), 'Hardcore');
    expect(text).toContain('The world **Hardcore** runs **vanilla Valheim**');
    expect(text).not.toContain('World **Hardcore**');
  });

  it('fits one Discord message however long the list, and says how many more there are', () => {
    const list = decodeModList(encodeModList({ default: { players: many(60), serverOnly: [] }, worlds: {} }));
    const text = modsMessage(list);
    expect(text.length).toBeLessThanOrEqual(LIMITS.content);
    expect(text).toMatch(/…and \d+ more: an operator lists them all with `npx valheim mods list`/);
  });

  it('says a server without mods is vanilla', () => {
    expect(modsMessage(undefined)).toBe(NO_MODS_MESSAGE);
    expect(modsMessage({ default: { players: [], serverOnly: [] }, worlds: {}, omitted: 0 })).toBe(
      NO_MODS_MESSAGE,
    );
  });

  it('answers any member from the deployed variables, in the channel, without touching AWS', async () => {
    // Given the interactions Lambda's environment as the stack sets it, with operator roles set
    const environment = readInteractionsEnvironment({
      DISCORD_PUBLIC_KEY: 'a'.repeat(64),
      DISCORD_GUILD_ID: GUILD_ID,
      ECS_CLUSTER: 'valheim',
      ECS_SERVICE: 'valheim',
      OPERATOR_ROLE_IDS: OPERATOR_ROLE,
      MODS_LIST: encodeModList(LIST),
    });
    expect(environment.problems).toEqual([]);
    const settings = environment.commands;
    if (!settings) throw new Error('no command settings');
    let awsCalls = 0;
    const server = new FakeGameServer(STOPPED);
    const response = (await runValheimCommand(commandInteraction({ subcommand: 'mods', roles: [] }), {
      server: async () => {
        awsCalls++;
        return server;
      },
      guildId: settings.guildId,
      operatorRoleIds: settings.operatorRoleIds,
      passwordVisibleTo: 'members',
      lifecycle: DEFAULT_LIFECYCLE,
      budgetMs: 200,
      ...(settings.mods && { mods: settings.mods }),
      now: () => new Date(),
      log: silentLogger,
    })) as APIInteractionResponseChannelMessageWithSource;
    // Then a member without the operator role gets the list, visible to the channel
    expect(response.type).toBe(4);
    expect(response.data.flags).toBeUndefined();
    expect(response.data.content).toContain(
      '[PlantEverything](<https://thunderstore.io/c/valheim/p/Advize/PlantEverything/v/1.17.0/>)',
    );
    expect(awsCalls).toBe(0);
  });

  it('shows the active world’s list when worlds have their own, and the configured one when that cannot be read', async () => {
    const base = {
      server: async () => new FakeGameServer(STOPPED),
      guildId: GUILD_ID,
      operatorRoleIds: [],
      passwordVisibleTo: 'members' as const,
      lifecycle: DEFAULT_LIFECYCLE,
      budgetMs: 200,
      mods: decodeModList(encodeModList(LIST)),
      worldName: 'Midgard',
      now: () => new Date(),
      log: silentLogger,
    };
    const ask = async (worlds: CommandContext['worlds']) =>
      (
        (await runValheimCommand(commandInteraction({ subcommand: 'mods' }), {
          ...base,
          ...(worlds && { worlds }),
        })) as APIInteractionResponseChannelMessageWithSource
      ).data.content ?? '';
    const activeIs = (name: string) => async () =>
      ({ active: { read: async () => ({ name, args: '' }) } }) as unknown as WorldsPorts;
    expect(await ask(activeIs('Hardcore'))).toContain('The world **Hardcore** runs **vanilla Valheim**');
    expect(await ask(activeIs('Ashlands'))).toContain('[BepInExPack_Valheim]');
    const broken = async (): Promise<WorldsPorts> => {
      throw new Error('ssm down');
    };
    const fallback = await ask(broken);
    expect(fallback).toContain('This server is modded');
    expect(fallback).toContain('[Jotunn]');
  });
});
