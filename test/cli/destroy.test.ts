import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type DestroyDeps, destroy, keptResources } from '../../src/cli/commands/destroy.js';
import { errorLines } from '../../src/cli/errors.js';
import { run } from '../../src/cli/program.js';
import { loadConfig } from '../../src/config/load.js';
import { estimateCost } from '../../src/cost/estimate.js';
import { mockAwsClient } from '../support/aws-mock.js';
import { awsError, cliDeps, writeConfig } from './helpers.js';

const cloudFormation = mockAwsClient(CloudFormationClient);

beforeEach(() => {
  // Unless a test says otherwise, the stack is deployed.
  cloudFormation.reset();
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [{ StackName: 'valheim-ondemand', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }],
  });
});

const CDK = { command: '/usr/bin/node', args: ['/cdk'] };

function deps(answers: string[], overrides: Partial<DestroyDeps> = {}) {
  const asked: string[] = [];
  const base = cliDeps(
    {},
    {
      stdinIsTTY: true,
      promptLine: (question: string) => {
        asked.push(question);
        return Promise.resolve(answers.shift() ?? '');
      },
      spawn: vi.fn(() => Promise.resolve(0)),
    },
  );
  const d = {
    ...base,
    cdk: () => CDK,
    exportWorld: vi.fn((_config: string) => Promise.resolve()),
    ...overrides,
    term: base.term,
  } satisfies DestroyDeps;
  return { d, asked };
}

describe('valheim destroy', () => {
  it('says what goes and what stays with its monthly cost, offers an export, asks the name, then runs cdk destroy', async () => {
    // Given a deployed stack and a user who exports and types the name
    const config = writeConfig();
    const { d, asked } = deps(['', 'valheim-ondemand']);
    // When
    const code = await destroy({ config }, d);
    // Then the kept resources are listed with the estimate's monthly figures
    expect(code).toBe(0);
    const out = d.term.stdout.join('\n');
    expect(out).toContain('Deleting the stack valheim-ondemand in eu-central-1 removes the game server');
    const estimate = estimateCost(loadConfig(config), { hoursPerMonth: 0 });
    const efs = estimate.idle.find((line) => line.item.startsWith('EFS'))?.monthly ?? -1;
    const s3 = estimate.idle
      .filter((line) => line.item.startsWith('S3'))
      .reduce((sum, line) => sum + line.monthly, 0);
    expect(out).toContain(`  - the world's file system (EFS): about $${efs.toFixed(3)} a month`);
    expect(out).toContain(
      `  - the world bucket (S3 snapshots, each about 0.2 GB, and the game-install cache): about $${s3.toFixed(3)} a month`,
    );
    // And the bucket holds the snapshots and the install cache, both priced
    expect(estimate.idle.filter((line) => line.item.startsWith('S3'))).toHaveLength(2);
    expect(out).toMatch(/ {2}- the backup vault .*35 days\): about \$0\.0\d\d a month/);
    // And the export came first, then the name, then the pinned cdk destroy of exactly this stack
    expect(asked).toEqual([
      'Export the world to this folder first? [Y/n]: ',
      'Type the stack name (valheim-ondemand) to delete it: ',
    ]);
    expect(d.exportWorld).toHaveBeenCalledWith(config, d);
    expect(d.spawn).toHaveBeenCalledWith(
      CDK.command,
      [...CDK.args, 'destroy', 'valheim-ondemand', '--force'],
      expect.objectContaining({ VALHEIM_CONFIG: config }),
    );
    expect(out).toContain('Deleted valheim-ondemand.');
  });

  it('deletes nothing when the typed name is wrong, or when the export fails', async () => {
    // Given a typo
    const config = writeConfig();
    const typo = deps(['n', 'valheim-ondemnd']);
    const error = await destroy({ config }, typo.d).catch((e: unknown) => e);
    expect(errorLines(error, false)).toEqual([
      'valheim: "valheim-ondemnd" is not the stack name valheim-ondemand; nothing was deleted — run it again',
    ]);
    expect(typo.d.exportWorld).not.toHaveBeenCalled();
    expect(typo.d.spawn).not.toHaveBeenCalled();
    // Given an export that fails
    const failing = deps(['y', 'valheim-ondemand'], {
      exportWorld: vi.fn(() => Promise.reject(new Error('network down'))),
    });
    await expect(destroy({ config }, failing.d)).rejects.toThrow('network down');
    expect(failing.d.spawn).not.toHaveBeenCalled();
  });

  it('without a terminal needs --confirm with the stack name, and offers no export', async () => {
    const config = writeConfig();
    const { d, asked } = deps([], { stdinIsTTY: false });
    await expect(destroy({ config }, d)).rejects.toThrow(
      /no terminal to ask — pass --confirm valheim-ondemand/,
    );
    expect(await destroy({ config, confirm: 'valheim-ondemand' }, d)).toBe(0);
    expect(asked).toEqual([]);
    expect(d.exportWorld).not.toHaveBeenCalled();
    expect(d.spawn).toHaveBeenCalledTimes(1);
  });

  it('passes on cdk destroy failing, as its exit code', async () => {
    const config = writeConfig();
    const { d } = deps([], { stdinIsTTY: false, spawn: vi.fn(() => Promise.resolve(3)) });
    expect(await destroy({ config, confirm: 'valheim-ondemand' }, d)).toBe(3);
    expect(d.term.stderr).toEqual([expect.stringMatching(/^valheim: cdk destroy failed \(exit code 3\)/)]);
  });

  it('is a command of the CLI, with --no-export and --confirm', async () => {
    const config = writeConfig();
    const d = cliDeps({ VALHEIM_CONFIG: config }, { spawn: vi.fn(() => Promise.resolve(0)) });
    expect(await run(['destroy', '--no-export', '--confirm', 'valheim-ondemand'], d)).toBe(0);
    expect(d.spawn).toHaveBeenCalledWith(
      expect.any(String),
      expect.arrayContaining(['destroy', 'valheim-ondemand', '--force']),
      expect.objectContaining({ VALHEIM_CONFIG: config }),
    );
    const help = cliDeps({});
    expect(await run(['destroy', '--help'], help)).toBe(0);
    expect(help.term.stdout.join('\n')).toContain('Tear it down');
  });

  it('says there is no such stack instead of listing a deletion and running cdk destroy, and offers no export', async () => {
    // Given no stack of that name in the region
    cloudFormation
      .on(DescribeStacksCommand)
      .rejects(awsError('ValidationError', 'Stack with id valheim-ondemand does not exist'));
    const config = writeConfig();
    for (const { d, asked } of [deps([]), deps([], { stdinIsTTY: false })]) {
      // When (interactive, and with --confirm)
      const error = await destroy(
        { config, confirm: d.stdinIsTTY ? undefined : 'valheim-ondemand' },
        d,
      ).catch((e: unknown) => e);
      // Then
      expect(errorLines(error, false)).toEqual([
        expect.stringMatching(
          /^valheim: there is no stack valheim-ondemand in eu-central-1, so nothing was deleted — check stackName and region in /,
        ),
      ]);
      expect(d.term.stdout).toEqual([]);
      expect(asked).toEqual([]);
      expect(d.exportWorld).not.toHaveBeenCalled();
      expect(d.spawn).not.toHaveBeenCalled();
    }
  });

  it('keeps exactly the three resources that hold the world', () => {
    expect(keptResources(loadConfig(writeConfig())).map((kept) => kept.what.split(' (')[0])).toEqual([
      "the world's file system",
      'the world bucket',
      'the backup vault',
    ]);
  });
});
