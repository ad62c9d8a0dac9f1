import { unzipSync } from 'fflate';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { announcedKey, announceModProfiles } from '../../src/cli/commands/deploy-mods.js';
import { loadConfig } from '../../src/config/load.js';
import type { ValheimConfig } from '../../src/config/schema.js';
import type { ModsDeployment } from '../../src/mods/deployment.js';
import { LOCKFILE_VERSION, type ModsLock } from '../../src/mods/lockfile.js';
import { installPlans } from '../../src/mods/plan.js';
import { playerProfile } from '../../src/mods/profile.js';
import { parseR2z } from '../../src/mods/r2z.js';
import { sha256 } from '../../src/mods/thunderstore.js';
import type { BucketPort } from '../../src/mods/upload.js';
import { type FakeDiscord, startFakeDiscord } from './fake-discord.js';
import { BOT_TOKEN, captureTerminal, EXAMPLE_CONFIG, writeConfig } from './helpers.js';

const PACK = 'denikson-BepInExPack_Valheim-5.4.2333';
const JOTUNN = 'ValheimModding-Jotunn-2.20.0';
const TWEAKS = 'Someone-ServerTweaks-1.0.2';
const CHANNEL = '678901234567890123';
const hash = (n: number) => String(n).repeat(64).slice(0, 64);
const locked = (n: number, side: 'both' | 'server', dependencies: string[] = []) => ({
  sha256: hash(n),
  size: 10,
  url: '',
  dependencies,
  side,
  categories: [],
  deprecated: false,
});

const lock: ModsLock = {
  lockfileVersion: LOCKFILE_VERSION,
  packages: {
    [PACK]: locked(1, 'both'),
    [JOTUNN]: locked(2, 'both', [PACK]),
    [TWEAKS]: locked(3, 'server', [PACK]),
  },
  sets: {
    default: { requested: [JOTUNN, TWEAKS], packages: [PACK, JOTUNN, TWEAKS], bepinexPack: '5.4.2333' },
    worlds: { Hardcore: { requested: [], packages: [] } },
  },
};
const mods: ModsDeployment = { lock, plans: installPlans(lock), lockFile: 'valheim.mods.lock.json' };

function memoryBucket(): BucketPort & { keys: Set<string> } {
  const keys = new Set<string>();
  return {
    keys,
    exists: async (key) => keys.has(key),
    put: async (key) => {
      keys.add(key);
    },
  };
}

/** The files of a multipart body, as Discord reads them. */
async function uploadedFiles(raw: Buffer, contentType: string) {
  const form = await new Response(new Uint8Array(raw), {
    headers: { 'content-type': contentType },
  }).formData();
  const payload = JSON.parse(String(form.get('payload_json'))) as { content: string };
  const file = form.get('files[0]') as File;
  return { payload, name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}

describe('the deploy posts the players’ mod profile to Discord', () => {
  let discord: FakeDiscord;
  let config: ValheimConfig;
  beforeAll(async () => {
    discord = await startFakeDiscord();
  });
  afterAll(() => discord.close());
  beforeEach(() => {
    discord.requests.length = 0;
    discord.reply('POST', `/api/v10/channels/${CHANNEL}/messages`, { status: 200, body: { id: '1' } });
    config = loadConfig(writeConfig({ discord: { ...EXAMPLE_CONFIG.discord, noticeChannelId: CHANNEL } }));
  });
  const deps = () => ({
    env: { DISCORD_BOT_TOKEN: BOT_TOKEN, DISCORD_API_URL: discord.apiUrl },
    term: captureTerminal(),
  });

  it('attaches the .r2z players import, without the server-only mods, once per profile', async () => {
    // Given a mod set no deploy posted yet
    const bucket = memoryBucket();
    const first = deps();

    // When the deploy finishes
    expect(await announceModProfiles(mods, config, 'bucket', first, bucket)).toBe(1);

    // Then the notice channel gets the profile as a file, as the bot
    const [post] = discord.requests;
    expect(post?.headers.authorization).toBe(`Bot ${BOT_TOKEN}`);
    const upload = await uploadedFiles(post?.raw ?? Buffer.alloc(0), String(post?.headers['content-type']));
    const expected = playerProfile(lock, lock.sets.default, config.server.name) as Uint8Array;
    expect(upload.bytes).toEqual(expected);
    expect(upload.name).toMatch(/\.r2z$/);
    expect(upload.payload.content).toContain('Import the attached profile in r2modman');
    const profile = parseR2z(upload.bytes);
    expect(profile.mods.map((mod) => mod.name)).toEqual([
      'denikson-BepInExPack_Valheim',
      'ValheimModding-Jotunn',
    ]);
    expect(Object.keys(unzipSync(upload.bytes))).toContain('export.r2x');
    expect(bucket.keys).toEqual(new Set([announcedKey(sha256(expected))]));

    // And a deploy that changed nothing posts nothing
    expect(await announceModProfiles(mods, config, 'bucket', deps(), bucket)).toBe(0);
    expect(discord.requests).toHaveLength(1);
  });

  it('warns and tries again at the next deploy when Discord refuses, never failing the deploy', async () => {
    discord.reply('POST', `/api/v10/channels/${CHANNEL}/messages`, {
      status: 403,
      body: { message: 'Missing Permissions', code: 50013 },
    });
    const bucket = memoryBucket();
    const failed = deps();
    expect(await announceModProfiles(mods, config, 'bucket', failed, bucket)).toBe(0);
    expect(failed.term.all()).toMatch(
      /warning: the players’ mod profile was not posted in Discord .*next deploy tries again/,
    );
    expect(bucket.keys.size).toBe(0);

    discord.reply('POST', `/api/v10/channels/${CHANNEL}/messages`, { status: 200, body: { id: '2' } });
    expect(await announceModProfiles(mods, config, 'bucket', deps(), bucket)).toBe(1);
  });

  it('says how players get the profile when there is no notice channel', async () => {
    const noChannel = loadConfig(writeConfig());
    const term = deps();
    expect(await announceModProfiles(mods, noChannel, 'bucket', term, memoryBucket())).toBe(0);
    expect(term.term.all()).toContain('npx valheim mods export');
    expect(discord.requests).toHaveLength(0);
  });
});
