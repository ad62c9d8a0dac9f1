import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it, vi } from 'vitest';
import { type CliDeps, run } from '../../src/cli/program.js';
import { type CapturedTerminal, captureTerminal, writeConfig } from './helpers.js';

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
  it('the bin launcher runs the TypeScript CLI without a build step', async () => {
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
    ])
      expect(stdout).toContain(command);
  });

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
