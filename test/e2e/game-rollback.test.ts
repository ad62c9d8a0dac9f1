import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GAME_RECORD_KEY } from '../../src/game/aws-game-records.js';
import { gameParameterName } from '../../src/game/branch.js';
import type { GameRecord } from '../../src/records/game.js';
import { INSTALL_CACHE_KEY } from '../../src/server-cache/install-cache.js';
import { formatManifest } from '../../src/worlds/manifest.js';
import { transferFamily } from '../../src/worlds/transfer-task.js';
import { exampleConfig } from '../infra/helpers.js';
import { type EcsTasks, startEcsTasks } from './support/ecs-tasks.js';
import { type Moto, motoEnv, startMoto } from './support/moto.js';
import { awsClientConfig, type DeployedStack, deployToMoto } from './support/stack.js';

/*
 * `valheim game rollback` as a user runs it (the CLI bundle, bin/valheim.js) against the stack deployed into
 * moto: the GAME record in the state table, the install cache's tarball versions in the versioned world
 * bucket, the branch parameter the template's custom resource creates, the pre-update snapshot's manifest.
 * The test plays the world-transfer task (ECS tasks stand-in, ./support/ecs-tasks.ts): moto cannot run it, and
 * what the task does in the container is tested on its own (test/worlds).
 */

const ROOT = join(import.meta.dirname, '../..');
const OLD_BUILD = '20061312';
const NEW_BUILD = '20190522';
const WORLD = 'Dedicated';
const PRE_UPDATE = '20261120T190000Z-pre-update';
const UPDATE_AT = Date.parse('2026-11-20T19:00:00Z');
/** The CLI polls the transfer task every 5 s; a rebuild of a stale bundle can take a while on a busy machine. */
const CLI_TIMEOUT_MS = 240_000;

let moto: Moto;
let stack: DeployedStack;
let ecs: EcsTasks;
let s3: S3Client;
let ssm: SSMClient;
let documents: DynamoDBDocumentClient;
let bucket: string;
let table: string;
let configDir: string;
let configFile: string;

function cli(args: string[]) {
  return promisify(execFile)(
    process.execPath,
    [join(ROOT, 'bin/valheim.js'), ...args, '--config', configFile],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...motoEnv(moto, stack.region),
        AWS_ENDPOINT_URL_ECS: ecs.url,
        // moto's task definitions keep names and images only: the bucket and table as CI passes them.
        VALHEIM_WORLD_BUCKET: bucket,
        VALHEIM_STATE_TABLE: table,
      },
      timeout: CLI_TIMEOUT_MS,
    },
  );
}

/** What a failed CLI run printed, so a red test says why. */
function output(error: unknown): string {
  const failed = error as { stdout?: string; stderr?: string; message?: string };
  return `${failed.message ?? ''}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`;
}

async function installVersions() {
  const { Versions } = await s3.send(
    new ListObjectVersionsCommand({ Bucket: bucket, Prefix: INSTALL_CACHE_KEY }),
  );
  return Versions ?? [];
}

/** The build of the branch's current tarball (its metadata) and its bytes. */
async function currentInstall() {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: INSTALL_CACHE_KEY }));
  return { build: object.Metadata?.build, body: await object.Body?.transformToString() };
}

async function branchValue() {
  const { Parameter } = await ssm.send(
    new GetParameterCommand({ Name: gameParameterName(stack.config.stackName) }),
  );
  return Parameter?.Value;
}

async function gameRecord() {
  const { Item } = await documents.send(
    new GetCommand({ TableName: table, Key: GAME_RECORD_KEY, ConsistentRead: true }),
  );
  return Item;
}

beforeAll(async () => {
  moto = await startMoto();
  const config = exampleConfig({
    server: { name: 'Vikings', world: WORLD, public: true, crossplay: false, adminSteamIds: [] },
  });
  stack = await deployToMoto(config, moto);
  const clients = awsClientConfig(moto, stack.region);
  s3 = new S3Client(clients);
  ssm = new SSMClient(clients);
  documents = DynamoDBDocumentClient.from(new DynamoDBClient(clients));

  // The parameters the template's custom resources create at deploy (the branch, the active world): the
  // very PutParameter calls they make.
  for (const id of stack.ofType('Custom::AWS')) {
    const create = stack.template.Resources[id]?.Properties?.Create;
    const call = JSON.parse(String(stack.resolve(create))) as {
      service: string;
      action: string;
      parameters: Record<string, unknown>;
    };
    if (call.service === 'SSM' && call.action === 'PutParameter') {
      await ssm.send(new PutParameterCommand(call.parameters as never));
    }
  }

  // The world bucket and the state table, as the template hands them to the transfer task.
  const transfer = stack.ofType('AWS::ECS::TaskDefinition').find((id) => {
    const family = stack.template.Resources[id]?.Properties?.Family;
    return stack.resolve(family) === transferFamily(config.stackName);
  });
  const containers = (stack.template.Resources[transfer ?? '']?.Properties?.ContainerDefinitions ??
    []) as Array<{ Environment?: Array<{ Name: string; Value: unknown }> }>;
  const variable = (name: string) =>
    String(
      stack.resolve(
        containers.flatMap((c) => c.Environment ?? []).find((entry) => entry.Name === name)?.Value,
      ),
    );
  bucket = variable('BUCKET');
  table = variable('LOCK_TABLE');

  const cluster = stack.ofType('AWS::ECS::Cluster')[0] ?? '';
  const monitorEnv = stack.functions.get('monitor')?.environment ?? {};
  ecs = await startEcsTasks({
    moto,
    region: stack.region,
    cluster: stack.physical(cluster),
    clusterArn: String(stack.resolve({ 'Fn::GetAtt': [cluster, 'Arn'] })),
    service: monitorEnv.ECS_SERVICE ?? '',
    subnet: (monitorEnv.TRANSFER_SUBNETS ?? '').split(',')[0] ?? '',
    publicIp: '127.0.0.1',
    now: Date.now,
  });

  // Given a start that installed a new build: the install cache uploaded the old build's tarball, then the
  // new one over it (install-cache.sh tags each with its build)…
  for (const build of [OLD_BUILD, NEW_BUILD]) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: INSTALL_CACHE_KEY,
        Body: `install of build ${build}`,
        Metadata: { build },
      }),
    );
  }
  // …the game task copied the world before the new build loaded it, and the transfer task uploaded it…
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: `snapshots/${PRE_UPDATE}/manifest.json`,
      Body: formatManifest({
        version: 1,
        id: PRE_UPDATE,
        world: WORLD,
        created: new Date(UPDATE_AT).toISOString(),
        reason: 'pre-update',
        format: 'folder',
        fileCount: 2,
        totalBytes: 2048,
        worlds: [WORLD],
      }),
    }),
  );
  // …and the monitor recorded the update (src/game/game-record.ts).
  const record: GameRecord = {
    build: NEW_BUILD,
    branch: 'public',
    version: 'l-1.0.15',
    since: UPDATE_AT,
    previous: { build: OLD_BUILD, branch: 'public', version: 'l-1.0.14', until: UPDATE_AT },
    preUpdate: {
      [WORLD]: {
        snapshotId: PRE_UPDATE,
        world: WORLD,
        fromBuild: OLD_BUILD,
        toBuild: NEW_BUILD,
        at: UPDATE_AT,
      },
    },
  };
  await documents.send(new PutCommand({ TableName: table, Item: { ...GAME_RECORD_KEY, ...record } }));
  configDir = mkdtempSync(join(tmpdir(), 'valheim-game-e2e-'));
  configFile = join(configDir, 'valheim.config.json');
  writeFileSync(configFile, JSON.stringify(config));
}, 180_000);

afterAll(async () => {
  await Promise.all([moto?.stop(), ecs?.close()]);
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

describe('valheim game rollback against moto', () => {
  it('starts on the branch the template created the parameter with', async () => {
    expect(await branchValue()).toBe('public');
  });

  it(
    'dry-run: says exactly what would change, and changes nothing',
    async () => {
      const before = { versions: await installVersions(), record: await gameRecord() };
      let stdout = '';
      let stderr = '';
      try {
        ({ stdout, stderr } = await cli(['game', 'rollback', '--dry-run']));
      } catch (error) {
        throw new Error(output(error));
      }
      const said = `${stdout}\n${stderr}`;
      expect(said).toContain('nothing is changed now');
      expect(said).toContain(
        `Valheim 1.0.15 (build ${NEW_BUILD}, public) → Valheim 1.0.14 (build ${OLD_BUILD}`,
      );
      expect(said).toMatch(/version \S+ becomes the current one again/);
      expect(said).toContain(`World "${WORLD}": replaced by snapshot ${PRE_UPDATE}`);
      expect(said).toContain('Players must run the same version');
      // Nothing changed: no task, the same tarball versions and current build, the branch, the record.
      expect(ecs.calls).not.toContain('RunTask');
      expect(await installVersions()).toEqual(before.versions);
      expect((await currentInstall()).build).toBe(NEW_BUILD);
      expect(await branchValue()).toBe('public');
      expect(await gameRecord()).toEqual(before.record);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'rollback: the world from its pre-update snapshot first, then the old install, then the hold',
    async () => {
      const running = cli(['game', 'rollback', '--yes']);
      // The world-transfer task, as ECS would run it: the test waits for the CLI to start it…
      const family = transferFamily(stack.config.stackName);
      const deadline = Date.now() + CLI_TIMEOUT_MS;
      while (ecs.running(family).length === 0) {
        if (Date.now() > deadline) throw new Error('the CLI never started the transfer task');
        await Promise.race([
          new Promise((resolve) => setTimeout(resolve, 100)),
          running.then(
            () => {
              throw new Error('the CLI finished without a transfer task');
            },
            (error: unknown) => {
              throw new Error(output(error));
            },
          ),
        ]);
      }
      const [task] = ecs.running(family);
      if (!task) throw new Error('no transfer task');
      // …a restore of the world from the pre-update snapshot…
      expect(ecs.environment(task)).toMatchObject({
        MODE: 'restore',
        WORLD_NAME: WORLD,
        SOURCE_PREFIX: `snapshots/${PRE_UPDATE}`,
      });
      // …started before anything else changed (an old build must never meet a migrated world)…
      expect((await currentInstall()).build).toBe(NEW_BUILD);
      expect(await branchValue()).toBe('public');
      // …and it worked.
      task.lastStatus = 'RUNNING';
      ecs.finish(task, 0);
      let stdout = '';
      try {
        ({ stdout } = await running);
      } catch (error) {
        throw new Error(output(error));
      }
      expect(stdout).toContain(`World "${WORLD}" restored from ${PRE_UPDATE}`);
      // Then the old build's tarball is the current one again (a copy: the new one stays kept)…
      expect(await currentInstall()).toEqual({ build: OLD_BUILD, body: `install of build ${OLD_BUILD}` });
      expect(await installVersions()).toHaveLength(3);
      // …and starts hold that build until someone picks a branch again.
      expect(await branchValue()).toBe(`public hold ${OLD_BUILD}`);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: INSTALL_CACHE_KEY }));
      expect(head.Metadata?.build).toBe(OLD_BUILD);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'refuses while the game runs, and changes nothing',
    async () => {
      const before = { versions: await installVersions(), branch: await branchValue() };
      const { ECSClient, UpdateServiceCommand } = await import('@aws-sdk/client-ecs');
      const client = new ECSClient({ ...awsClientConfig(moto, stack.region), endpoint: ecs.url });
      await client.send(
        new UpdateServiceCommand({ cluster: ecs.clusterName, service: ecs.serviceName, desiredCount: 1 }),
      );
      try {
        const failed = await cli(['game', 'rollback', '--yes']).then(
          () => undefined,
          (error: unknown) => output(error),
        );
        expect(failed).toContain('the server is running');
        expect(failed).toContain('stop it first');
        expect(await installVersions()).toEqual(before.versions);
        expect(await branchValue()).toBe(before.branch);
      } finally {
        await client.send(
          new UpdateServiceCommand({ cluster: ecs.clusterName, service: ecs.serviceName, desiredCount: 0 }),
        );
      }
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'valheim game branch: shows the hold, and choosing a branch again ends it',
    async () => {
      const shown = await cli(['game', 'branch']).catch((error: unknown) => {
        throw new Error(output(error));
      });
      expect(shown.stdout).toContain('Branch: public');
      expect(shown.stdout).toContain(`Held at build ${OLD_BUILD} by a rollback`);
      const chosen = await cli(['game', 'branch', 'default_old']).catch((error: unknown) => {
        throw new Error(output(error));
      });
      expect(chosen.stdout).toContain(`Branch: default_old (the hold on build ${OLD_BUILD} is released)`);
      expect(chosen.stdout).toContain('Betas → **default_old**');
      expect(await branchValue()).toBe('default_old');
      const refused = await cli(['game', 'branch', 'Default Old']).then(
        () => undefined,
        (error: unknown) => output(error),
      );
      expect(refused).toContain('is not a Steam branch name');
      expect(await branchValue()).toBe('default_old');
    },
    CLI_TIMEOUT_MS,
  );
});
