import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { strToU8 } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { readLock } from '../../src/mods/lockfile.js';
import { buildR2z, parseR2z, profileCodePayload } from '../../src/mods/r2z.js';
import { sha256 } from '../../src/mods/thunderstore.js';
import { type FakePackage, startThunderstoreFake, type ThunderstoreFake } from '../support/thunderstore.js';
import { cliDeps, writeConfig } from './helpers.js';

const PACK = 'denikson-BepInExPack_Valheim';
const CATALOG: Record<string, FakePackage> = {
  [PACK]: { versions: { '5.4.2333': {}, '5.4.2401': {} } },
  'ValheimModding-Jotunn': {
    versions: {
      '2.20.0': { dependencies: [`${PACK}-5.4.2333`] },
      '2.21.1': { dependencies: [`${PACK}-5.4.2333`] },
    },
  },
  'RustyMods-Seasonality': { versions: { '3.1.0': { dependencies: ['ValheimModding-Jotunn-2.20.0'] } } },
  'Azumatt-AzuCraftyBoxes': { versions: { '1.8.2': { dependencies: [`${PACK}-5.4.2333`] } } },
};

let fake: ThunderstoreFake;
let cache: string;
let config: string;
beforeEach(async () => {
  fake = await startThunderstoreFake(CATALOG);
  cache = mkdtempSync(join(tmpdir(), 'mods-cli-cache-'));
  config = writeConfig();
});
afterEach(async () => {
  await fake.close();
  rmSync(cache, { recursive: true, force: true });
  rmSync(dirname(config), { recursive: true, force: true });
});

async function valheim(...args: string[]) {
  const deps = cliDeps({ VALHEIM_THUNDERSTORE_URL: fake.url, VALHEIM_CACHE_DIR: cache });
  const code = await run([...args, '--config', config], deps);
  return { code, out: deps.term.stdout.join('\n'), err: deps.term.stderr.join('\n') };
}

interface ConfigJson {
  server: Record<string, unknown>;
  mods: { packages: string[] };
  worlds: Record<string, { mods: string[] }>;
  [key: string]: unknown;
}
const configJson = () => JSON.parse(readFileSync(config, 'utf8')) as ConfigJson;
const lock = () => readLock(join(dirname(config), 'valheim.mods.lock.json'));

describe('valheim mods', () => {
  it('add: writes the latest version into the config, BepInExPack along, and locks every zip hash', async () => {
    const result = await valheim('mods', 'add', 'RustyMods-Seasonality');
    expect(result.code).toBe(0);
    expect(configJson().mods.packages).toEqual([`${PACK}-5.4.2401`, 'RustyMods-Seasonality-3.1.0']);
    expect(lock().sets.default.packages).toEqual([
      `${PACK}-5.4.2401`,
      'RustyMods-Seasonality-3.1.0',
      'ValheimModding-Jotunn-2.20.0',
    ]);
    expect(lock().packages['ValheimModding-Jotunn-2.20.0']?.sha256).toBe(
      sha256(fake.zip('ValheimModding-Jotunn-2.20.0')),
    );
    expect(result.out).toContain('  + ValheimModding-Jotunn 2.20.0');
    expect(result.out).toContain('commit both, then npx valheim deploy');
  });

  it('update: shows old → new with changelog links, and writes the new versions', async () => {
    await valheim('mods', 'add', `${PACK}-5.4.2333`, 'ValheimModding-Jotunn-2.20.0');
    const result = await valheim('mods', 'update');
    expect(result.code).toBe(0);
    expect(result.out).toContain(
      `  ~ ${PACK} 5.4.2333 → 5.4.2401 — changelog: https://thunderstore.io/c/valheim/p/denikson/BepInExPack_Valheim/changelog/`,
    );
    expect(result.out).toContain('  ~ ValheimModding-Jotunn 2.20.0 → 2.21.1 — changelog:');
    expect(configJson().mods.packages).toEqual([`${PACK}-5.4.2401`, 'ValheimModding-Jotunn-2.21.1']);
  });

  it('update --dry-run writes nothing', async () => {
    await valheim('mods', 'add', `${PACK}-5.4.2333`, 'ValheimModding-Jotunn-2.20.0');
    const before = readFileSync(config, 'utf8');
    const result = await valheim('mods', 'update', '--dry-run');
    expect(result.out).toContain('Dry run: nothing written.');
    expect(readFileSync(config, 'utf8')).toBe(before);
  });

  it('remove: the mod and the dependencies only it needed leave the lock; the last mod takes BepInExPack', async () => {
    await valheim('mods', 'add', 'RustyMods-Seasonality', 'Azumatt-AzuCraftyBoxes');
    await valheim('mods', 'remove', 'RustyMods-Seasonality');
    expect(lock().sets.default.packages).toEqual([`${PACK}-5.4.2401`, 'Azumatt-AzuCraftyBoxes-1.8.2']);
    await valheim('mods', 'remove', 'Azumatt-AzuCraftyBoxes');
    expect(configJson().mods.packages).toEqual([]);
    expect(lock().sets.default.packages).toEqual([]);
  });

  it('a world of its own: --world edits worlds.<name>.mods only', async () => {
    await valheim('mods', 'add', 'Azumatt-AzuCraftyBoxes');
    await valheim('mods', 'add', 'ValheimModding-Jotunn', '--world', 'Hardcore');
    expect(configJson().worlds.Hardcore?.mods).toEqual([
      `${PACK}-5.4.2401`,
      'Azumatt-AzuCraftyBoxes-1.8.2',
      'ValheimModding-Jotunn-2.21.1',
    ]);
    expect(configJson().mods.packages).toEqual([`${PACK}-5.4.2401`, 'Azumatt-AzuCraftyBoxes-1.8.2']);
    const listed = await valheim('mods', 'list');
    expect(listed.out).toContain('worlds.Hardcore.mods:');
    expect(listed.out).toContain('  ValheimModding-Jotunn 2.21.1');
  });

  it('import: an .r2z becomes the list, its configs land in mods/config', async () => {
    const file = join(dirname(config), 'friday.r2z');
    writeFileSync(
      file,
      buildR2z({
        name: 'Friday',
        mods: [
          { name: PACK, version: '5.4.2333', enabled: true },
          { name: 'ValheimModding-Jotunn', version: '2.20.0', enabled: true },
          { name: 'Azumatt-AzuCraftyBoxes', version: '1.8.2', enabled: false },
        ],
        configs: { 'Jotunn.cfg': strToU8('x = 1\n') },
      }),
    );
    const result = await valheim('mods', 'import', file);
    expect(result.code).toBe(0);
    expect(configJson().mods.packages).toEqual([`${PACK}-5.4.2333`, 'ValheimModding-Jotunn-2.20.0']);
    expect(result.err).toContain('Azumatt-AzuCraftyBoxes 1.8.2 is disabled in the profile: left out');
    expect(readFileSync(join(dirname(config), 'mods/config/Jotunn.cfg'), 'utf8')).toBe('x = 1\n');
  });

  it('import: a profile code is read through Thunderstore, and export hands back the same mods', async () => {
    const code = '0191c6d5-1111-4000-8000-000000000001';
    fake.profiles.set(
      code,
      profileCodePayload(
        buildR2z({
          name: 'Code',
          mods: [
            { name: PACK, version: '5.4.2401', enabled: true },
            { name: 'ValheimModding-Jotunn', version: '2.21.1', enabled: true },
          ],
          configs: {},
        }),
      ),
    );
    expect((await valheim('mods', 'import', code)).code).toBe(0);
    expect(configJson().mods.packages).toEqual([`${PACK}-5.4.2401`, 'ValheimModding-Jotunn-2.21.1']);
    const out = join(dirname(config), 'players.r2z');
    expect((await valheim('mods', 'export', '--out', out)).code).toBe(0);
    expect(parseR2z(new Uint8Array(readFileSync(out))).mods).toEqual([
      { name: PACK, version: '5.4.2401', enabled: true },
      { name: 'ValheimModding-Jotunn', version: '2.21.1', enabled: true },
    ]);
  });

  it('bad input: one line with the fix, nothing written', async () => {
    const before = readFileSync(config, 'utf8');
    const unknown = await valheim('mods', 'add', 'Nobody-Nothing');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^valheim: Nobody-Nothing is not on Thunderstore — check the spelling/m);
    const malformed = await valheim('mods', 'add', 'just a name');
    expect(malformed.err).toContain('valheim: "just a name" is not a Thunderstore package');
    const missing = await valheim('mods', 'remove', 'Azumatt-AzuCraftyBoxes');
    expect(missing.err).toContain('valheim: Azumatt-AzuCraftyBoxes is not in the list');
    expect(readFileSync(config, 'utf8')).toBe(before);
    expect(existsSync(join(dirname(config), 'valheim.mods.lock.json'))).toBe(false);
  });

  it('warns that crossplay players cannot install mods', async () => {
    const server = configJson().server;
    writeFileSync(config, JSON.stringify({ ...configJson(), server: { ...server, crossplay: true } }));
    const result = await valheim('mods', 'add', 'ValheimModding-Jotunn');
    expect(result.err).toContain(
      'valheim: warning: crossplay is on: Xbox and Game Pass players cannot install mods',
    );
  });

  it('lock: after a hand edit, resolves the lists as written', async () => {
    const edited = configJson();
    edited.mods = { packages: [`${PACK}-5.4.2333`, 'Azumatt-AzuCraftyBoxes-1.8.2'] };
    mkdirSync(dirname(config), { recursive: true });
    writeFileSync(config, JSON.stringify(edited));
    expect((await valheim('mods', 'lock')).code).toBe(0);
    expect(lock().sets.default.requested).toEqual([`${PACK}-5.4.2333`, 'Azumatt-AzuCraftyBoxes-1.8.2']);
  });
});
