import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lightBackends } from '../../src/handlers/aws-backends.js';
import { readInteractionsEnvironment } from '../../src/handlers/environment.js';
import { createInteractionsApp, type InteractionsApp } from '../../src/handlers/interactions-app.js';
import { silentLogger } from '../../src/log.js';
import {
  commandInteraction,
  GUILD_ID,
  makeSigningKeys,
  OPERATOR_ROLE,
  signatureTimestamp,
  signedRequest,
  USER_ID,
} from '../support/discord-signing.js';
import { type LocalDynamo, startDynalite } from '../support/dynalite.js';
import { type FakeAwsEndpoint, fakeAwsEnv, startFakeAws } from '../support/fake-aws-endpoint.js';

/*
 * /valheim backup through the endpoint as deployed: environment variables → the Lambda's light AWS backends
 * → ECS answered by the loopback stand-in, the state table by dynalite.
 */

const keys = makeSigningKeys();
const NOW = new Date('2026-11-23T19:05:00Z');
const TRANSFER_TASK = 'arn:aws:ecs:eu-central-1:111122223333:task/valheim-ondemand/transfer1';

const ENV = {
  DISCORD_PUBLIC_KEY: keys.publicKeyHex,
  DISCORD_GUILD_ID: GUILD_ID,
  ECS_CLUSTER: 'valheim-ondemand',
  ECS_SERVICE: 'valheim-ondemand-server',
  STATE_TABLE: 'valheim-state',
  TRANSFER_TASK_DEFINITION: 'valheim-ondemand-world-transfer',
  TRANSFER_SUBNETS: 'subnet-0123456789abcdef0,subnet-0fedcba9876543210',
  TRANSFER_SECURITY_GROUPS: 'sg-0123456789abcdef0',
  WORLD_BUCKET: 'valheim-ondemand-worlds-111122223333',
  WORLD_NAME: 'Dedicated',
};

let aws: FakeAwsEndpoint;
let dynamo: LocalDynamo;
let table = 0;
let tableName: string;

function appWith(env: Record<string, string>): InteractionsApp {
  return createInteractionsApp({
    environment: readInteractionsEnvironment({ ...env, STATE_TABLE: tableName }),
    log: silentLogger,
    now: () => NOW,
    backends: lightBackends({
      env: { ...fakeAwsEnv(aws.url), AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint },
    }),
  });
}

async function ask(app: InteractionsApp, subcommand: string, roles: string[] = []) {
  const signed = signedRequest(
    keys,
    JSON.stringify(commandInteraction({ subcommand, roles })),
    signatureTimestamp(NOW),
  );
  const response = await app({ headers: signed.headers, body: signed.body });
  expect(response.statusCode).toBe(200);
  const body = JSON.parse(response.body) as { data: { content: string; flags?: number } };
  return { content: body.data.content, ephemeral: body.data.flags === 64 };
}

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.close());

beforeEach(async () => {
  aws = await startFakeAws({ runTaskArn: TRANSFER_TASK });
  tableName = `valheim-state-${++table}`;
  await dynamo.createTable(tableName);
});
afterEach(() => aws.close());

describe('/valheim backup (endpoint, AWS clients)', () => {
  it('runs the transfer task in snapshot mode in the stack network and keeps the reply', async () => {
    // Given an endpoint with the transfer settings
    const app = appWith(ENV);

    // When a member asks for a backup
    const reply = await ask(app, 'backup');

    // Then the task runs like the CLI's transfer tasks: Fargate, public IP, the snapshot request as environment
    const [runTask, ...more] = aws.inputs('ecs:RunTask');
    expect(more).toEqual([]);
    expect(runTask).toMatchObject({
      cluster: 'valheim-ondemand',
      taskDefinition: 'valheim-ondemand-world-transfer',
      launchType: 'FARGATE',
      count: 1,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
          securityGroups: ['sg-0123456789abcdef0'],
          assignPublicIp: 'ENABLED',
        },
      },
      overrides: {
        containerOverrides: [
          {
            name: 'transfer',
            environment: [
              { name: 'MODE', value: 'snapshot' },
              { name: 'BUCKET', value: 'valheim-ondemand-worlds-111122223333' },
              { name: 'SNAPSHOT_ID', value: '20261123T190500Z-discord' },
              { name: 'WORLD_NAME', value: 'Dedicated' },
            ],
          },
        ],
      },
      startedBy: `discord-${USER_ID}`,
    });
    // And it first looked for other transfers of the family
    expect(aws.inputs('ecs:ListTasks')).toContainEqual({
      cluster: 'valheim-ondemand',
      family: 'valheim-ondemand-world-transfer',
      desiredStatus: 'RUNNING',
    });
    // And the reply is kept where the monitor looks for it when the task stops
    const { Item } = await dynamo.client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'BACKUP' }, sk: { S: '20261123T190500Z-discord' } },
      }),
    );
    expect(Item && unmarshall(Item)).toEqual({
      pk: 'BACKUP',
      sk: '20261123T190500Z-discord',
      reply: {
        applicationId: '123456789012345678',
        token: 'interaction-token',
        createdAt: NOW.getTime(),
        userId: USER_ID,
      },
      expiresAt: Math.floor(NOW.getTime() / 1000) + 86_400,
    });
    expect(reply.ephemeral).toBe(false);
    expect(reply.content).toContain('is backing up the world *Dedicated* to S3');
  });

  it('says a running server is snapshotted as of its last save', async () => {
    // Given the game service runs a task
    aws.state.desiredCount = 1;
    // When
    const reply = await ask(appWith(ENV), 'backup');
    // Then
    expect(aws.inputs('ecs:RunTask')).toHaveLength(1);
    expect(reply.content).toContain('the snapshot holds the world as of its last save');
  });

  it('refuses while a transfer task is pending, without running another', async () => {
    // Given a transfer task of the family
    aws.state.familyTasks = [TRANSFER_TASK];
    // When
    const reply = await ask(appWith(ENV), 'backup');
    // Then
    expect(aws.inputs('ecs:RunTask')).toEqual([]);
    expect(reply.content).toContain('already running');
  });

  it('does not start the server while a transfer task runs: the start waits for it (a queued start)', async () => {
    // Given a stopped server and a transfer task of the family
    aws.state.familyTasks = [TRANSFER_TASK];
    // When
    const reply = await ask(appWith(ENV), 'start');
    // Then the service is left alone, and the reply says the start follows the transfer
    expect(aws.inputs('ecs:UpdateService')).toEqual([]);
    expect(reply.content).toContain('the server starts as soon as that is done');
  });

  it('refuses members without an operator role', async () => {
    const app = appWith({ ...ENV, OPERATOR_ROLE_IDS: OPERATOR_ROLE });
    const reply = await ask(app, 'backup', []);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toContain('can back up the world');
    expect(aws.inputs('ecs:RunTask')).toEqual([]);
  });

  it('turns AccessDenied on RunTask into a readable message', async () => {
    // Given a role without iam:PassRole for the task
    aws.state.faults.push({
      call: 'ecs:RunTask',
      code: 'AccessDeniedException',
      message: 'not authorized to perform iam:PassRole',
    });
    // When
    const reply = await ask(appWith(ENV), 'backup');
    // Then
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toBe(
      'The bot is not allowed to back up the world (AccessDeniedException). Redeploy the stack so its permissions are up to date.',
    );
  });

  it('says backups are not set up when the stack does not pass the transfer settings', async () => {
    // Given an older stack: none of the transfer variables
    const {
      TRANSFER_TASK_DEFINITION: _a,
      TRANSFER_SUBNETS: _b,
      TRANSFER_SECURITY_GROUPS: _c,
      WORLD_BUCKET: _d,
      WORLD_NAME: _e,
      ...older
    } = ENV;
    // When
    const reply = await ask(appWith(older), 'backup');
    // Then
    expect(reply.content).toContain('Backups from Discord are not set up on this deployment');
    expect(aws.inputs('ecs:ListTasks').filter((input) => input.family !== undefined)).toEqual([]);
  });

  it('keeps the other commands working when a transfer setting is wrong', async () => {
    // Given a malformed subnet list
    const app = appWith({ ...ENV, TRANSFER_SUBNETS: 'subnet-a b' });
    // When
    const backup = await ask(app, 'backup');
    const start = await ask(app, 'start');
    // Then backup names the variable, and start works
    expect(backup.content).toContain('TRANSFER_SUBNETS is invalid');
    expect(start.content).toContain('started the server');
    expect(aws.inputs('ecs:UpdateService')).toEqual([
      { cluster: 'valheim-ondemand', service: 'valheim-ondemand-server', desiredCount: 1 },
    ]);
  });
});
