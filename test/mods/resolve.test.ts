import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockMods } from '../../src/mods/lock-mods.js';
import { EMPTY_LOCK, lockProblems, type ModsConfig } from '../../src/mods/lockfile.js';
import { resolveSet } from '../../src/mods/resolve.js';
import { retryAfterMs, sha256, type Thunderstore, thunderstoreClient } from '../../src/mods/thunderstore.js';
import { ModsError } from '../../src/records/mod-package.js';
import { type FakePackage, startThunderstoreFake, type ThunderstoreFake } from '../support/thunderstore.js';

const PACK = 'denikson-BepInExPack_Valheim';
const PACK_FILES = {
  'BepInExPack_Valheim/BepInEx/core/BepInEx.Preloader.dll': 'MZ preloader',
  'BepInExPack_Valheim/doorstop_libs/libdoorstop_x64.so': 'ELF doorstop',
  'BepInExPack_Valheim/BepInEx/config/BepInEx.cfg': '[Logging.Console]\nEnabled = true\n',
};

/** A small Valheim community: BepInExPack, Jotunn, two mods that need different versions of a library. */
const CATALOG: Record<string, FakePackage> = {
  [PACK]: {
    versions: { '5.4.2202': { files: PACK_FILES }, '5.4.2333': { files: PACK_FILES } },
    categories: ['Libraries'],
  },
  'ValheimModding-Jotunn': {
    versions: {
      '2.19.0': { dependencies: [`${PACK}-5.4.2202`] },
      '2.20.0': { dependencies: [`${PACK}-5.4.2202`] },
      '2.21.0': { dependencies: [`${PACK}-5.4.2333`] },
    },
  },
  'Azumatt-AzuCraftyBoxes': {
    versions: { '1.2.0': { dependencies: [`${PACK}-5.4.2202`, 'ValheimModding-Jotunn-2.19.0'] } },
    categories: ['Server-side'],
  },
  'RustyMods-Seasonality': {
    versions: { '3.1.0': { dependencies: ['ValheimModding-Jotunn-2.20.0'] } },
  },
  'Old-Mod': {
    versions: { '1.0.0': { dependencies: ['Gone-Library-1.0.0'] } },
    deprecated: true,
  },
};

let fake: ThunderstoreFake;
let cache: string;
let source: Thunderstore;
beforeEach(async () => {
  fake = await startThunderstoreFake(CATALOG);
  cache = mkdtempSync(join(tmpdir(), 'thunderstore-cache-'));
  source = thunderstoreClient({ baseUrl: fake.url, cacheDir: cache, sleep: async () => {} });
});
afterEach(async () => {
  await fake.close();
  rmSync(cache, { recursive: true, force: true });
});

const ids = (packages: readonly { namespace: string; name: string; version: string }[]) =>
  packages.map((p) => `${p.namespace}-${p.name}-${p.version}`);

describe('resolveSet', () => {
  it('returns the listed versions and their dependency closure, BepInExPack first', async () => {
    const set = await resolveSet([`${PACK}-5.4.2333`, 'RustyMods-Seasonality-3.1.0'], source);
    expect(ids(set.packages)).toEqual([
      `${PACK}-5.4.2333`,
      'RustyMods-Seasonality-3.1.0',
      'ValheimModding-Jotunn-2.20.0',
    ]);
    expect(set.bepinexPack).toBe('5.4.2333');
  });

  it('takes the higher version when two mods need different versions of one dependency, and says so', async () => {
    // Given AzuCraftyBoxes built against Jotunn 2.19.0 and Seasonality against 2.20.0
    const set = await resolveSet(
      [`${PACK}-5.4.2333`, 'Azumatt-AzuCraftyBoxes-1.2.0', 'RustyMods-Seasonality-3.1.0'],
      source,
    );
    // Then one Jotunn, the newer
    expect(ids(set.packages).filter((id) => id.includes('Jotunn'))).toEqual(['ValheimModding-Jotunn-2.20.0']);
    expect(set.notes.join('\n')).toMatch(
      /ValheimModding-Jotunn: .* needs 2\.20\.0, .* needs 2\.19\.0; using 2\.20\.0/,
    );
  });

  it('refuses a pin that a dependency outgrew, naming both and the way out', async () => {
    const attempt = resolveSet(
      [`${PACK}-5.4.2333`, 'ValheimModding-Jotunn-2.19.0', 'RustyMods-Seasonality-3.1.0'],
      source,
    );
    await expect(attempt).rejects.toThrow(ModsError);
    await expect(attempt).rejects.toThrow(
      'RustyMods-Seasonality-3.1.0 needs ValheimModding-Jotunn-2.20.0 or newer, but the mod list pins ValheimModding-Jotunn-2.19.0',
    );
  });

  it('refuses a BepInExPack older than the server image can start (Doorstop 3)', async () => {
    await expect(resolveSet([`${PACK}-5.4.2202`, 'ValheimModding-Jotunn-2.20.0'], source)).rejects.toThrow(
      /denikson-BepInExPack_Valheim-5\.4\.2202 is too old for the server image/,
    );
  });

  it('raises BepInExPack above what the mods were built against when the list pins a newer one', async () => {
    const set = await resolveSet([`${PACK}-5.4.2333`, 'ValheimModding-Jotunn-2.20.0'], source);
    expect(set.bepinexPack).toBe('5.4.2333');
    expect(ids(set.packages).filter((id) => id.startsWith(PACK))).toEqual([`${PACK}-5.4.2333`]);
  });

  it('says which package and version Thunderstore does not know', async () => {
    await expect(resolveSet([`${PACK}-5.4.2333`, 'Old-Mod-1.0.0'], source)).rejects.toThrow(
      'Gone-Library-1.0.0 is not on Thunderstore',
    );
    await expect(resolveSet([`${PACK}-5.4.2333`, 'ValheimModding-Jotunn-9.9.9'], source)).rejects.toThrow(
      'ValheimModding-Jotunn-9.9.9 is not on Thunderstore',
    );
  });

  it('is empty for an empty list (a vanilla world needs no BepInExPack)', async () => {
    expect(await resolveSet([], source)).toEqual({ packages: [], notes: [] });
  });
});

describe('the Thunderstore client', () => {
  it('sends one request at a time, so parallel callers never get a 429', async () => {
    // The stand-in refuses a request that arrives while another is answered
    await Promise.all(
      [
        'ValheimModding-Jotunn-2.19.0',
        'ValheimModding-Jotunn-2.20.0',
        'ValheimModding-Jotunn-2.21.0',
        `${PACK}-5.4.2202`,
      ].map((id) => {
        const [namespace = '', name = '', version = ''] =
          /^(.+?)-(.+)-(\d+\.\d+\.\d+)$/.exec(id)?.slice(1) ?? [];
        return source.version({ namespace, name, version });
      }),
    );
    expect(fake.maxInFlight()).toBe(1);
    expect(fake.requests.every((line) => line.startsWith('GET /api/experimental/package/'))).toBe(true);
  });

  it('waits what Retry-After says after a 429, then goes on', async () => {
    const waits: number[] = [];
    const client = thunderstoreClient({
      baseUrl: fake.url,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    fake.rateLimitNext(2, 7);
    const info = await client.package({ namespace: 'ValheimModding', name: 'Jotunn' });
    expect(info.latest.version).toBe('2.21.0');
    expect(waits).toEqual([7000, 7000]);
    expect(fake.requests).toHaveLength(3);
  });

  it('gives up with a clear message when Thunderstore asks for a wait longer than allowed', async () => {
    const client = thunderstoreClient({ baseUrl: fake.url, sleep: async () => {}, maxRetryAfterMs: 5000 });
    fake.rateLimitNext(1, 600);
    await expect(client.package({ namespace: 'ValheimModding', name: 'Jotunn' })).rejects.toThrow(
      'Thunderstore asks to wait 600 s before the next request (429)',
    );
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000 + 4000).toUTCString(), 10_000)).toBe(4000);
    expect(retryAfterMs(null)).toBeUndefined();
  });

  it('asks for a version once, and not at all in a later run (the disk cache)', async () => {
    const ref = { namespace: 'ValheimModding', name: 'Jotunn', version: '2.20.0' };
    await source.version(ref);
    await source.version(ref);
    expect(fake.requests).toHaveLength(1);
    const later = thunderstoreClient({ baseUrl: fake.url, cacheDir: cache });
    expect((await later.version(ref)).dependencies).toEqual([`${PACK}-5.4.2202`]);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('lockMods', () => {
  const config: ModsConfig = {
    packages: [`${PACK}-5.4.2333`, 'Azumatt-AzuCraftyBoxes-1.2.0', 'RustyMods-Seasonality-3.1.0'],
    worlds: { Hardcore: [], Modded: [`${PACK}-5.4.2333`, 'ValheimModding-Jotunn-2.21.0'] },
    serverOnly: ['Azumatt-AzuCraftyBoxes'],
    clientOnly: [],
  };

  it('records every zip SHA-256 and size as served, per set, with the sides the config gives', async () => {
    const { lock, notes } = await lockMods(config, EMPTY_LOCK, source);
    for (const id of Object.keys(lock.packages)) {
      expect(lock.packages[id]?.sha256).toBe(sha256(fake.zip(id)));
      expect(lock.packages[id]?.size).toBe(fake.zip(id).length);
    }
    expect(lock.sets.default.packages).toEqual([
      `${PACK}-5.4.2333`,
      'Azumatt-AzuCraftyBoxes-1.2.0',
      'RustyMods-Seasonality-3.1.0',
      'ValheimModding-Jotunn-2.20.0',
    ]);
    expect(lock.sets.worlds.Hardcore).toEqual({ requested: [], packages: [] });
    expect(lock.sets.worlds.Modded?.packages).toEqual([`${PACK}-5.4.2333`, 'ValheimModding-Jotunn-2.21.0']);
    expect(lock.packages['Azumatt-AzuCraftyBoxes-1.2.0']?.side).toBe('server');
    expect(lock.packages['ValheimModding-Jotunn-2.20.0']?.side).toBe('both');
    expect(lockProblems(config, lock)).toEqual([]);
    expect(notes.join('\n')).toContain('ValheimModding-Jotunn: ');
  });

  it('downloads each zip once, and none that the previous lock already holds', async () => {
    const first = await lockMods(config, EMPTY_LOCK, source);
    const downloads = () => fake.requests.filter((line) => line.startsWith('GET /package/download/')).length;
    expect(downloads()).toBe(Object.keys(first.lock.packages).length);
    const fresh = thunderstoreClient({ baseUrl: fake.url, sleep: async () => {} });
    const before = downloads();
    const again = await lockMods(config, first.lock, fresh);
    expect(downloads()).toBe(before);
    expect(again.lock).toEqual(first.lock);
  });

  it('says what no longer matches when the config changes after locking', async () => {
    const { lock } = await lockMods(config, EMPTY_LOCK, source);
    expect(
      lockProblems(
        {
          ...config,
          packages: [...config.packages, 'Old-Mod-1.0.0'],
          serverOnly: [],
          worlds: { Hardcore: [] },
        },
        lock,
      ),
    ).toEqual([
      'mods.packages differs from the lockfile',
      'the lockfile has a list for world Modded, the config none',
      'Azumatt-AzuCraftyBoxes-1.2.0 is both in the config, server in the lockfile',
    ]);
  });
});
