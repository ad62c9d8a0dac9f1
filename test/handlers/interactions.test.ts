import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { bundleLambda } from '../../infra/bundling.js';
import { sdkDocuments } from '../../src/aws/sdk-dynamodb.js';
import { ALREADY_ANSWERED_MESSAGE } from '../../src/discord/endpoint.js';
import { StateStore } from '../../src/monitor/state-store.js';
import {
  commandInteraction,
  GUILD_ID,
  makeSigningKeys,
  signatureTimestamp,
  signedRequest,
} from '../support/discord-signing.js';
import { type LocalDynamo, startDynalite } from '../support/dynalite.js';
import { type FakeAwsEndpoint, fakeAwsEnv, startFakeAws } from '../support/fake-aws-endpoint.js';

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const keys = makeSigningKeys();

/** An API Gateway HTTP API (payload 2.0) event carrying a signed body. */
function apiEvent(
  body: string,
  options: { base64?: boolean; signWith?: typeof keys; timestamp?: string } = {},
): APIGatewayProxyEventV2 {
  const signed = signedRequest(options.signWith ?? keys, body, options.timestamp);
  return {
    version: '2.0',
    routeKey: 'POST /discord',
    rawPath: '/discord',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...signed.headers },
    body: options.base64 ? signed.body.toString('base64') : body,
    isBase64Encoded: options.base64 ?? false,
    requestContext: {} as APIGatewayProxyEventV2['requestContext'],
  };
}

const ping = JSON.stringify({ type: 1 });
const content = (result: APIGatewayProxyStructuredResultV2) =>
  JSON.parse(String(result.body)).data?.content as string;

describe('interactions Lambda handler (sources)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    vi.resetModules();
  });

  async function loadHandler(env: Record<string, string>): Promise<Handler> {
    process.env = { ...saved, ...env };
    vi.resetModules();
    return (await import('../../src/handlers/interactions.js')).handler;
  }

  it('answers a PING sent with a base64-encoded body', async () => {
    const handler = await loadHandler({ DISCORD_PUBLIC_KEY: keys.publicKeyHex });
    const result = await handler(apiEvent(ping, { base64: true }));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(String(result.body))).toEqual({ type: 1 });
  });

  it('answers 500 when DISCORD_PUBLIC_KEY is missing, with the reason in the log only', async () => {
    // Given an endpoint without its public key
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const handler = await loadHandler({ DISCORD_PUBLIC_KEY: '' });
    // When anyone posts to it
    const result = await handler(apiEvent(ping));
    // Then the answer names no setting; the log does
    expect(result.statusCode).toBe(500);
    expect(result.body).toContain('ask whoever set it up');
    expect(result.body).not.toContain('DISCORD_PUBLIC_KEY');
    expect(logged.mock.calls.flat().join('\n')).toContain('DISCORD_PUBLIC_KEY is not set');
  });

  it('tells the user to ask whoever set it up when ECS settings are missing, and logs which', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const handler = await loadHandler({ DISCORD_PUBLIC_KEY: keys.publicKeyHex, DISCORD_GUILD_ID: GUILD_ID });
    const result = await handler(apiEvent(JSON.stringify(commandInteraction({ subcommand: 'start' }))));
    expect(result.statusCode).toBe(200);
    expect(content(result)).toContain('Ask whoever set it up');
    expect(content(result)).not.toContain('ECS_CLUSTER');
    expect(logged.mock.calls.flat().join('\n')).toContain('ECS_CLUSTER is not set');
  });
});

describe('interactions Lambda handler (built bundle, as deployed)', () => {
  let outdir: string;
  let aws: FakeAwsEndpoint;
  let dynamo: LocalDynamo;
  let handler: Handler;
  const saved = { ...process.env };

  beforeAll(async () => {
    // Given the handler bundled exactly as the stack bundles it, and AWS answered on loopback
    outdir = mkdtempSync(join(tmpdir(), 'valheim-bundle-'));
    bundleLambda({ entry: join(import.meta.dirname, '../../src/handlers/interactions.ts'), outdir });
    aws = await startFakeAws();
    dynamo = await startDynalite();
    await dynamo.createTable('valheim-state');
    process.env = {
      ...saved,
      ...fakeAwsEnv(aws.url),
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      STATE_TABLE: 'valheim-state',
      DISCORD_PUBLIC_KEY: keys.publicKeyHex,
      DISCORD_GUILD_ID: GUILD_ID,
      ECS_CLUSTER: 'valheim',
      ECS_SERVICE: 'valheim-server',
    };
    vi.spyOn(console, 'log').mockImplementation(() => {});
    handler = (await import(pathToFileURL(join(outdir, 'index.mjs')).href)).handler;
  });

  afterAll(async () => {
    process.env = { ...saved };
    await aws.close();
    await dynamo.close();
    rmSync(outdir, { recursive: true, force: true });
  });

  it('loads and answers a signed PING', async () => {
    const result = await handler(apiEvent(ping));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(String(result.body))).toEqual({ type: 1 });
  });

  it('rejects a forged PING with 401', async () => {
    const result = await handler(apiEvent(ping, { signWith: makeSigningKeys() }));
    expect(result.statusCode).toBe(401);
  });

  it('answers an interaction once, recording its id in the state table, and refuses stale timestamps', async () => {
    // Given a signed /valheim password that was answered
    const event = apiEvent(JSON.stringify(commandInteraction({ subcommand: 'password' })));
    const first = await handler(event);
    expect(content(first)).not.toBe(ALREADY_ANSWERED_MESSAGE);
    // When the captured request is sent again
    const replayed = await handler(event);
    // Then it only gets the note, and the id is in DynamoDB (shared by every instance)
    expect(replayed.statusCode).toBe(200);
    expect(content(replayed)).toBe(ALREADY_ANSWERED_MESSAGE);
    const items = await dynamo.client.send(
      new ScanCommand({
        TableName: 'valheim-state',
        FilterExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'INTERACTION' } },
      }),
    );
    expect(items.Count).toBeGreaterThanOrEqual(1);
    // And a copy signed ten minutes ago is refused outright
    const stale = apiEvent(JSON.stringify(commandInteraction({ subcommand: 'stop' })), {
      timestamp: signatureTimestamp(new Date(Date.now() - 10 * 60_000)),
    });
    expect((await handler(stale)).statusCode).toBe(401);
  });

  it('starts the server and then reports its address through the light AWS client', async () => {
    // When a member starts the server
    const started = await handler(apiEvent(JSON.stringify(commandInteraction({ subcommand: 'start' }))));
    // Then ECS is scaled to 1
    expect(content(started)).toContain('started the server');
    expect(aws.state.desiredCount).toBe(1);
    expect(aws.state.calls).toContain('ecs:UpdateService');
    // And the reply token is kept (in DynamoDB) for the monitor's ready notice
    const stored = await new StateStore(sdkDocuments(dynamo.client), 'valheim-state').load();
    expect(stored.startReply?.token).toBe('interaction-token');

    // And status shows the public address from the task's network interface
    const status = await handler(apiEvent(JSON.stringify(commandInteraction({ subcommand: 'status' }))));
    expect(content(status)).toContain('`3.120.45.67:2456`');
    expect(aws.state.calls).toContain('ec2:DescribeNetworkInterfaces');
  });
  it('finds credentials through the SDK chain (a profile) when the environment has none, as built', async () => {
    // Given `valheim serve`-like settings: a credentials file and a profile, no keys in the environment; the
    // SDK's chain is a lazily imported chunk of the bundle, so this also proves its named exports are there
    const dir = mkdtempSync(join(tmpdir(), 'valheim-profile-'));
    writeFileSync(
      join(dir, 'credentials'),
      '[gamer]\naws_access_key_id = AKIAPROFILEKEY\naws_secret_access_key = profile-secret\n',
    );
    writeFileSync(join(dir, 'config'), '[profile gamer]\nregion = eu-central-1\n');
    const body = JSON.stringify(commandInteraction({ subcommand: 'status' }));
    const signed = signedRequest(keys, body);
    const calls = aws.state.requests.length;
    try {
      // When a fresh process of the built bundle answers a /valheim status
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [join(import.meta.dirname, '../../bench/cold-start-runner.mjs'), join(outdir, 'index.mjs')],
          {
            env: {
              PATH: process.env.PATH ?? '',
              HOME: dir,
              AWS_PROFILE: 'gamer',
              AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
              AWS_CONFIG_FILE: join(dir, 'config'),
              AWS_ENDPOINT_URL: aws.url,
              AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
              STATE_TABLE: 'valheim-state',
              DISCORD_PUBLIC_KEY: keys.publicKeyHex,
              DISCORD_GUILD_ID: GUILD_ID,
              ECS_CLUSTER: 'valheim',
              ECS_SERVICE: 'valheim-server',
              AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
              BENCH_EVENT: JSON.stringify({ headers: signed.headers, body, isBase64Encoded: false }),
            },
          },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk;
        });
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk;
        });
        child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(stderr))));
      });
      // Then it answered with the server's state, its requests signed with the profile's key
      const result = JSON.parse(out.trim().split('\n').pop() ?? '') as { status: number; body: string };
      expect(result.status).toBe(200);
      expect(JSON.parse(result.body).data.content).toMatch(/Running|Stopped|Starting/);
      const signedWith = aws.state.requests.slice(calls).map((r) => String(r.headers.authorization));
      expect(signedWith.length).toBeGreaterThan(0);
      for (const authorization of signedWith) expect(authorization).toContain('Credential=AKIAPROFILEKEY/');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
