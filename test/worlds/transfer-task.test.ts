import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { sdkEcs } from '../../src/aws/sdk-ecs.js';
import { WorldError } from '../../src/worlds/errors.js';
import {
  runTransferTask,
  type TransferRequest,
  type TransferTarget,
  transferFailure,
  transferFamily,
} from '../../src/worlds/transfer-task.js';
import { mockAwsClient } from '../support/aws-mock.js';

const ecsMock = mockAwsClient(ECSClient);
const ecs = sdkEcs(new ECSClient({ region: 'eu-central-1' }));
const TASK = 'arn:aws:ecs:eu-central-1:111122223333:task/valheim-ondemand/0123456789abcdef';

const target: TransferTarget = {
  cluster: 'valheim-ondemand',
  taskDefinition: transferFamily('valheim-ondemand'),
  subnets: ['subnet-a', 'subnet-b'],
  securityGroups: ['sg-game'],
  bucket: 'valheim-worlds-123',
  gameService: 'valheim-ondemand-server',
};

const snapshot: TransferRequest = {
  mode: 'snapshot',
  snapshotId: '20261123T190500Z-manual',
  worldName: 'Midgard',
};
const restore: TransferRequest = {
  mode: 'restore',
  snapshotId: '20261124T080000Z-pre-restore',
  worldName: 'Midgard',
  sourcePrefix: 'snapshots/20261123T190500Z-manual',
};

function task(lastStatus: string, exitCode?: number, reason?: string) {
  return {
    tasks: [
      {
        taskArn: TASK,
        lastStatus,
        ...(lastStatus === 'STOPPED' && { stoppedReason: 'Essential container in task exited' }),
        containers: [
          { name: 'transfer', ...(exitCode !== undefined && { exitCode }), ...(reason && { reason }) },
        ],
      },
    ],
  };
}

function service(desiredCount: number, runningCount: number) {
  return { services: [{ status: 'ACTIVE', desiredCount, runningCount, pendingCount: 0 }] };
}

beforeEach(() => {
  ecsMock.reset();
  ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
  ecsMock.on(DescribeServicesCommand).resolves(service(0, 0));
  ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK }] });
});

describe('runTransferTask', () => {
  it('runs the task in the stack network with the request as environment, and waits for it', async () => {
    // Given a task that goes through its states and exits 0
    ecsMock
      .on(DescribeTasksCommand)
      .resolvesOnce(task('PROVISIONING'))
      .resolvesOnce(task('PENDING'))
      .resolvesOnce(task('PENDING'))
      .resolvesOnce(task('RUNNING'))
      .resolves(task('STOPPED', 0));
    const statuses: string[] = [];
    const sleep = vi.fn(() => Promise.resolve());

    // When running a snapshot
    const result = await runTransferTask(ecs, target, snapshot, {
      sleep,
      onStatus: (status) => statuses.push(status),
    });

    // Then the task ran as the family's latest revision on Fargate with a public IP, in the given network
    expect(ecsMock).toHaveReceivedCommandWith(RunTaskCommand, {
      cluster: 'valheim-ondemand',
      taskDefinition: 'valheim-ondemand-world-transfer',
      launchType: 'FARGATE',
      count: 1,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-a', 'subnet-b'],
          securityGroups: ['sg-game'],
          assignPublicIp: 'ENABLED',
        },
      },
      overrides: {
        containerOverrides: [
          {
            name: 'transfer',
            environment: [
              { name: 'MODE', value: 'snapshot' },
              { name: 'BUCKET', value: 'valheim-worlds-123' },
              { name: 'SNAPSHOT_ID', value: '20261123T190500Z-manual' },
              { name: 'WORLD_NAME', value: 'Midgard' },
            ],
          },
        ],
      },
      propagateTags: 'TASK_DEFINITION',
      startedBy: 'valheim-cli',
    });
    // It checked for another transfer first, polled every 5 s and reported each change once
    expect(ecsMock).toHaveReceivedCommandWith(ListTasksCommand, {
      cluster: 'valheim-ondemand',
      family: 'valheim-ondemand-world-transfer',
      desiredStatus: 'RUNNING',
    });
    expect(statuses).toEqual(['PROVISIONING', 'PENDING', 'RUNNING', 'STOPPED']);
    expect(sleep).toHaveBeenCalledTimes(4);
    expect(sleep).toHaveBeenCalledWith(5000);
    expect(result).toEqual({
      taskArn: TASK,
      ok: true,
      exitCode: 0,
      stoppedReason: 'Essential container in task exited',
    });
  });

  it('gives a restore the game service, so the script checks it again right before the swap', async () => {
    ecsMock.on(DescribeTasksCommand).resolves(task('STOPPED', 0));
    await runTransferTask(ecs, target, restore, { sleep: () => Promise.resolve() });
    const environment =
      ecsMock.commandCalls(RunTaskCommand)[0]?.args[0].input.overrides?.containerOverrides?.[0]?.environment;
    expect(environment).toEqual([
      { name: 'MODE', value: 'restore' },
      { name: 'BUCKET', value: 'valheim-worlds-123' },
      { name: 'SNAPSHOT_ID', value: '20261124T080000Z-pre-restore' },
      { name: 'WORLD_NAME', value: 'Midgard' },
      { name: 'SOURCE_PREFIX', value: 'snapshots/20261123T190500Z-manual' },
      { name: 'GAME_CLUSTER', value: 'valheim-ondemand' },
      { name: 'GAME_SERVICE', value: 'valheim-ondemand-server' },
    ]);
  });

  it.each([
    [
      service(1, 1),
      /^the server is running, .* — stop it first \(\/valheim stop in Discord, or npx valheim stop\)/,
    ],
    [service(1, 0), /^the server is starting/],
    [service(0, 1), /^the server is still stopping, .* — wait until it has stopped/],
  ])('refuses a restore while the game service is active (%j)', async (described, message) => {
    // Given an active game service
    ecsMock.on(DescribeServicesCommand).resolves(described);

    // When / Then: one line with the fix, and no task
    await expect(runTransferTask(ecs, target, restore)).rejects.toThrow(message);
    expect(ecsMock).toHaveReceivedCommandWith(DescribeServicesCommand, {
      cluster: 'valheim-ondemand',
      services: ['valheim-ondemand-server'],
    });
    expect(ecsMock).not.toHaveReceivedCommand(RunTaskCommand);
  });

  it('lets a snapshot run while the game runs (it only reads the world)', async () => {
    ecsMock.on(DescribeServicesCommand).resolves(service(1, 1));
    ecsMock.on(DescribeTasksCommand).resolves(task('STOPPED', 0));
    expect((await runTransferTask(ecs, target, snapshot, { sleep: () => Promise.resolve() })).ok).toBe(true);
  });

  it('refuses while another transfer runs', async () => {
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [`${TASK}99`] });
    await expect(runTransferTask(ecs, target, restore)).rejects.toThrow(
      'another world transfer is running (task 0123456789abcdef99) — wait until it has finished',
    );
    expect(ecsMock).not.toHaveReceivedCommand(RunTaskCommand);
  });

  it('says why ECS did not start the task', async () => {
    ecsMock
      .on(RunTaskCommand)
      .resolves({ tasks: [], failures: [{ reason: 'RESOURCE:MEMORY', detail: 'none left' }] });
    await expect(runTransferTask(ecs, target, snapshot)).rejects.toThrow(
      /^ECS did not start the world-transfer task \(RESOURCE:MEMORY: none left\)/,
    );
  });

  it('reports a task that stopped before its script ran', async () => {
    ecsMock.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: TASK,
          lastStatus: 'STOPPED',
          stoppedReason: 'ResourceInitializationError: failed to invoke EFS utils commands',
          containers: [{ name: 'transfer' }],
        },
      ],
    });
    const result = await runTransferTask(ecs, target, snapshot, { sleep: () => Promise.resolve() });
    expect(result).toEqual({
      taskArn: TASK,
      ok: false,
      stoppedReason: 'ResourceInitializationError: failed to invoke EFS utils commands',
    });
    expect(transferFailure(result, snapshot).message).toBe(
      'the snapshot of Midgard did not run: the task stopped before its script (ResourceInitializationError: failed to invoke EFS utils commands) — check that the stack is deployed completely (npm run deploy) and try again; nothing was changed',
    );
  });

  it('gives up waiting after the timeout, saying the task goes on', async () => {
    ecsMock.on(DescribeTasksCommand).resolves(task('RUNNING'));
    const error = await runTransferTask(ecs, target, snapshot, {
      sleep: () => Promise.resolve(),
      pollMs: 5000,
      timeoutMs: 20_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorldError);
    expect((error as Error).message).toMatch(/is still RUNNING after 0 minutes — it keeps going on its own/);
    expect(ecsMock).toHaveReceivedCommandTimes(DescribeTasksCommand, 5);
  });
});

describe('transferFailure', () => {
  const result = (exitCode: number) => ({ taskArn: TASK, ok: false, exitCode });
  it.each([
    [snapshot, 3, 'there is no world on the server yet (worlds_local is empty) — start the server once'],
    [restore, 3, 'snapshots/20261123T190500Z-manual holds no world "Midgard" — nothing was changed'],
    [{ mode: 'fetch-backup', backupName: 'w.zip' } as const, 3, 'the server has no backup w.zip — list them'],
    [restore, 4, 'was refused: the game server is running — stop it first'],
    [restore, 5, 'was refused: the source in S3 is incomplete — nothing was changed'],
    [snapshot, 6, 'was refused: another snapshot or restore is running — nothing was changed; wait'],
    [
      restore,
      7,
      'stopped: another snapshot or restore took the transfer lock over (or it could not be renewed) — the world on the server is as it was before',
    ],
    [restore, 1, 'failed (exit code 1) — the world on the server is unchanged'],
    [
      restore,
      143,
      'was interrupted (exit code 143) — run the command again: the next transfer first puts back',
    ],
    [snapshot, 2, 'was refused: the request was invalid — this is a bug'],
  ] as const)('%j exit %i', (request, exitCode, message) => {
    expect(transferFailure(result(exitCode), request).message).toContain(message);
  });
});
