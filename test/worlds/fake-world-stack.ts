import { BackupClient } from '@aws-sdk/client-backup';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetParametersCommand, type Parameter, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';
import type { WorldDeps } from '../../src/cli/commands/world-common.js';
import { formatManifest } from '../../src/worlds/manifest.js';
import { belongsToWorld, listObjects } from '../../src/worlds/snapshots.js';
import { type CapturedTerminal, captureTerminal } from '../cli/helpers.js';
import { mockAwsClient } from '../support/aws-mock.js';
import { type LocalDynamo, startDynalite } from '../support/dynalite.js';
import { type LocalS3, startS3rver } from '../support/s3rver.js';

/*
 * A deployed stack for the CLI's world commands: the world bucket is s3rver (real S3 protocol), ECS is
 * aws-sdk-client-mock, and RunTask of the transfer task does what world-transfer.sh does to the bucket and
 * to a model of the server's worlds_local (the script itself is tested on real files in
 * world-transfer.test.ts).
 */

export const TASK_ARN = 'arn:aws:ecs:eu-central-1:111122223333:task/valheim-ondemand/feedc0ffee';

export interface FakeWorldStack {
  /** A fresh bucket for each fake stack. */
  readonly bucket: string;
  readonly ecsMock: AwsClientStub<ECSClient>;
  readonly backupMock: AwsClientStub<BackupClient>;
  /** The server's worlds_local: relative path → content. */
  worldsLocal: Map<string, string>;
  /** /config/backups: zip name → content. */
  readonly zips: Map<string, Uint8Array>;
  /** The game service's counts. */
  game: { desiredCount: number; runningCount: number };
  /** The exit code of the next transfer task (0 = do the work). */
  nextExitCode: number;
  /** The environment of each transfer task run, in order. */
  readonly runs: Array<Record<string, string>>;
  /** The state table (world catalog, ledger), in dynalite. */
  readonly stateTable: string;
  readonly dynamo: LocalDynamo;
  /** SSM's parameters by name (the active world's two), as the stack's SSM holds them. */
  readonly parameters: Map<string, string>;
  readonly ssmMock: AwsClientStub<SSMClient>;
  deps(answers?: string[]): WorldDeps & { term: CapturedTerminal; promptLine: ReturnType<typeof vi.fn> };
}

export async function fakeWorldStack(s3: LocalS3, dynamo: LocalDynamo): Promise<FakeWorldStack> {
  const ecsMock = mockAwsClient(ECSClient);
  const backupMock = mockAwsClient(BackupClient);
  const ssmMock = mockAwsClient(SSMClient);
  const bucket = `worlds-${Math.random().toString(36).slice(2, 10)}`;
  const stateTable = `state-${bucket}`;
  await Promise.all([s3.createBucket(bucket), dynamo.createTable(stateTable)]);
  // The stack created the active world's parameters with server.world (the example config's "Dedicated").
  const parameters = new Map([
    ['/valheim-ondemand/world/name', 'Dedicated'],
    ['/valheim-ondemand/world/args', '-world Dedicated'],
  ]);
  ssmMock.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
    Parameters: input.Names.filter((name) => parameters.has(name)).map(
      (name): Parameter => ({ Name: name, Value: parameters.get(name) }),
    ),
    InvalidParameters: input.Names.filter((name) => !parameters.has(name)),
  }));
  ssmMock.on(PutParameterCommand).callsFake((input: { Name: string; Value: string }) => {
    parameters.set(input.Name, input.Value);
    return { Version: 2 };
  });
  const put = (key: string, body: string | Uint8Array) =>
    s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const getText = async (key: string) =>
    (await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString() ??
    '';

  const fake: FakeWorldStack = {
    bucket,
    ecsMock,
    backupMock,
    worldsLocal: new Map(),
    zips: new Map(),
    game: { desiredCount: 0, runningCount: 0 },
    nextExitCode: 0,
    runs: [],
    stateTable,
    dynamo,
    parameters,
    ssmMock,
    deps: (answers = []) => {
      let clock = Date.parse('2026-11-24T08:00:00Z');
      return {
        env: {},
        term: captureTerminal(),
        ecs: (region) => new ECSClient({ region }),
        s3: () => s3.client,
        backup: (region) => new BackupClient({ region }),
        ssm: (region) => new SSMClient({ region }),
        dynamodb: () => dynamo.client,
        promptLine: vi.fn(() => Promise.resolve(answers.shift() ?? '')),
        // Every call is a second later: ids made in one command never collide.
        now: () => {
          clock += 1000;
          return clock;
        },
        sleep: () => Promise.resolve(),
      };
    },
  };

  /** What world-transfer.sh does, reduced to its effect on the bucket and on worlds_local. */
  const transfer = async (env: Record<string, string>): Promise<number> => {
    const snapshot = async (id: string): Promise<boolean> => {
      if (fake.worldsLocal.size === 0) return false;
      for (const [path, content] of fake.worldsLocal)
        await put(`snapshots/${id}/worlds_local/${path}`, content);
      const world = env.WORLD_NAME ?? '';
      const paths = [...fake.worldsLocal.keys()];
      const folder = paths.some((p) => p.startsWith(`${world}/`));
      const legacy = paths.includes(`${world}.fwl`) && paths.includes(`${world}.db`);
      const worldOf = (p: string) => p.split('/')[0]?.replace(/\.(fwl|db)(\.old)?$/, '') ?? '';
      const worlds = [...new Set(paths.map(worldOf))];
      const sizes: Record<string, number> = {};
      for (const [path, content] of fake.worldsLocal) {
        sizes[worldOf(path)] = (sizes[worldOf(path)] ?? 0) + content.length;
      }
      await put(
        `snapshots/${id}/manifest.json`,
        formatManifest({
          version: 1,
          id,
          world,
          created: '2026-11-24T08:00:00Z',
          reason: id.slice(17),
          format: folder && legacy ? 'both' : folder ? 'folder' : legacy ? 'legacy' : 'none',
          fileCount: fake.worldsLocal.size,
          totalBytes: [...fake.worldsLocal.values()].reduce((n, c) => n + c.length, 0),
          worlds: worlds.sort(),
          sizes,
        }),
      );
      return true;
    };
    switch (env.MODE) {
      case 'snapshot':
        return (await snapshot(env.SNAPSHOT_ID ?? '')) ? 0 : 3;
      case 'restore': {
        if (fake.game.desiredCount + fake.game.runningCount > 0) return 4;
        await snapshot(env.SNAPSHOT_ID ?? '');
        const base = `${env.SOURCE_PREFIX}/worlds_local/`;
        const world = env.WORLD_NAME ?? '';
        // Only the named world comes from the source; every other world stays as the server has it.
        const incoming = new Map<string, string>();
        for (const object of await listObjects(s3.client, bucket, base)) {
          const path = object.key.slice(base.length);
          if (belongsToWorld(path, world)) incoming.set(path, await getText(object.key));
        }
        if (incoming.size === 0) return 3;
        for (const [path, content] of fake.worldsLocal) {
          if (!belongsToWorld(path, world)) incoming.set(path, content);
        }
        fake.worldsLocal = incoming;
        return 0;
      }
      case 'delete': {
        if (fake.game.desiredCount + fake.game.runningCount > 0) return 4;
        const world = env.WORLD_NAME ?? '';
        if (![...fake.worldsLocal.keys()].some((p) => belongsToWorld(p, world))) return 3;
        await snapshot(env.SNAPSHOT_ID ?? '');
        for (const path of [...fake.worldsLocal.keys()]) {
          if (belongsToWorld(path, world)) fake.worldsLocal.delete(path);
        }
        return 0;
      }
      case 'list-backups':
        await put(
          `listings/${env.SNAPSHOT_ID}.txt`,
          [...fake.zips].map(([name, data]) => `${data.length} 1795460700 ${name}\n`).join(''),
        );
        return 0;
      case 'fetch-backup': {
        const data = fake.zips.get(env.BACKUP_NAME ?? '');
        if (!data) return 3;
        await put(`image-backups/${env.BACKUP_NAME}`, data);
        return 0;
      }
      default:
        return 2;
    }
  };

  let exitCode = 0;
  ecsMock.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      taskDefinitionArn:
        'arn:aws:ecs:eu-central-1:111122223333:task-definition/valheim-ondemand-world-transfer:1',
      containerDefinitions: [
        {
          name: 'transfer',
          environment: [
            { name: 'BUCKET', value: bucket },
            { name: 'LOCK_TABLE', value: stateTable },
          ],
        },
      ],
      volumes: [{ name: 'world', efsVolumeConfiguration: { fileSystemId: 'fs-0123456789abcdef0' } }],
    },
  });
  ecsMock.on(DescribeServicesCommand).callsFake(() => ({
    services: [
      {
        status: 'ACTIVE',
        ...fake.game,
        pendingCount: 0,
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'], securityGroups: ['sg-game'] } },
      },
    ],
  }));
  ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
  ecsMock.on(RunTaskCommand).callsFake(async (input) => {
    const pairs = (input.overrides?.containerOverrides?.[0]?.environment ?? []) as Array<{
      name: string;
      value: string;
    }>;
    const env = Object.fromEntries(pairs.map((pair) => [pair.name, pair.value]));
    fake.runs.push(env);
    exitCode = fake.nextExitCode === 0 ? await transfer(env) : fake.nextExitCode;
    fake.nextExitCode = 0;
    return { tasks: [{ taskArn: TASK_ARN }] };
  });
  ecsMock.on(DescribeTasksCommand).callsFake(() => ({
    tasks: [{ taskArn: TASK_ARN, lastStatus: 'STOPPED', containers: [{ name: 'transfer', exitCode }] }],
  }));
  return fake;
}

/**
 * For a test file: one s3rver for all its tests, and before each test a fresh fake stack (its own bucket and
 * mocks), handed to `prepare` with the server.
 */
export function useFakeWorldStack(
  prepare: (fake: FakeWorldStack, s3: LocalS3) => void | Promise<void>,
): void {
  let s3: LocalS3 | undefined;
  let dynamo: LocalDynamo | undefined;
  beforeAll(async () => {
    [s3, dynamo] = await Promise.all([startS3rver(), startDynalite()]);
  });
  afterAll(async () => {
    await Promise.all([s3?.close(), dynamo?.close()]);
  });
  beforeEach(async () => {
    if (!s3 || !dynamo) throw new Error('s3rver or dynalite did not start');
    await prepare(await fakeWorldStack(s3, dynamo), s3);
  });
}
