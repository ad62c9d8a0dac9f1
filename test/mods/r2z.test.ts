import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  buildR2z,
  isProfileCode,
  parseProfileCodePayload,
  parseR2z,
  profileCodePayload,
} from '../../src/mods/r2z.js';
import { thunderstoreClient } from '../../src/mods/thunderstore.js';
import { ModsError } from '../../src/records/mod-package.js';
import { startThunderstoreFake, type ThunderstoreFake } from '../support/thunderstore.js';

const profile = {
  name: 'Valheim Friday',
  mods: [
    { name: 'denikson-BepInExPack_Valheim', version: '5.4.2333', enabled: true },
    { name: 'ValheimModding-Jotunn', version: '2.20.0', enabled: true },
    { name: 'RustyMods-Seasonality', version: '3.1.10', enabled: false },
  ],
  configs: {
    'Jotunn.cfg': strToU8('[General]\nx = 1\n'),
    'RustyMods.Seasonality/Seasons.yml': strToU8('spring: 5\n'),
  },
};

describe('.r2z profiles', () => {
  it('round-trips: what is built reads back as the same profile', () => {
    expect(parseR2z(buildR2z(profile))).toEqual(profile);
  });

  it('writes export.r2x as r2modman does: versions as {major, minor, patch}, configs below config/', () => {
    const entries = unzipSync(buildR2z(profile));
    expect(Object.keys(entries).sort()).toEqual([
      'config/Jotunn.cfg',
      'config/RustyMods.Seasonality/Seasons.yml',
      'export.r2x',
    ]);
    const manifest = parse(strFromU8(entries['export.r2x'] as Uint8Array));
    expect(manifest).toEqual({
      profileName: 'Valheim Friday',
      mods: [
        { name: 'denikson-BepInExPack_Valheim', version: { major: 5, minor: 4, patch: 2333 }, enabled: true },
        { name: 'ValheimModding-Jotunn', version: { major: 2, minor: 20, patch: 0 }, enabled: true },
        { name: 'RustyMods-Seasonality', version: { major: 3, minor: 1, patch: 10 }, enabled: false },
      ],
    });
  });

  it('is the same bytes every time (the deploy and the bot agree on its hash)', () => {
    expect(Buffer.from(buildR2z(profile)).equals(Buffer.from(buildR2z(profile)))).toBe(true);
  });

  it('reads an export made by r2modman itself (extra keys, a folder around it, files outside config/)', () => {
    const r2x = [
      'profileName: Friday',
      'mods:',
      '  - name: denikson-BepInExPack_Valheim',
      '    version:',
      '      major: 5',
      '      minor: 4',
      '      patch: 2333',
      '    enabled: true',
      '  - name: Azumatt-AzuCraftyBoxes',
      '    version: {major: 1, minor: 2, patch: 0}',
      '    enabled: true',
      '',
    ].join('\n');
    const zip = zipSync({
      'Friday/export.r2x': strToU8(r2x),
      'Friday/config/Azumatt.AzuCraftyBoxes.cfg': strToU8('a=1'),
      'Friday/config/binary.dll': strToU8('MZ'),
      'Friday/BepInEx/plugins/x/readme.txt': strToU8('not a config'),
    });
    expect(parseR2z(zip)).toEqual({
      name: 'Friday',
      mods: [
        { name: 'denikson-BepInExPack_Valheim', version: '5.4.2333', enabled: true },
        { name: 'Azumatt-AzuCraftyBoxes', version: '1.2.0', enabled: true },
      ],
      configs: { 'Azumatt.AzuCraftyBoxes.cfg': strToU8('a=1') },
    });
  });

  it('never takes a config path that climbs out of the profile', () => {
    const zip = zipSync({
      'export.r2x': strToU8('mods: []\n'),
      'config/../../evil.cfg': strToU8('x'),
      'config/ok.cfg': strToU8('y'),
    });
    expect(Object.keys(parseR2z(zip).configs)).toEqual(['ok.cfg']);
  });

  it('says what is wrong with a file that is no profile', () => {
    expect(() => parseR2z(strToU8('not a zip'), 'friday.r2z')).toThrow(/friday\.r2z is not a zip/);
    expect(() => parseR2z(zipSync({ 'a.txt': strToU8('x') }), 'friday.r2z')).toThrow(
      'friday.r2z has no export.r2x, so it is no r2modman profile',
    );
    expect(() =>
      parseR2z(zipSync({ 'export.r2x': strToU8('mods:\n  - name: Jotunn\n') }), 'friday.r2z'),
    ).toThrow(ModsError);
  });
});

describe('profile codes', () => {
  let fake: ThunderstoreFake;
  beforeEach(async () => {
    fake = await startThunderstoreFake({});
  });
  afterEach(async () => fake.close());

  it('round-trips through Thunderstore legacyprofile create and get', async () => {
    const client = thunderstoreClient({ baseUrl: fake.url, sleep: async () => {} });
    const code = await client.createProfile(profileCodePayload(buildR2z(profile)));
    expect(isProfileCode(code)).toBe(true);
    expect([...fake.profiles.values()][0]?.startsWith('#r2modman\n')).toBe(true);
    expect(parseR2z(parseProfileCodePayload(await client.profile(code)))).toEqual(profile);
  });

  it('says an unknown or expired code is unknown', async () => {
    const client = thunderstoreClient({ baseUrl: fake.url, sleep: async () => {} });
    await expect(client.profile('0191c6d5-0000-4000-8000-000000000000')).rejects.toThrow(
      'no profile with the code 0191c6d5-0000-4000-8000-000000000000 on Thunderstore',
    );
  });
});
