import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, EXAMPLE_CONFIG_FILE, loadConfig, parseConfig } from '../../src/config/load.js';
import { secretParameterNames } from '../../src/config/parameters.js';

const minimal = {
  region: 'eu-central-1',
  server: { name: 'Vikings of the North', world: 'Dedicated' },
  discord: {
    applicationId: '123456789012345678',
    publicKey: 'ab'.repeat(32),
    guildId: '234567890123456789',
  },
};

function errorOf(value: unknown): string {
  try {
    parseConfig(value, 'valheim.config.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('config', () => {
  it('loads the committed example', () => {
    const config = loadConfig(EXAMPLE_CONFIG_FILE);
    expect(config.stackName).toBe('valheim-ondemand');
    expect(config.server.imageTag).toBe('1.2.0');
  });

  it('fills the documented defaults', () => {
    const config = parseConfig(minimal, 'test');
    expect(config).toMatchObject({
      stackName: 'valheim-ondemand',
      timeZone: 'Etc/UTC',
      server: { public: true, crossplay: false, extraArgs: '', adminSteamIds: [], imageTag: '1.2.0' },
      task: { cpu: 2048, memoryMiB: 8192, spot: false },
      backup: { schedule: 'daily 05:00', retentionDays: 35 },
      discord: { operatorRoleIds: [], passwordVisibleTo: 'members' },
      lifecycle: {
        idleStopMinutes: 15,
        emptyStopMinutes: 30,
        warnBeforeMinutes: 5,
        slowStartMinutes: 15,
        unknownLimitMinutes: 60,
        maxSessionHours: 12,
        keepRunningHours: 2,
      },
      cost: { costExplorer: false, worldSizeGb: 0.2 },
      logRetentionDays: 30,
      tags: {},
    });
    expect(config.schedule).toBeUndefined();
    expect(config.dns).toBeUndefined();
    expect(config.discord.noticeChannelId).toBeUndefined();
  });

  it.each([
    [
      { region: 'Frankfurt' },
      /^valheim\.config\.json: region "Frankfurt" must be an AWS region such as "eu-central-1"$/,
    ],
    [{ server: { name: 'Vikings', world: 'My World' } }, /server\.world "My World" must be 1 to 64 letters/],
    [
      { server: { name: 'Vikings', world: 'W', imageTag: 'latest' } },
      /server\.imageTag "latest" must be a release of 1\.2\.0 or later/,
    ],
    [{ server: { name: 'Vikings', world: 'W', imageTag: '1.1.9' } }, /server\.imageTag "1\.1\.9"/],
    [
      { server: { name: 'Vikings', world: 'W', imageTag: 'v1.2.0' } },
      /^valheim\.config\.json: server\.imageTag "v1\.2\.0" has a "v", but image tags are the bare version: use "1\.2\.0"$/,
    ],
    [
      { region: 'eu-central-9' },
      /^valheim\.config\.json: region "eu-central-9" is not an AWS region; use one of .*\beu-central-1, eu-central-2, eu-north-1\b.*\bus-west-2$/,
    ],
    [
      { server: { name: 'Vikings', world: 'W', extraArgs: '-preset casual -password x' } },
      /must not contain -password: set it with valheim secrets set/,
    ],
    [
      { server: { name: 'Vikings', world: 'W', adminSteamIds: ['123'] } },
      /server\.adminSteamIds\.0 "123" must be a 17-digit SteamID64/,
    ],
    [
      { task: { cpu: 2048, memoryMiB: 3000 } },
      /task\.memoryMiB 3000 is not valid with cpu 2048; use 4096 to 16384 in steps of 1024/,
    ],
    [{ task: { cpu: 512, memoryMiB: 1024 } }, /task\.cpu 512 is not supported; use 2048/],
    [{ timeZone: 'Mars/Olympus' }, /timeZone "Mars\/Olympus" is not an IANA time zone/],
    [{ stackName: `v${'a'.repeat(51)}` }, /stackName "va+" must start with a letter .* \(max 51\)/],
    [{ stackName: '1valheim' }, /stackName "1valheim" must start with a letter/],
    [{ backup: { schedule: 'every day at 5' } }, /backup\.schedule "every day at 5" is not a weekly time/],
    [{ schedule: { start: ['Fri 25:00'] } }, /schedule\.start\.0 "Fri 25:00" is not a weekly time/],
    [{ logRetentionDays: 10 }, /logRetentionDays must be one of 1, 3, 5, 7, 14, 30/],
    [
      { discord: { ...minimal.discord, publicKey: 'abc' } },
      /discord\.publicKey "abc" must be the 64 hex characters/,
    ],
    [
      { discord: { ...minimal.discord, guildId: 'my-guild' } },
      /discord\.guildId "my-guild" must be a Discord server \(guild\) ID/,
    ],
    [
      { discord: { ...minimal.discord, operatorRoleIds: ['admins'] } },
      /discord\.operatorRoleIds\.0 "admins" must be a Discord role ID/,
    ],
    [{ lifecycle: { idleStopMinutes: -1 } }, /lifecycle\.idleStopMinutes must be 0 \(off\) or more minutes/],
    [{ lifecycle: { maxSessionHours: 200 } }, /lifecycle\.maxSessionHours must be at most 168 hours/],
    [{ lifecycle: { keepRunningHours: 0 } }, /lifecycle\.keepRunningHours must be at least 1 hour/],
    [
      { lifecycle: { unknownLimitMinutes: 2000 } },
      /lifecycle\.unknownLimitMinutes must be at most 1440 minutes/,
    ],
    [
      { discord: { ...minimal.discord, noticeChannelId: '#general' } },
      /discord\.noticeChannelId "#general" must be a Discord channel ID/,
    ],
    [{ discord: { ...minimal.discord, passwordVisibleTo: 'everyone' } }, /discord\.passwordVisibleTo/],
    [
      { dns: { hostedZoneId: 'Z0123ABC', zoneName: 'example.com', recordName: 'valheim.other.org' } },
      /dns\.recordName "valheim\.other\.org" must be inside the zone example\.com/,
    ],
    [
      { dns: { hostedZoneId: 'zone-1', zoneName: 'example.com', recordName: 'v.example.com' } },
      /dns\.hostedZoneId "zone-1" must be a Route 53 hosted zone ID/,
    ],
    [{ cost: { monthlyBudgetUsd: 10 } }, /cost\.budgetEmail needs budgetEmail when monthlyBudgetUsd is set/],
    [
      { cost: { monthlyBudgetUsd: 10, budgetEmail: 'nope' } },
      /cost\.budgetEmail "nope" must be an e-mail address/,
    ],
    [{ serverName: 'typo' }, /unknown field "serverName"; remove it or check the spelling/],
    [{ task: { cpu: '2048' } }, /task\.cpu must be a number, not "2048"/],
  ])('rejects %j with one line naming the field and the fix', (override, message) => {
    const text = errorOf({ ...minimal, ...override });
    expect(text).toMatch(message);
    expect(text.split('\n')).toHaveLength(1);
  });

  it('names every missing required field', () => {
    expect(errorOf({}).split('\n')).toEqual([
      'valheim.config.json: region is missing; add it (see valheim.config.example.json)',
      'valheim.config.json: server is missing; add it (see valheim.config.example.json)',
      'valheim.config.json: discord is missing; add it (see valheim.config.example.json)',
    ]);
  });

  it('explains a missing file and broken JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'valheim-config-'));
    expect(() => loadConfig(join(dir, 'nope.json'))).toThrow(/not found; run "npx valheim setup" or copy/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "region": ');
    expect(() => loadConfig(broken)).toThrow(/not valid JSON .*fix the syntax/);
  });

  it('accepts a stack name of 51 characters, the longest whose derived names fit AWS limits', () => {
    const stackName = `v${'a'.repeat(50)}`;
    expect(parseConfig({ ...minimal, stackName }, 'test').stackName).toBe(stackName);
  });

  it('accepts a sha256 digest as the image tag', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(
      parseConfig({ ...minimal, server: { ...minimal.server, imageTag: digest } }, 't').server.imageTag,
    ).toBe(digest);
  });

  it('derives the SSM parameter names from the stack name', () => {
    expect(secretParameterNames('valheim-ondemand')).toEqual({
      botToken: '/valheim-ondemand/discord-bot-token',
      serverPassword: '/valheim-ondemand/server-password',
    });
  });
});

describe('loadConfig, what a new user gets wrong', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'valheim-config-'));

  it('says a folder passed as --config is a folder, not broken JSON', () => {
    const folder = dir();
    expect(() => loadConfig(folder)).toThrow(
      new RegExp(
        `^${folder}: is a folder, not a config file; pass the file, e\\.g\\. --config ${folder}/valheim\\.config\\.json$`,
      ),
    );
  });

  it('names the line and column of a JSON syntax error, with the line', () => {
    const file = join(dir(), 'valheim.config.json');
    writeFileSync(file, '{\n  "region": "eu-central-1"\n  "timeZone": "Europe/Berlin"\n}\n');
    expect(() => loadConfig(file)).toThrow(
      `${file}: not valid JSON at line 3, column 3 (Expected ',' or '}' after property value): "timeZone": "Europe/Berlin"; fix the syntax there and try again`,
    );
  });

  it('says an empty file is empty', () => {
    const file = join(dir(), 'valheim.config.json');
    writeFileSync(file, '\n');
    expect(() => loadConfig(file)).toThrow(/: is empty; write the config there/);
  });

  it('quotes a Discord ID written as a JSON number with its own digits, and says to quote it', () => {
    // Given the application ID as a number: JSON.parse turns 123456789012345678 into 123456789012345680
    const file = join(dir(), 'valheim.config.json');
    const config = JSON.parse(
      readFileSync(new URL('../../valheim.config.example.json', import.meta.url), 'utf8'),
    );
    const text = JSON.stringify(config, null, 2).replace(
      `"applicationId": "${config.discord.applicationId}"`,
      '"applicationId": 123456789012345678',
    );
    writeFileSync(file, text);
    // Then the message shows the digits as typed and the quoted form
    expect(() => loadConfig(file)).toThrow(
      `${file}: discord.applicationId must be a string: put the digits in quotes, "applicationId": "123456789012345678" (as a number it reads as 123456789012345680)`,
    );
  });
});
