import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8 } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModsDeployment } from '../../src/mods/deployment.js';
import { lockMods } from '../../src/mods/lock-mods.js';
import { EMPTY_LOCK } from '../../src/mods/lockfile.js';
import { installPlans, packageKey, profileKey, SUMMARY_KEY } from '../../src/mods/plan.js';
import type { ModsSummary } from '../../src/mods/profile.js';
import { parseR2z } from '../../src/mods/r2z.js';
import { sha256, thunderstoreClient } from '../../src/mods/thunderstore.js';
import { type BucketPort, uploadMods } from '../../src/mods/upload.js';
import { type FakePackage, startThunderstoreFake, type ThunderstoreFake } from '../support/thunderstore.js';

const PACK = 'denikson-BepInExPack_Valheim';
const CATALOG: Record<string, FakePackage> = {
  [PACK]: { versions: { '5.4.2333': {} } },
  'ValheimModding-Jotunn': { versions: { '2.20.0': { dependencies: [`${PACK}-5.4.2333`] } } },
  'Azumatt-ServerOnly': { versions: { '1.0.0': { dependencies: [`${PACK}-5.4.2333`] } } },
};

function memoryBucket(): BucketPort & { objects: Map<string, Uint8Array | string>; puts: string[] } {
  const objects = new Map<string, Uint8Array | string>();
  const puts: string[] = [];
  return {
    objects,
    puts,
    exists: async (key) => objects.has(key),
    put: async (key, body) => {
      puts.push(key);
      objects.set(key, body);
    },
  };
}

let fake: ThunderstoreFake;
let cache: string;
let deployment: ModsDeployment;
beforeEach(async () => {
  fake = await startThunderstoreFake(CATALOG);
  cache = mkdtempSync(join(tmpdir(), 'mods-upload-'));
  const { lock } = await lockMods(
    {
      packages: [`${PACK}-5.4.2333`, 'ValheimModding-Jotunn-2.20.0', 'Azumatt-ServerOnly-1.0.0'],
      worlds: { Vanilla: [] },
      serverOnly: ['Azumatt-ServerOnly'],
      clientOnly: [],
    },
    EMPTY_LOCK,
    thunderstoreClient({ baseUrl: fake.url, cacheDir: cache }),
  );
  const configs = {
    bytes: strToU8('zip'),
    sha256: sha256('zip'),
    files: ['a.cfg'],
    contents: { 'a.cfg': strToU8('a=1') },
  };
  deployment = { lock, configs, plans: installPlans(lock, configs), lockFile: 'x' };
});
afterEach(async () => {
  await fake.close();
  rmSync(cache, { recursive: true, force: true });
});

describe('uploadMods', () => {
  it('puts each locked zip in the bucket under its SHA-256 once, however often it deploys', async () => {
    const bucket = memoryBucket();
    const client = thunderstoreClient({ baseUrl: fake.url, cacheDir: cache });
    const first = await uploadMods(deployment, 'Vikings', bucket, client);
    // three zips, the repo configs, one plan
    expect(first.uploaded).toBe(5);
    for (const id of [`${PACK}-5.4.2333`, 'ValheimModding-Jotunn-2.20.0', 'Azumatt-ServerOnly-1.0.0']) {
      expect(bucket.objects.get(packageKey(sha256(fake.zip(id))))).toEqual(fake.zip(id));
    }
    const again = await uploadMods(deployment, 'Vikings', bucket, client);
    expect(again).toMatchObject({ uploaded: 0, present: 5 });
  });

  it('refuses a zip whose bytes are no longer the locked ones', async () => {
    const { strToU8: bytes } = await import('fflate');
    fake.replaceZip('ValheimModding-Jotunn-2.20.0', bytes('something else'));
    const bucket = memoryBucket();
    // No cache: the zip comes from Thunderstore again
    await expect(
      uploadMods(deployment, 'Vikings', bucket, thunderstoreClient({ baseUrl: fake.url })),
    ).rejects.toThrow(
      /Thunderstore's zip of ValheimModding-Jotunn-2\.20\.0 has SHA-256 [0-9a-f]{64}, the lockfile says/,
    );
    expect([...bucket.objects.keys()].some((key) => key.startsWith('mods/plans/'))).toBe(false);
  });

  it('writes the players’ profile without server-only mods, and the summary /valheim mods reads', async () => {
    const bucket = memoryBucket();
    await uploadMods(
      deployment,
      'Vikings',
      bucket,
      thunderstoreClient({ baseUrl: fake.url, cacheDir: cache }),
    );
    const profile = parseR2z(bucket.objects.get(profileKey(undefined)) as Uint8Array);
    expect(profile.name).toBe('Vikings');
    expect(profile.mods.map((mod) => mod.name)).toEqual([PACK, 'ValheimModding-Jotunn']);
    expect(profile.configs).toEqual({ 'a.cfg': strToU8('a=1') });
    const summary = JSON.parse(bucket.objects.get(SUMMARY_KEY) as string) as ModsSummary;
    expect(summary.default.players.map((mod) => `${mod.name} ${mod.version}`)).toEqual([
      `${PACK} 5.4.2333`,
      'ValheimModding-Jotunn 2.20.0',
    ]);
    expect(summary.default.serverOnly.map((mod) => mod.name)).toEqual(['Azumatt-ServerOnly']);
    expect(summary.default.profileKey).toBe(profileKey(undefined));
    expect(summary.worlds.Vanilla).toEqual({ players: [], serverOnly: [] });
  });
});
