import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chooseConfigFile } from '../../infra/valheim-app.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('chooseConfigFile', () => {
  it('prefers the config context, then VALHEIM_CONFIG', () => {
    // When / Then
    expect(chooseConfigFile('from-context.json', 'from-env.json', () => false)).toEqual({
      file: 'from-context.json',
    });
    expect(chooseConfigFile(undefined, 'from-env.json', () => false)).toEqual({ file: 'from-env.json' });
  });

  it('reads valheim.config.json when nothing is named', () => {
    // Given the default file exists
    // When / Then
    expect(chooseConfigFile(undefined, undefined, (file) => file === 'valheim.config.json')).toEqual({
      file: 'valheim.config.json',
    });
  });

  it('falls back to the example with a one-line warning when valheim.config.json is missing', () => {
    // When
    const choice = chooseConfigFile(undefined, '', () => false);
    // Then
    expect(choice.file).toBe('valheim.config.example.json');
    expect(choice.warning).toMatch(/using the example config .*"npx valheim setup"/);
    expect(choice.warning).not.toContain('\n');
  });
});

describe('infra/app.ts', () => {
  function runApp(env: Record<string, string>) {
    return spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
  }

  it('prints one line per bad field and exits 1 without a stack trace', () => {
    // Given a config with two mistakes
    const dir = mkdtempSync(join(tmpdir(), 'valheim-infra-'));
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        region: 'mars-1',
        server: { name: 'Vikings', world: 'has spaces' },
        discord: {
          applicationId: '123456789012345678',
          publicKey: 'ab'.repeat(32),
          guildId: '234567890123456789',
        },
      }),
    );
    // When
    const result = runApp({ VALHEIM_CONFIG: file });
    // Then
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/region .*"mars-1"/),
      expect.stringMatching(/server\.world/),
    ]);
    for (const line of lines) expect(line.startsWith(`${file}: `)).toBe(true);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 when a named config file does not exist', () => {
    // When
    const result = runApp({ VALHEIM_CONFIG: '/nonexistent/valheim.config.json' });
    // Then
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^\/nonexistent\/valheim\.config\.json: not found; run "npx valheim setup"/,
    );
  });
});
