import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { worldBackups } from '../../src/cli/commands/world-backups.js';
import { worldExport } from '../../src/cli/commands/world-export.js';
import { worldImport } from '../../src/cli/commands/world-import.js';
import { worldRestore } from '../../src/cli/commands/world-restore.js';
import { type CliDeps, run } from '../../src/cli/program.js';
import { type CapturedTerminal, captureTerminal, writeConfig } from './helpers.js';

// The world commands are tested in world-*.test.ts; here only that the CLI routes to them.
vi.mock('../../src/cli/commands/world-export.js', () => ({ worldExport: vi.fn(() => Promise.resolve()) }));
vi.mock('../../src/cli/commands/world-import.js', () => ({ worldImport: vi.fn(() => Promise.resolve()) }));
vi.mock('../../src/cli/commands/world-backups.js', () => ({ worldBackups: vi.fn(() => Promise.resolve()) }));
vi.mock('../../src/cli/commands/world-restore.js', () => ({ worldRestore: vi.fn(() => Promise.resolve()) }));

function deps(overrides: Partial<Omit<CliDeps, 'term'>> = {}): CliDeps & { term: CapturedTerminal } {
  return {
    env: {},
    term: captureTerminal(),
    ssm: (region) => new SSMClient({ region }),
    ecs: (region) => new ECSClient({ region }),
    spawn: vi.fn(() => Promise.resolve(0)),
    stdinIsTTY: false,
    readStdin: () => Promise.resolve(''),
    promptHidden: () => Promise.resolve(''),
    promptLine: () => Promise.resolve(''),
    untilShutdown: () => Promise.resolve('test'),
    ...overrides,
  };
}

describe('valheim (command line)', () => {
  it('the bin launcher runs the CLI (bundled by npm ci, rebuilt when a source changed)', async () => {
    // Given the executable as npm links it / When asking for help
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/valheim.js', '--help'], {
      cwd: new URL('../..', import.meta.url),
    });

    // Then every command is listed
    for (const command of [
      'setup',
      'query',
      'serve',
      'secrets',
      'discord',
      'deploy',
      'status',
      'start',
      'stop',
      'logs',
      'cost',
      'world',
    ])
      expect(stdout).toContain(command);
    // After an edit to src/ the launcher rebuilds first: about a second alone, minutes on a crowded machine.
  }, 300_000);

  it('documents the server commands and their flags in their help', async () => {
    // Given / When
    const d = deps();
    const codes = [
      await run(['status', '--help'], d),
      await run(['start', '--help'], d),
      await run(['stop', '--help'], d),
      await run(['logs', '--help'], d),
      await run(['cost', 'estimate', '--help'], d),
    ];

    // Then
    expect(codes).toEqual([0, 0, 0, 0, 0]);
    const help = d.term.stdout.join('\n');
    for (const flag of [
      '--json',
      '--wait',
      '--timeout',
      '--follow',
      '--since',
      '--hours-per-month',
      '--world-size-gb',
    ])
      expect(help).toContain(flag);
  });

  it('prints usage errors as one "valheim: … — …" line and exits 1', async () => {
    // Given / When an invalid choice and an unknown command
    const bad = deps();
    const codes = [
      await run(['secrets', 'set', '--only', 'nope'], bad),
      await run(['serve', '--port', 'abc'], bad),
      await run(['frobnicate'], bad),
    ];

    // Then
    expect(codes).toEqual([1, 1, 1]);
    expect(bad.term.stderr).toHaveLength(3);
    expect(bad.term.stderr[0]).toMatch(/^valheim: .+ — see valheim secrets set --help$/);
    expect(bad.term.stderr[2]).toMatch(/^valheim: unknown command .+ — see valheim --help$/);
  });

  it('prints expected failures as one line without a stack trace', async () => {
    // Given serve without DISCORD_PUBLIC_KEY
    const d = deps();

    // When
    const code = await run(['serve', '--port', '0'], d);

    // Then
    expect(code).toBe(1);
    expect(d.term.stderr).toEqual([expect.stringMatching(/^valheim: DISCORD_PUBLIC_KEY is not set.* — /)]);
    expect(d.term.stdout).toEqual([]);
  });

  it('passes arguments after "--" to cdk deploy and reads the config named by VALHEIM_CONFIG', async () => {
    // Given a config named by the environment, and an AWS answer saying there is no cluster yet
    const config = writeConfig();
    const ecs = new ECSClient({ region: 'eu-central-1' });
    vi.spyOn(ecs, 'send').mockImplementation(() =>
      Promise.reject(Object.assign(new Error('Cluster not found.'), { name: 'ClusterNotFoundException' })),
    );
    const d = deps({ env: { VALHEIM_CONFIG: config }, ecs: () => ecs });

    // When
    const code = await run(['deploy', '--', '--hotswap', '-c', 'x=y'], d);

    // Then
    expect(code).toBe(0);
    expect(d.spawn).toHaveBeenCalledWith(
      process.execPath,
      [expect.stringMatching(/aws-cdk[/\\]bin[/\\]cdk$/), 'deploy', '--hotswap', '-c', 'x=y'],
      expect.objectContaining({ VALHEIM_CONFIG: config }),
    );
  });

  it('shows help with exit code 0, documenting DISCORD_API_URL', async () => {
    // Given / When
    const d = deps();
    const code = await run(['discord', 'register', '--help'], d);

    // Then
    expect(code).toBe(0);
    expect(d.term.stdout.join('\n')).toContain('DISCORD_API_URL');
  });
});

describe('valheim world', () => {
  beforeEach(() => {
    vi.mocked(worldExport).mockClear();
    vi.mocked(worldImport).mockClear();
    vi.mocked(worldBackups).mockClear();
    vi.mocked(worldRestore).mockClear();
  });

  it('lists its subcommands in its help', async () => {
    // Given / When
    const d = deps();
    const code = await run(['world', '--help'], d);

    // Then
    expect(code).toBe(0);
    const help = d.term.stdout.join('\n');
    for (const command of ['export', 'import', 'backups', 'restore'])
      expect(help).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(help).toContain('VALHEIM_WORLD_BUCKET');
  });

  it('documents the options and examples of each subcommand', async () => {
    const d = deps();
    const codes = [
      await run(['world', 'export', '--help'], d),
      await run(['world', 'import', '--help'], d),
      await run(['world', 'backups', '--help'], d),
      await run(['world', 'restore', '--help'], d),
    ];
    expect(codes).toEqual([0, 0, 0, 0]);
    const help = d.term.stdout.join('\n');
    for (const text of [
      '--out <dir>',
      '--yes',
      '--json',
      '--no-zips',
      '--config <file>',
      'snapshot (pre-import)',
    ])
      expect(help).toContain(text);
    expect(help.match(/Examples:/g)).toHaveLength(4);
  });

  it('routes export with --out and the config', async () => {
    // Given
    const d = deps({ env: { VALHEIM_CONFIG: 'my.json' } });
    // When
    const code = await run(['world', 'export', '--out', 'exports'], d);
    // Then
    expect(code).toBe(0);
    expect(worldExport).toHaveBeenCalledWith({ config: 'my.json', out: 'exports' }, d);
  });

  it('routes export without --out to the current folder', async () => {
    const d = deps();
    await run(['world', 'export', '--config', 'other.json'], d);
    expect(worldExport).toHaveBeenCalledWith({ config: 'other.json' }, d);
  });

  it('routes import with the path and --yes', async () => {
    const d = deps();
    await run(['world', 'import', 'Dedicated.zip', '--yes'], d);
    expect(worldImport).toHaveBeenCalledWith(
      { config: 'valheim.config.json', path: 'Dedicated.zip', yes: true },
      d,
    );
    await run(['world', 'import', 'worlds_local'], d);
    expect(worldImport).toHaveBeenLastCalledWith({ config: 'valheim.config.json', path: 'worlds_local' }, d);
  });

  it('routes backups with --json and --no-zips', async () => {
    const d = deps();
    await run(['world', 'backups'], d);
    expect(worldBackups).toHaveBeenLastCalledWith({ config: 'valheim.config.json' }, d);
    await run(['world', 'backups', '--json', '--no-zips'], d);
    expect(worldBackups).toHaveBeenLastCalledWith(
      { config: 'valheim.config.json', json: true, zips: false },
      d,
    );
  });

  it('routes restore with the id and --yes', async () => {
    const d = deps();
    await run(['world', 'restore', 'snapshot:20261123T190500Z-discord', '--yes'], d);
    expect(worldRestore).toHaveBeenCalledWith(
      { config: 'valheim.config.json', id: 'snapshot:20261123T190500Z-discord', yes: true },
      d,
    );
  });

  it('refuses import and restore without their argument, in one line', async () => {
    const d = deps();
    const codes = [await run(['world', 'import'], d), await run(['world', 'restore'], d)];
    expect(codes).toEqual([1, 1]);
    expect(d.term.stderr).toEqual([
      "valheim: missing required argument 'path' — see valheim world import --help",
      "valheim: missing required argument 'id' — see valheim world restore --help",
    ]);
    expect(worldImport).not.toHaveBeenCalled();
    expect(worldRestore).not.toHaveBeenCalled();
  });

  it('prints a failure of a world command as one line', async () => {
    // Given a world command failing the way they do
    const { CliError } = await import('../../src/cli/errors.js');
    vi.mocked(worldRestore).mockRejectedValueOnce(
      new CliError('the server is running, and the world must not change under it', 'stop it first'),
    );
    const d = deps();
    // When
    const code = await run(['world', 'restore', 'snapshot:20261123T190500Z-discord'], d);
    // Then
    expect(code).toBe(1);
    expect(d.term.stderr).toEqual([
      'valheim: the server is running, and the world must not change under it — stop it first',
    ]);
  });
});
