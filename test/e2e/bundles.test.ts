import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, onTestFinished } from 'vitest';
import { BUTTON_IDS, REFRESH_AS_NEW_MESSAGE_ID } from '../../src/discord/components.js';
import { formatManifest } from '../../src/worlds/manifest.js';
import { transferId } from '../../src/worlds/transfer-id.js';
import { type FakeDiscord, startFakeDiscord } from '../cli/fake-discord.js';
import { type FakeApplicationState, fakeApplication } from '../cli/fake-discord-app.js';
import { exampleConfig } from '../infra/helpers.js';
import { type Responder, startA2sResponder } from '../support/a2s-responder.js';
import { filterMatcher } from '../support/cloudwatch-filter.js';
import {
  buttonInteraction,
  commandInteraction,
  makeSigningKeys,
  OPERATOR_ROLE,
  type SigningKeys,
  signatureTimestamp,
  signedRequest,
} from '../support/discord-signing.js';
import { syslog } from '../support/valheim-sessions.js';
import { type EcsTasks, startEcsTasks } from './support/ecs-tasks.js';
import { type LambdaFunction, startLambda } from './support/lambda-runtime.js';
import { type Moto, motoEnv, startMoto } from './support/moto.js';
import { awsClientConfig, type DeployedStack, deployToMoto } from './support/stack.js';

/*
 * The deployed code, end to end: every bundle `npm run build` emits runs in its own Node.js process, loaded
 * as Lambda loads it, with the environment the synthesized template gives it, against moto on loopback. The
 * test plays the parts nothing emulates: Discord (a loopback fake), the game (an A2S responder, log lines
 * through the template's subscription filter), ECS's game task phases (ecs-game-service.ts), EventBridge's
 * and Scheduler's deliveries (read from moto, handed to the function), and the transfer task's work in S3.
 */

const DIST = join(import.meta.dirname, '../../dist/lambdas');
const NOTICE_CHANNEL = '678901234567890123';
const APPLICATION = '123456789012345678';
const GUILD = '234567890123456789';
const BOT_TOKEN = 'e2e-bot-token';
const SERVER_PASSWORD = 'e2e-server-password';
/** A hosted zone id the user would own; moto names its zones itself, so the functions get moto's. */
const USER_ZONE_ID = 'Z0E2ETESTZONE';
const DAY = 86_400_000;
const MINUTE = 60_000;

let moto: Moto;
let stack: DeployedStack;
let discord: FakeDiscord;
let app: FakeApplicationState;
let keys: SigningKeys;
let ecsService: EcsTasks;
let game: Responder;
let apiGateway: Server;
let apiUrl: string;
let cloudFormation: { server: Server; url: string; responses: Array<Record<string, unknown>> };
const lambdas = new Map<string, LambdaFunction>();
/** The functions' wall clock. */
let clock = Date.now();
let postedMessages = 0;

const aws = () => awsClientConfig(moto, stack.region);
const fn = (name: string) => {
  const found = lambdas.get(name);
  if (!found) throw new Error(`no function runs the ${name} bundle`);
  return found;
};
const errorsIn = (name: string) =>
  fn(name)
    .log.filter((line) => line.level === 'ERROR')
    .map((line) => JSON.stringify(line));

async function setClock(at: number) {
  clock = at;
  await Promise.all([...lambdas.values()].map((lambda) => lambda.setClock(at)));
}

/** An interaction, signed with the application's key, through the API Gateway stand-in. */
async function interact(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const signed = signedRequest(keys, JSON.stringify(body), signatureTimestamp(new Date(clock)));
  const response = await fetch(`${apiUrl}/discord`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed.headers },
    body: signed.body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}
const contentOf = (answer: { json: Record<string, unknown> }) =>
  String((answer.json.data as { content?: string } | undefined)?.content ?? '');

/** A monitor invocation for the game task's current state, as EventBridge delivers ECS's event. */
async function taskEvent() {
  const task = ecsService.gameTask();
  if (!task) throw new Error('no game task');
  await fn('monitor').invoke(ecsService.event(task));
}
async function tick() {
  await fn('monitor').invoke({
    version: '0',
    id: 'tick',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date(clock).toISOString(),
    region: stack.region,
    resources: [],
    detail: {},
  });
}

/** Game log lines, through the template's subscription filter, to the log function (as CloudWatch Logs). */
async function gameLog(messages: readonly string[]) {
  const filter = stack.ofType('AWS::Logs::SubscriptionFilter')[0] ?? '';
  const pattern = String(stack.template.Resources[filter]?.Properties?.FilterPattern);
  const matches = filterMatcher(pattern);
  const task = ecsService.gameTask();
  const taskId = task?.taskArn.split('/').pop() ?? '';
  const events = messages
    .map((text, index) => ({ id: String(clock + index), timestamp: clock, message: syslog(clock) + text }))
    .filter((event) => matches(event.message));
  if (events.length === 0) return;
  const data = {
    messageType: 'DATA',
    owner: '123456789012',
    logGroup: '/valheim/server',
    logStream: `valheim/valheim/${taskId}`,
    subscriptionFilters: [filter],
    logEvents: events,
  };
  await fn('server-log').invoke({
    awslogs: { data: gzipSync(Buffer.from(JSON.stringify(data))).toString('base64') },
  });
}

/** What the wake rule matched since the last call, handed to the monitor (as EventBridge would). */
const delivered = new Set<string>();
async function deliverWakeEvents(): Promise<number> {
  const rule = stack.ofType('AWS::Events::Rule').find((id) => /WakeMonitor/.test(id)) ?? '';
  const logs = new CloudWatchLogsClient(aws());
  const group = stack.ruleLogGroup(rule);
  const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }));
  let count = 0;
  for (const stream of streams.logStreams ?? []) {
    const events = await logs.send(
      new GetLogEventsCommand({
        logGroupName: group,
        logStreamName: stream.logStreamName,
        startFromHead: true,
      }),
    );
    for (const event of events.events ?? []) {
      const key = `${stream.logStreamName}/${event.timestamp}/${event.message}`;
      if (delivered.has(key)) continue;
      delivered.add(key);
      await fn('monitor').invoke(JSON.parse(event.message ?? '{}'));
      count++;
    }
  }
  return count;
}

/** Snapshot objects as the transfer task writes them: the world's files, then the manifest. */
async function putSnapshot(id: string, created: Date, reason: string) {
  const s3 = new S3Client(aws());
  const bucket = stack.physical(stack.ofType('AWS::S3::Bucket')[0] ?? '');
  const prefix = `snapshots/${id}`;
  for (const file of ['worlds_local/Dedicated.fwl', 'worlds_local/Dedicated.db']) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${file}`, Body: `${id} ${file}` }));
  }
  const manifest = formatManifest({
    version: 1,
    id,
    world: 'Dedicated',
    created: created.toISOString(),
    reason,
    format: 'legacy',
    fileCount: 2,
    totalBytes: 64,
    worlds: ['Dedicated'],
  });
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/manifest.json`, Body: manifest }));
}
async function snapshotIds(): Promise<string[]> {
  const s3 = new S3Client(aws());
  const bucket = stack.physical(stack.ofType('AWS::S3::Bucket')[0] ?? '');
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'snapshots/' }));
  return [...new Set((listing.Contents ?? []).map((object) => object.Key?.split('/')[1] ?? ''))].sort();
}

/** The running world-transfer task ends as a successful world-transfer.sh leaves it; the monitor hears of it. */
async function finishTransferTask(): Promise<{ snapshotId: string; mode: string }> {
  const family = stack.functions.get('monitor')?.environment.TRANSFER_FAMILY ?? '';
  const [task, ...more] = ecsService.running(family);
  if (!task || more.length > 0)
    throw new Error(`expected one running world-transfer task, found ${more.length + (task ? 1 : 0)}`);
  ecsService.finish(task, 0);
  await fn('monitor').invoke(ecsService.event(task));
  const environment = ecsService.environment(task);
  return { snapshotId: environment.SNAPSHOT_ID ?? '', mode: environment.MODE ?? '' };
}

async function listen(
  handler: (
    method: string,
    path: string,
    body: string,
    headers: Record<string, string>,
  ) => Promise<[number, Record<string, string>, string]>,
): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), String(value)]),
      );
      handler(request.method ?? '', request.url ?? '', Buffer.concat(chunks).toString('utf8'), headers).then(
        ([status, headers, body]) => response.writeHead(status, headers).end(body),
        (error: Error) => response.writeHead(502).end(error.message),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  moto = await startMoto();
  keys = makeSigningKeys();
  discord = await startFakeDiscord();
  app = fakeApplication(discord, {
    applicationId: APPLICATION,
    botToken: BOT_TOKEN,
    verifyKey: keys.publicKeyHex,
  });
  app.guilds.add(GUILD);
  app.channels.set(NOTICE_CHANNEL, { guildId: GUILD, canSend: true });
  // Messages the monitor posts and edits, and the follow-ups on interaction replies.
  // Follow-ups and edits of interaction replies (every test interaction has the same token).
  discord.reply('POST', `/api/v10/webhooks/${APPLICATION}/interaction-token`, () => ({
    status: 200,
    body: { id: String(980_000_000_000_000_000n + BigInt(postedMessages++)), channel_id: NOTICE_CHANNEL },
  }));
  discord.reply('PATCH', `/api/v10/webhooks/${APPLICATION}/interaction-token/messages/@original`, {
    status: 200,
    body: { id: '970000000000000000', channel_id: NOTICE_CHANNEL },
  });
  discord.reply('POST', `/api/v10/channels/${NOTICE_CHANNEL}/messages`, () => ({
    status: 200,
    body: { id: String(990_000_000_000_000_000n + BigInt(postedMessages++)), channel_id: NOTICE_CHANNEL },
  }));

  const config = exampleConfig({
    server: {
      name: 'Vikings',
      world: 'Dedicated',
      public: true,
      crossplay: false,
      adminSteamIds: [],
      imageTag: '1.2.0',
    },
    discord: {
      applicationId: APPLICATION,
      publicKey: keys.publicKeyHex,
      guildId: GUILD,
      operatorRoleIds: [OPERATOR_ROLE],
      noticeChannelId: NOTICE_CHANNEL,
    },
    schedule: { start: ['fri 18:00'], stop: ['sat 02:00'] },
    snapshots: { everyHours: 4, keepCount: 3, keepDays: 30 },
    dns: { hostedZoneId: USER_ZONE_ID, zoneName: 'example.com', recordName: 'valheim.example.com' },
    cost: { costExplorer: true, monthlyLimitUsd: 50, worldSizeGb: 0.2 },
  });
  const route53 = new Route53Client(awsClientConfig(moto, config.region));
  const zone = await route53.send(
    new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: 'e2e' }),
  );
  const motoZoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
  stack = await deployToMoto(config, moto, { [USER_ZONE_ID]: motoZoneId });

  // What `valheim secrets set` stores (SecureString parameters are never part of the template).
  const ssm = new SSMClient(aws());
  const monitorEnv = stack.functions.get('monitor')?.environment ?? {};
  const interactionsEnv = stack.functions.get('interactions')?.environment ?? {};
  await ssm.send(
    new PutParameterCommand({ Name: monitorEnv.BOT_TOKEN_PARAMETER, Value: BOT_TOKEN, Type: 'SecureString' }),
  );
  await ssm.send(
    new PutParameterCommand({
      Name: interactionsEnv.SERVER_PASSWORD_PARAMETER,
      Value: SERVER_PASSWORD,
      Type: 'SecureString',
    }),
  );

  // The game: its task's public IP is a loopback address of its own, its query port the real 2457.
  const publicIp = `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
  game = await startA2sResponder({ name: 'Vikings', players: [] }, 2457, publicIp);
  const cluster = stack.physical(stack.ofType('AWS::ECS::Cluster')[0] ?? '');
  ecsService = await startEcsTasks({
    moto,
    region: stack.region,
    cluster,
    clusterArn: String(stack.resolve({ 'Fn::GetAtt': [stack.ofType('AWS::ECS::Cluster')[0], 'Arn'] })),
    service: monitorEnv.ECS_SERVICE ?? '',
    subnet: (monitorEnv.TRANSFER_SUBNETS ?? '').split(',')[0] ?? '',
    publicIp,
    now: () => clock,
  });

  // Each function with its own environment from the template, plus only what points it at loopback.
  const loopback = {
    ...motoEnv(moto, stack.region),
    AWS_ENDPOINT_URL_ECS: ecsService.url,
    // The loopback override the functions accept for Discord (never set by the stack).
    DISCORD_API_URL: `${discord.apiUrl}/v10`,
    // Lambda's nodejs22.x prints no Node 20 notice; this machine's Node 20 would, into every log.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  for (const [name, definition] of stack.functions) {
    lambdas.set(
      name,
      await startLambda({
        name,
        bundle: join(DIST, name),
        environment: { ...definition.environment, ...loopback },
        timeoutSeconds: definition.timeoutSeconds,
      }),
    );
  }
  await setClock(clock);

  // API Gateway (HTTP API, payload 2.0) in front of the interactions function.
  const gateway = await listen(async (method, path, body, headers) => {
    const result = await fn('interactions').invoke<APIGatewayProxyStructuredResultV2>({
      version: '2.0',
      routeKey: `${method} /discord`,
      rawPath: path,
      headers,
      body,
      isBase64Encoded: false,
    });
    return [
      result.statusCode ?? 200,
      (result.headers as Record<string, string>) ?? {},
      String(result.body ?? ''),
    ];
  });
  apiGateway = gateway.server;
  apiUrl = gateway.url;
}, 120_000);

afterAll(async () => {
  await Promise.all([...lambdas.values()].map((lambda) => lambda.stop()));
  await Promise.all([
    moto?.stop(),
    discord?.close(),
    ecsService?.close(),
    game?.close(),
    apiGateway && new Promise((resolve) => apiGateway.close(resolve)),
    cloudFormation && new Promise((resolve) => cloudFormation.server.close(resolve)),
  ]);
});

describe('the deployed bundles against moto', () => {
  // A failure shows what the functions logged, as CloudWatch would.
  const showLogs = () =>
    onTestFailed(() => {
      for (const [name, lambda] of lambdas) {
        console.error(`--- ${name} log ---\n${lambda.log.map((line) => JSON.stringify(line)).join('\n')}`);
      }
    });
  it('runs every bundle npm run build emits, each as a function of the template', () => {
    const built = readdirSync(DIST, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect([...stack.functions.keys()].sort()).toEqual(built);
    expect([...lambdas.keys()].sort()).toEqual(built);
  });

  it('wires Discord at deploy time: commands registered, endpoint set after it answered 401', async () => {
    cloudFormation = {
      ...(await listen(async (_method, _path, body) => {
        cloudFormation.responses.push(JSON.parse(body) as Record<string, unknown>);
        return [200, {}, ''];
      })),
      responses: [],
    };
    // Deploy order: first the secret path segment of Discord's route (its own custom resource and bundle),
    // kept in SSM so that every later deploy finds the same one.
    const pathResource = stack.ofType('Custom::DiscordEndpointPath')[0] ?? '';
    const pathProperties = stack.resolve(stack.template.Resources[pathResource]?.Properties ?? {}) as Record<
      string,
      string
    >;
    await fn('endpoint-path').invoke({
      RequestType: 'Create',
      ServiceToken: pathProperties.ServiceToken,
      ResponseURL: `${cloudFormation.url}/response`,
      StackId: `arn:aws:cloudformation:${stack.region}:123456789012:stack/${stack.config.stackName}/e2e`,
      RequestId: 'e2e-path',
      LogicalResourceId: pathResource,
      ResourceType: 'Custom::DiscordEndpointPath',
      ResourceProperties: pathProperties,
    });
    const pathAnswer = cloudFormation.responses.shift() as { Status?: string; Data?: Record<string, string> };
    expect(pathAnswer.Status).toBe('SUCCESS');
    const segment = pathAnswer.Data?.Segment ?? '';
    expect(segment).toMatch(/^[0-9a-f]{40}$/);
    const stored = await new SSMClient(aws()).send(
      new GetParameterCommand({ Name: pathProperties.ParameterName, WithDecryption: true }),
    );
    expect(stored.Parameter?.Value).toBe(segment);
    expect(errorsIn('endpoint-path')).toEqual([]);
    stack.provide(pathResource, { Segment: segment });

    const wiring = stack.ofType('Custom::DiscordWiring')[0] ?? '';
    const properties = stack.template.Resources[wiring]?.Properties ?? {};
    // The endpoint URL is API Gateway's: here the loopback gateway in front of the real interactions bundle.
    const resourceProperties: Record<string, string> = {
      ...(stack.resolve(properties) as Record<string, string>),
      EndpointUrl: `${apiUrl}/discord`,
    };
    await fn('discord-wiring').invoke({
      RequestType: 'Create',
      ServiceToken: resourceProperties.ServiceToken,
      ResponseURL: `${cloudFormation.url}/response`,
      StackId: `arn:aws:cloudformation:${stack.region}:123456789012:stack/${stack.config.stackName}/e2e`,
      RequestId: 'e2e-create',
      LogicalResourceId: wiring,
      ResourceType: 'Custom::DiscordWiring',
      ResourceProperties: resourceProperties,
    });
    expect(cloudFormation.responses).toHaveLength(1);
    expect(cloudFormation.responses[0]).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'discord-wiring',
    });
    expect(app.commands.get(GUILD)?.map((command) => command.name)).toEqual(['valheim']);
    expect(app.endpointUrl).toBe(`${apiUrl}/discord`);
    expect(errorsIn('discord-wiring')).toEqual([]);
  });

  it('answers a PING, and every command while the server is stopped', async () => {
    expect(
      (await interact({ type: 1, id: '1', application_id: APPLICATION, token: 't', version: 1 })).json,
    ).toEqual({
      type: 1,
    });
    const status = await interact(commandInteraction({ subcommand: 'status' }));
    expect(contentOf(status)).toMatch(/stopped|not running|offline/i);
    const password = await interact(commandInteraction({ subcommand: 'password' }));
    expect(contentOf(password)).toContain(SERVER_PASSWORD);
    // moto answers Cost Explorer from results queued through its own API.
    const queued = await fetch(`${moto.url}/moto-api/static/ce/cost-and-usage-results`, {
      method: 'POST',
      body: JSON.stringify({
        results: [
          {
            ResultsByTime: [
              {
                TimePeriod: { Start: '2026-01-01', End: '2026-01-02' },
                Total: { UnblendedCost: { Amount: '1.23', Unit: 'USD' } },
                Groups: [],
                Estimated: true,
              },
            ],
          },
        ],
      }),
    });
    expect(queued.status).toBe(201);
    // Cost Explorer's answer may come after the reply's deadline: it is kept, and the next /valheim cost shows it.
    let cost = '';
    for (let attempt = 0; attempt < 5 && !cost.includes('1.23 USD'); attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 2000));
      cost = contentOf(await interact(commandInteraction({ subcommand: 'cost' })));
    }
    expect(cost).toContain('1.23 USD');
    // Members without the operator role may not start it.
    const refused = await interact(commandInteraction({ subcommand: 'start' }));
    expect(contentOf(refused)).toMatch(/role/i);
    expect(ecsService.desiredCount()).toBe(0);
    expect(errorsIn('interactions')).toEqual([]);
  });

  it('runs a session: start → ready → players → idle warning → stop → shutdown save → snapshot → retention', async () => {
    // Given old automatic snapshots beyond keepCount (3) and keepDays (30), a manual one, and recent ones
    showLogs();
    const day = (n: number) => new Date(clock - n * DAY);
    const seeded = [
      ...[90, 60, 45].map((n) => ({ at: day(n), reason: 'session-end' })),
      { at: day(120), reason: 'manual' },
      ...[3, 1].map((n) => ({ at: day(n), reason: 'session-end' })),
    ].map(({ at, reason }) => ({ id: transferId(reason, at), at, reason }));
    for (const { id, at, reason } of seeded) await putSnapshot(id, at, reason);
    const [old90, old60, old45, manual, recent3, recent1] = seeded.map((snapshot) => snapshot.id);

    // When an operator starts the server
    const start = await interact(commandInteraction({ subcommand: 'start', roles: [OPERATOR_ROLE] }));
    expect(contentOf(start)).toMatch(/start/i);
    expect(ecsService.desiredCount()).toBe(1);
    const ecs = new ECSClient(aws());
    const described = await ecs.send(
      new DescribeServicesCommand({ cluster: ecsService.clusterName, services: [ecsService.serviceName] }),
    );
    expect(described.services?.[0]?.desiredCount).toBe(1);

    // ECS provisions, pulls and runs the task; the monitor follows each state change
    for (let step = 0; step < 3; step++) {
      await setClock(clock + 20_000);
      await ecsService.advance();
      await taskEvent();
    }
    const events = new EventBridgeClient(aws());
    const pollRule = stack.functions.get('monitor')?.environment.POLL_RULE_NAME ?? '';
    expect((await events.send(new DescribeRuleCommand({ Name: pollRule }))).State).toBe('ENABLED');

    // The log says the game is ready: the log function records it and wakes the monitor through EventBridge
    await setClock(clock + 60_000);
    await gameLog(['Game server connected']);
    expect(await deliverWakeEvents()).toBeGreaterThan(0);
    const ready = discord.requests.filter((r) => /The server is up/.test(JSON.stringify(r.body)));
    expect(ready.length).toBeGreaterThan(0);
    expect(JSON.stringify(ready[0]?.body)).toContain(ecsService.publicIp);
    const route53 = new Route53Client(aws());
    const records = await route53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: stack.functions.get('monitor')?.environment.DNS_HOSTED_ZONE_ID,
      }),
    );
    expect(records.ResourceRecordSets?.find((r) => r.Type === 'A')?.ResourceRecords?.[0]?.Value).toBe(
      ecsService.publicIp,
    );

    // Players join (the query says so) and the status shows them
    game.options = {
      ...game.options,
      players: [
        { name: 'Ragnar', score: 0, duration: 60 },
        { name: 'Lagertha', score: 0, duration: 30 },
      ],
    };
    await gameLog([
      'Got connection SteamID 76561198000000001',
      'Player joined server "Vikings", now 2 player(s)',
    ]);
    await setClock(clock + MINUTE);
    await tick();
    const status = await interact(buttonInteraction(BUTTON_IDS.status));
    expect(JSON.stringify(status.json)).toMatch(/2 player|Ragnar/);
    const fresh = await interact(buttonInteraction(REFRESH_AS_NEW_MESSAGE_ID));
    expect(fresh.status).toBe(200);

    // Everyone leaves: the idle warning, then the stop
    game.options = { ...game.options, players: [] };
    await gameLog([
      'Closing socket 76561198000000001',
      'Player connection lost server "Vikings", now 0 player(s)',
    ]);
    await setClock(clock + MINUTE);
    await tick();
    await setClock(clock + 11 * MINUTE);
    await tick();
    expect(discord.requests.some((r) => /I'll stop the server/.test(JSON.stringify(r.body)))).toBe(true);
    const keep = await interact(buttonInteraction(BUTTON_IDS.keepRunning, { roles: [OPERATOR_ROLE] }));
    expect(keep.status).toBe(200);
    // The warning announced the stop for 5 minutes later; the stop comes on the query's 0 taken at least
    // 90 s after that time (the server's own count, after anyone who joined before it has loaded in).
    await setClock(clock + 7 * MINUTE);
    await tick();
    expect(ecsService.desiredCount()).toBe(0);

    // The shutdown save, then ECS stops the task
    await gameLog(['World saved ( 120.0ms )', 'OnApplicationQuit']);
    await deliverWakeEvents();
    for (let step = 0; step < 4; step++) {
      await setClock(clock + 15_000);
      await ecsService.advance();
      await taskEvent();
    }
    expect(ecsService.gameTask()?.lastStatus).toBe('STOPPED');
    const stopped = discord.requests.filter((r) => /Server stopped/.test(JSON.stringify(r.body)));
    expect(JSON.stringify(stopped.at(-1)?.body)).toContain('The world is saved');
    expect((await events.send(new DescribeRuleCommand({ Name: pollRule }))).State).toBe('DISABLED');
    const afterStop = await route53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: stack.functions.get('monitor')?.environment.DNS_HOSTED_ZONE_ID,
      }),
    );
    expect(afterStop.ResourceRecordSets?.some((r) => r.Type === 'A')).toBe(false);
    const dynamodb = new DynamoDBClient(aws());
    const table = stack.functions.get('monitor')?.environment.STATE_TABLE;
    const items = (await dynamodb.send(new ScanCommand({ TableName: table }))).Items ?? [];
    expect(items.some((item) => item.stopReason?.S === 'idle')).toBe(true);

    // The monitor started the snapshot task (RunTask); the task writes the snapshot and stops
    expect(ecsService.calls).toContain('RunTask');
    const family = stack.functions.get('monitor')?.environment.TRANSFER_FAMILY ?? '';
    const snapshotTask = ecsService.running(family)[0];
    const taken = snapshotTask ? (ecsService.environment(snapshotTask).SNAPSHOT_ID ?? '') : '';
    expect(taken).toMatch(/-session-end$/);
    await putSnapshot(taken, new Date(clock), 'session-end');
    expect(await finishTransferTask()).toEqual({ snapshotId: taken, mode: 'snapshot' });

    // Then retention really deleted, from the bucket, the automatic snapshots beyond the newest 3 that are older
    // than 30 days; the manual one stays whatever its age
    expect(await snapshotIds()).toEqual([manual, recent3, recent1, taken].sort());
    for (const gone of [old90, old60, old45]) expect(await snapshotIds()).not.toContain(gone);
    expect(fn('monitor').log.filter((line) => /retention failed/.test(line.message))).toEqual([]);
    expect(errorsIn('monitor')).toEqual([]);
    expect(errorsIn('server-log')).toEqual([]);
  });

  it('snapshots from Discord (/valheim backup) and says so when the task reports', async () => {
    showLogs();
    const backup = await interact(commandInteraction({ subcommand: 'backup', roles: [OPERATOR_ROLE] }));
    expect(backup.status).toBe(200);
    const family = stack.functions.get('interactions')?.environment.TRANSFER_TASK_DEFINITION ?? '';
    const [task] = ecsService.running(family);
    if (!task) throw new Error(`no world-transfer task started: ${contentOf(backup)}`);
    const environment = ecsService.environment(task);
    expect(environment.MODE).toBe('snapshot');
    expect(environment.BUCKET).toBe(stack.functions.get('interactions')?.environment.WORLD_BUCKET);
    const id = environment.SNAPSHOT_ID ?? '';
    await putSnapshot(id, new Date(clock), id.split('-').slice(1).join('-'));
    const before = discord.requests.length;
    await finishTransferTask();
    // With a notice channel, the follow-up goes there (it names the snapshot and how to restore it)
    const notices = discord.requests
      .slice(before)
      .filter((request) => request.path === `/api/v10/channels/${NOTICE_CHANNEL}/messages`);
    expect(JSON.stringify(notices.map((request) => request.body))).toContain(`snapshot:${id}`);
    // A snapshot somebody asked for is never pruned.
    expect(await snapshotIds()).toContain(id);
    expect(errorsIn('monitor')).toEqual([]);
    expect(errorsIn('interactions')).toEqual([]);
  });

  it('starts and stops from the buttons and /valheim stop, and says so when it is already done', async () => {
    showLogs();
    const start = await interact(buttonInteraction(BUTTON_IDS.start, { roles: [OPERATOR_ROLE] }));
    expect(start.status).toBe(200);
    expect(ecsService.desiredCount()).toBe(1);
    const again = await interact(commandInteraction({ subcommand: 'start', roles: [OPERATOR_ROLE] }));
    expect(contentOf(again)).toMatch(/already|starting/i);
    await setClock(clock + 20_000);
    await ecsService.advance();
    await taskEvent();
    const stop = await interact(commandInteraction({ subcommand: 'stop', roles: [OPERATOR_ROLE] }));
    expect(contentOf(stop)).toMatch(/stop/i);
    expect(ecsService.desiredCount()).toBe(0);
    const stopAgain = await interact(buttonInteraction(BUTTON_IDS.stop, { roles: [OPERATOR_ROLE] }));
    expect(JSON.stringify(stopAgain.json)).toMatch(/already|stopping/i);
    for (let step = 0; step < 4 && ecsService.gameTask()?.lastStatus !== 'STOPPED'; step++) {
      await setClock(clock + 15_000);
      await ecsService.advance();
      await taskEvent();
    }
    expect(ecsService.gameTask()?.lastStatus).toBe('STOPPED');
    expect(errorsIn('interactions')).toEqual([]);
    expect(errorsIn('monitor')).toEqual([]);
  });

  it('a start whose mod install refuses: the log and monitor bundles say why in Discord and stop the task', async () => {
    // Given a start (the game never comes up: its query stays silent)
    showLogs();
    game.options = { ...game.options, mode: 'silent' };
    onTestFinished(() => {
      game.options = { ...game.options, mode: 'normal' };
    });
    const start = await interact(commandInteraction({ subcommand: 'start', roles: [OPERATOR_ROLE] }));
    expect(start.status).toBe(200);
    expect(ecsService.desiredCount()).toBe(1);
    for (let step = 0; step < 3; step++) {
      await setClock(clock + 20_000);
      await ecsService.advance();
      await taskEvent();
    }
    const before = discord.requests.length;
    const snapshotsBefore = ecsService.calls.filter((call) => call === 'RunTask').length;

    // When the install step refuses a zip whose hash is not the locked one (mods.sh's line)
    await setClock(clock + 30_000);
    await gameLog([
      `mods: refusing to start: ValheimModding-Jotunn-2.20.0: the zip in the bucket has SHA-256 ${'0'.repeat(64)}, the lockfile says ${'1'.repeat(64)}`,
    ]);
    expect(await deliverWakeEvents()).toBeGreaterThan(0);

    // Then Discord hears why at once, and the task is stopped (never a vanilla start)
    const said = JSON.stringify(discord.requests.slice(before).map((request) => request.body));
    expect(said).toContain('The mods could not be installed, so the server will not start');
    expect(said).toContain('ValheimModding-Jotunn-2.20.0: the zip in the bucket has SHA-256');
    expect(ecsService.desiredCount()).toBe(0);
    for (let step = 0; step < 4 && ecsService.gameTask()?.lastStatus !== 'STOPPED'; step++) {
      await setClock(clock + 15_000);
      await ecsService.advance();
      await taskEvent();
    }
    expect(ecsService.gameTask()?.lastStatus).toBe('STOPPED');
    const stopped = discord.requests
      .slice(before)
      .filter((request) => /Server stopped/.test(JSON.stringify(request.body)));
    expect(JSON.stringify(stopped.at(-1)?.body)).toContain(
      'the mods could not be installed, so the game never started',
    );
    // The game never ran: no session-end snapshot of an untouched world
    expect(ecsService.calls.filter((call) => call === 'RunTask')).toHaveLength(snapshotsBefore);
    expect(errorsIn('monitor')).toEqual([]);
    expect(errorsIn('server-log')).toEqual([]);
  });

  it('runs what the schedules target, as EventBridge Scheduler would: start, stop and the monthly summary', async () => {
    showLogs();
    const scheduler = new SchedulerClient(aws());
    const schedules = stack.ofType('AWS::Scheduler::Schedule');
    const targetOf = async (pattern: RegExp) => {
      const id = schedules.find((candidate) => pattern.test(candidate));
      if (!id) throw new Error(`no schedule matches ${pattern}`);
      const target = (await scheduler.send(new GetScheduleCommand({ Name: stack.physical(id) }))).Target;
      if (!target?.Arn) throw new Error(`schedule ${id} has no target`);
      return {
        arn: target.Arn,
        input: target.Input === undefined ? {} : (JSON.parse(target.Input) as unknown),
      };
    };
    const invokeTarget = async (target: { arn: string; input: unknown }) => {
      const name = [...stack.functions].find(([, definition]) => definition.arn === target.arn)?.[0];
      if (!name) throw new Error(`no function has the ARN ${target.arn}`);
      await fn(name).invoke(target.input);
    };

    // The start time: the scheduled-start function scales the service up
    await invokeTarget(await targetOf(/ScheduleStart/));
    expect(ecsService.desiredCount()).toBe(1);
    expect(errorsIn('scheduled-start')).toEqual([]);

    // The stop time: Scheduler's universal target calls ECS UpdateService with the schedule's input
    const stop = await targetOf(/ScheduleStop/);
    expect(stop.arn).toBe('arn:aws:scheduler:::aws-sdk:ecs:updateService');
    const input = stop.input as { Cluster: string; Service: string; DesiredCount: number };
    await new ECSClient({ ...aws(), endpoint: ecsService.url }).send(
      new UpdateServiceCommand({
        cluster: input.Cluster,
        service: input.Service,
        desiredCount: input.DesiredCount,
      }),
    );
    expect(ecsService.desiredCount()).toBe(0);
    await ecsService.advance();
    await taskEvent();

    // The 1st of the next month, noon: last month's summary in the notice channel
    const now = new Date(clock);
    await setClock(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 11));
    const before = discord.requests.length;
    await invokeTarget(await targetOf(/MonthlySummary/));
    const posted = discord.requests
      .slice(before)
      .filter((request) => request.path === `/api/v10/channels/${NOTICE_CHANNEL}/messages`);
    expect(posted).toHaveLength(1);
    expect(JSON.stringify(posted[0]?.body)).toMatch(/session/);
    expect(errorsIn('monitor')).toEqual([]);
  });
});
