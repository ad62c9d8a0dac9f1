import { dirname, join } from 'node:path';
import { ClusterNotFoundException, DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockAwsClient } from '../support/aws-mock.js';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type DeployDeps, deploy } from '../../src/cli/commands/deploy.js';
import { errorLines } from '../../src/cli/errors.js';
import { run } from '../../src/cli/program.js';
import { gameServiceNames } from '../../src/config/names.js';
import { LOCKFILE_NAME, LOCKFILE_VERSION, writeLock } from '../../src/mods/lockfile.js';
import {
  awsError,
  type CapturedTerminal,
  captureTerminal,
  cliDeps,
  EXAMPLE_CONFIG,
  writeConfig,
} from './helpers.js';

const ecsMock = mockAwsClient(ECSClient);
const CDK = { command: '/usr/bin/node', args: ['/project/node_modules/aws-cdk/bin/cdk'] };

beforeEach(() => {
  ecsMock.reset();
});

function deps(exitCode = 0): DeployDeps & { term: CapturedTerminal; spawn: ReturnType<typeof vi.fn> } {
  return {
    env: { PATH: '/usr/bin' },
    term: captureTerminal(),
    ecs: (region) => new ECSClient({ region }),
    spawn: vi.fn(() => Promise.resolve(exitCode)),
    cdk: () => CDK,
  };
}

function service(desiredCount: number, runningCount: number, status = 'ACTIVE') {
  return {
    services: [
      { serviceName: 'valheim-ondemand-server', status, desiredCount, runningCount, pendingCount: 0 },
    ],
  };
}

describe('valheim deploy', () => {
  it('refuses while the server runs, without running cdk', async () => {
    // Given a running game
    ecsMock.on(DescribeServicesCommand).resolves(service(1, 1));
    const d = deps();

    // When deploying without --force
    const error = await deploy({ config: writeConfig() }, d).catch((e: unknown) => e);

    // Then it looked at the stack's service, refused in one line, and never spawned cdk
    expect(ecsMock).toHaveReceivedCommandWith(DescribeServicesCommand, {
      cluster: 'valheim-ondemand',
      services: ['valheim-ondemand-server'],
    });
    expect(errorLines(error, false)).toEqual([
      'valheim: the server is running (1 task); deploying resets its desired count to 0 and stops the game — stop it first (/valheim stop), or deploy anyway: npx valheim deploy --force (through npm: npm run deploy -- --force)',
    ]);
    expect(d.spawn).not.toHaveBeenCalled();
  });

  it('also refuses while the server is starting', async () => {
    // Given a start in progress (desired 1, nothing running yet)
    ecsMock.on(DescribeServicesCommand).resolves(service(1, 0));
    const d = deps();

    // When / Then
    await expect(deploy({ config: writeConfig() }, d)).rejects.toThrow(/the server is starting \(1 task\)/);
    expect(d.spawn).not.toHaveBeenCalled();
  });

  it('with --force warns and runs the pinned cdk deploy with the extra arguments', async () => {
    // Given a running game
    ecsMock.on(DescribeServicesCommand).resolves(service(1, 1));
    const d = deps();
    const config = writeConfig();

    // When deploying with --force and extra cdk arguments
    const code = await deploy({ config, force: true, cdkArgs: ['--hotswap'] }, d);

    // Then cdk ran with the caller's arguments and the config path, after a warning
    expect(code).toBe(0);
    expect(d.spawn).toHaveBeenCalledWith(
      CDK.command,
      [...CDK.args, 'deploy', '--hotswap'],
      expect.objectContaining({ PATH: '/usr/bin', VALHEIM_CONFIG: config }),
    );
    expect(d.term.stderr.join('\n')).toMatch(/warning: the server is running .*--force/);
  });

  it.each([
    [
      'the cluster does not exist',
      () =>
        ecsMock
          .on(DescribeServicesCommand)
          .rejects(new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} })),
    ],
    [
      'the service is missing',
      () => ecsMock.on(DescribeServicesCommand).resolves({ services: [], failures: [{ reason: 'MISSING' }] }),
    ],
    [
      'the service was deleted',
      () => ecsMock.on(DescribeServicesCommand).resolves(service(0, 0, 'INACTIVE')),
    ],
  ])('treats it as a first deploy when %s', async (_case, given) => {
    // Given no game service yet
    given();
    const d = deps();

    // When
    const code = await deploy({ config: writeConfig() }, d);

    // Then cdk deploy runs
    expect(code).toBe(0);
    expect(d.spawn).toHaveBeenCalledOnce();
    expect(d.term.stdout.join('\n')).toContain('first deploy');
  });

  it('deploys a stopped server and passes on cdk failures', async () => {
    // Given an idle service, and cdk failing
    ecsMock.on(DescribeServicesCommand).resolves(service(0, 0));
    const d = deps(2);

    // When
    const code = await deploy({ config: writeConfig() }, d);

    // Then cdk ran, its exit code is returned, and the failure is one line
    expect(d.spawn).toHaveBeenCalledOnce();
    expect(code).toBe(2);
    expect(d.term.stderr).toEqual(['valheim: cdk deploy failed (exit code 2) — see its output above']);
  });

  it('maps AWS errors to one line and does not deploy', async () => {
    // Given missing permissions
    ecsMock.on(DescribeServicesCommand).rejects(awsError('AccessDeniedException'));
    const d = deps();

    // When / Then
    await expect(deploy({ config: writeConfig() }, d)).rejects.toThrow(/needs ecs:DescribeServices/);
    expect(d.spawn).not.toHaveBeenCalled();
  });

  it.each([
    [['deploy', '--require-approval', 'never'], ['--require-approval', 'never'], false],
    [['deploy', '--', '--require-approval', 'never'], ['--require-approval', 'never'], false],
    [['deploy', '--require-approval', 'never', '--force'], ['--require-approval', 'never'], true],
    [['deploy', '--hotswap', '--config', '<config>'], ['--hotswap'], false],
  ])('passes cdk options through as npm run deploy -- … gives them: %j', async (argv, cdkArgs, force) => {
    // Given a running server (so --force matters) and a config given on the command line
    ecsMock.on(DescribeServicesCommand).resolves(service(force ? 1 : 0, force ? 1 : 0));
    const config = writeConfig();
    const d = { ...cliDeps({}), ...deps(), env: { VALHEIM_CONFIG: config } };
    // When
    const code = await run(
      argv.map((arg) => (arg === '<config>' ? config : arg)),
      d,
    );
    // Then cdk got exactly its own options, and ours were ours
    expect(d.term.stderr.filter((line) => !line.includes('warning'))).toEqual([]);
    expect(code).toBe(0);
    expect(d.spawn).toHaveBeenCalledWith(CDK.command, [...CDK.args, 'deploy', ...cdkArgs], expect.anything());
    expect(d.term.stderr.some((line) => line.includes('--force'))).toBe(force);
  });

  it('says both ways of passing cdk options and --force in its help', async () => {
    const d = cliDeps({});
    await run(['deploy', '--help'], d);
    const help = d.term.stdout.join('\n');
    expect(help).toContain('npm run deploy -- --require-approval never');
    expect(help).toContain('npm run deploy -- --force');
  });

  it('names the cluster and service as the stack does', () => {
    // Given / When / Then
    expect(gameServiceNames('my-stack')).toEqual({ cluster: 'my-stack', service: 'my-stack-server' });
  });
});

describe('valheim deploy with mods', () => {
  it('refuses a lockfile that no longer matches the config, before anything runs', async () => {
    // Given a config listing a mod and no lockfile next to it
    const config = writeConfig({ mods: { packages: ['denikson-BepInExPack_Valheim-5.4.2333'] } });
    const d = deps();

    const error = await deploy({ config }, d).catch((e: unknown) => e);

    // Then one line names the mismatch and the fix; neither ECS nor cdk was asked anything
    expect(errorLines(error, false)).toEqual([
      expect.stringMatching(
        /^valheim: .*valheim\.mods\.lock\.json does not match the config: mods\.packages differs from the lockfile — run npx valheim mods lock/,
      ),
    ]);
    expect(ecsMock).not.toHaveReceivedCommand(DescribeServicesCommand);
    expect(d.spawn).not.toHaveBeenCalled();
  });

  it('warns that crossplay players cannot install mods, before it deploys them', async () => {
    // Given crossplay on and a current lockfile with a mod
    const pack = 'denikson-BepInExPack_Valheim-5.4.2333';
    const config = writeConfig({
      server: { ...EXAMPLE_CONFIG.server, crossplay: true },
      mods: { packages: [pack] },
    });
    writeLock(join(dirname(config), LOCKFILE_NAME), {
      lockfileVersion: LOCKFILE_VERSION,
      packages: {
        [pack]: {
          sha256: 'a'.repeat(64),
          size: 1,
          url: '',
          dependencies: [],
          side: 'both',
          categories: [],
          deprecated: false,
        },
      },
      sets: { default: { requested: [pack], packages: [pack], bepinexPack: '5.4.2333' }, worlds: {} },
    });
    ecsMock
      .on(DescribeServicesCommand)
      .rejects(new ClusterNotFoundException({ message: 'x', $metadata: {} }));
    const d = deps(1);

    await deploy({ config }, d);

    expect(d.term.stderr.join('\n')).toContain(
      'valheim: warning: crossplay is on: Xbox and Game Pass players cannot install mods',
    );
  });
});
