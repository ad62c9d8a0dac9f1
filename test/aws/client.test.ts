import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsClient, endpointUrl, parseError } from '../../src/aws/client.js';
import { DYNAMODB } from '../../src/aws/dynamodb.js';
import { EC2, publicIpOfInterface } from '../../src/aws/ec2.js';
import { resolveSetup } from '../../src/aws/setup.js';
import { signRequest } from '../../src/aws/signature-v4.js';
import { DeadlineExceededError, withDeadline } from '../../src/deadline.js';

type Answer = (request: IncomingMessage, body: string, response: ServerResponse) => void;

/** A loopback AWS endpoint whose answers each test scripts, one per request in order. */
let server: Server;
let url: string;
let answers: Answer[] = [];
let seen: Array<{ headers: IncomingMessage['headers']; body: string }> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ headers: request.headers, body });
      const answer = answers.shift() ?? ok({});
      answer(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);
afterEach(() => {
  answers = [];
  seen = [];
});

function ok(body: unknown, headers: Record<string, string> = {}): Answer {
  return (_request, _body, response) => {
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', ...headers });
    response.end(JSON.stringify(body));
  };
}

function fail(status: number, body: string, headers: Record<string, string> = {}): Answer {
  return (_request, _body, response) => {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers });
    response.end(body);
  };
}

const ENV = {
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'ASIAFAKEROLEKEY',
  AWS_SECRET_ACCESS_KEY: 'role-secret',
  AWS_SESSION_TOKEN: 'role-session-token',
};

function client(options: { maxAttempts?: number; sleeps?: number[]; env?: Record<string, string> } = {}) {
  const env = { ...ENV, AWS_ENDPOINT_URL: url, ...options.env };
  const setup = resolveSetup(env);
  return new AwsClient(DYNAMODB, {
    env,
    setup: () => setup,
    ...(options.maxAttempts && { maxAttempts: options.maxAttempts }),
    sleep: async (ms) => {
      options.sleeps?.push(ms);
    },
  });
}

const getItem = (c: AwsClient, signal?: AbortSignal) =>
  c.json<{ Item?: unknown }>(
    'DynamoDB_20120810.GetItem',
    { TableName: 't', Key: { pk: { S: 'SERVER' } } },
    { version: '1.0', signal },
  );

describe('SigV4', () => {
  it('signs exactly as the AWS SDK does, session token included', async () => {
    // Given a JSON request and temporary credentials
    const at = new Date('2026-11-23T19:05:00Z');
    const credentials = {
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret/key+1',
      sessionToken: 'tok=en',
    };
    const body = JSON.stringify({ TableName: 'valheim-state', Key: { pk: { S: 'SERVER' } } });
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.GetItem',
    };
    // When ours and the SDK's signer sign it
    const ours = signRequest(
      { method: 'POST', url: new URL('https://dynamodb.eu-central-1.amazonaws.com/'), headers, body },
      { service: 'dynamodb', region: 'eu-central-1', credentials, at },
    );
    const sdk = await new SignatureV4({
      service: 'dynamodb',
      region: 'eu-central-1',
      credentials,
      sha256: NodeSha256,
      // The SDK's DynamoDB client sends no payload-hash header either (S3 is the service that wants it)
      applyChecksum: false,
    }).sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: 'dynamodb.eu-central-1.amazonaws.com',
        path: '/',
        headers: { ...headers, host: 'dynamodb.eu-central-1.amazonaws.com' },
        body,
        query: {},
      },
      { signingDate: at },
    );
    // Then the signatures are the same
    expect(ours.authorization).toBe(sdk.headers.authorization);
    expect(ours['x-amz-security-token']).toBe('tok=en');
  });

  it('sends the Lambda role’s credentials from the environment, session token included', async () => {
    await getItem(client());
    expect(seen[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAFAKEROLEKEY\/\d{8}\/eu-central-1\/dynamodb\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    expect(seen[0]?.headers['x-amz-security-token']).toBe('role-session-token');
  });
});

describe('endpoints', () => {
  it('prefers AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then the regional endpoint', () => {
    expect(
      endpointUrl(DYNAMODB, 'eu-central-1', {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
        AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:2',
      }).href,
    ).toBe('http://127.0.0.1:2/');
    expect(endpointUrl(EC2, 'eu-central-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:1' }).href).toBe(
      'http://127.0.0.1:1/',
    );
    expect(endpointUrl(DYNAMODB, 'eu-central-1', {}).href).toBe(
      'https://dynamodb.eu-central-1.amazonaws.com/',
    );
    expect(endpointUrl(EC2, 'cn-north-1', {}).href).toBe('https://ec2.cn-north-1.amazonaws.com.cn/');
    expect(
      endpointUrl(DYNAMODB, 'eu-central-1', {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
      }).href,
    ).toBe('https://dynamodb.eu-central-1.amazonaws.com/');
  });
});

describe('retries', () => {
  it('retries a throttled request after a backoff of at most 500 ms, and returns the answer', async () => {
    // Given DynamoDB throttles the first attempt
    const sleeps: number[] = [];
    answers = [
      fail(400, JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException' })),
      ok({ Item: { pk: { S: 'SERVER' } } }),
    ];
    // When the item is read
    const result = await getItem(client({ sleeps }));
    // Then the second attempt's answer comes back, after one throttling backoff
    expect(result).toEqual({ Item: { pk: { S: 'SERVER' } } });
    expect(seen).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeLessThan(500);
    // And each attempt was signed anew
    expect(seen[0]?.headers.authorization).toBeDefined();
    expect(seen[1]?.headers.authorization).toBeDefined();
  });

  it('retries 5xx and gives up after maxAttempts with the last error, its name and status', async () => {
    answers = [
      fail(500, JSON.stringify({ __type: 'InternalServerError', message: 'boom 1' })),
      fail(503, JSON.stringify({ __type: 'ServiceUnavailable', message: 'boom 2' })),
      fail(503, JSON.stringify({ __type: 'ServiceUnavailable', message: 'boom 3' })),
    ];
    const error = await getItem(client({ maxAttempts: 2 })).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ServiceUnavailable',
      message: 'boom 2',
      $fault: 'server',
      $metadata: { httpStatusCode: 503, attempts: 2 },
    });
    expect(seen).toHaveLength(2);
  });

  it('does not retry what a retry cannot fix (a failed condition, a denied permission)', async () => {
    answers = [
      fail(
        400,
        JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
          message: 'The conditional request failed',
        }),
      ),
    ];
    await expect(getItem(client({ maxAttempts: 3 }))).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
      message: 'The conditional request failed',
      $fault: 'client',
    });
    answers = [
      fail(400, '{"message":"no"}', { 'x-amzn-errortype': 'AccessDeniedException:http://internal/' }),
    ];
    await expect(getItem(client({ maxAttempts: 3 }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(seen).toHaveLength(2);
  });

  it('retries when the connection drops before the answer', async () => {
    answers = [(request) => request.socket.destroy(), ok({ Item: {} })];
    expect(await getItem(client())).toEqual({ Item: {} });
    expect(seen).toHaveLength(2);
  });

  it('corrects its clock from the Date of a skew error and signs the retry with AWS’s time', async () => {
    // Given AWS's clock is 20 minutes ahead of ours
    const awsNow = new Date(Date.now() + 20 * 60_000);
    const skewed: Answer = fail(
      400,
      JSON.stringify({ __type: 'InvalidSignatureException', message: 'Signature expired' }),
      {
        date: awsNow.toUTCString(),
      },
    );
    answers = [skewed, ok({})];
    const c = client();
    // When a request is refused as skewed
    await getItem(c);
    // Then the retry carried AWS's time, and so does the next request
    await getItem(c);
    const amzDate = (i: number) => {
      const raw = String(seen[i]?.headers['x-amz-date']);
      return Date.parse(
        `${raw.slice(0, 4)}-${raw.slice(4, 6)}-${raw.slice(6, 8)}T${raw.slice(9, 11)}:${raw.slice(11, 13)}:${raw.slice(13, 15)}Z`,
      );
    };
    expect(Math.abs(amzDate(1) - awsNow.getTime())).toBeLessThan(60_000);
    expect(Math.abs(amzDate(2) - awsNow.getTime())).toBeLessThan(60_000);
    expect(Math.abs(amzDate(0) - Date.now())).toBeLessThan(60_000);
  });
});

describe('deadlines', () => {
  it('gives up at the deadline when AWS does not answer, with the deadline’s error', async () => {
    // Given an endpoint that never answers
    answers = [() => undefined];
    const started = Date.now();
    // When a request runs under a 150 ms deadline
    const error = await withDeadline(150, (signal) => getItem(client(), signal)).catch((e: unknown) => e);
    // Then it fails at the deadline with the error the bot turns into "AWS did not answer in time"
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('does not wait out a backoff after the deadline', async () => {
    answers = [fail(400, JSON.stringify({ __type: 'ThrottlingException' }))];
    const env = { ...ENV, AWS_ENDPOINT_URL: url };
    const setup = resolveSetup(env);
    const slowBackoff = new AwsClient(DYNAMODB, { env, setup: () => setup, maxAttempts: 5 });
    const started = Date.now();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new DeadlineExceededError(50)), 50);
    // Throttling backs off up to 500 ms, then 1 s, ...: the abort ends the wait
    answers.push(fail(400, JSON.stringify({ __type: 'ThrottlingException' })));
    answers.push(fail(400, JSON.stringify({ __type: 'ThrottlingException' })));
    answers.push(fail(400, JSON.stringify({ __type: 'ThrottlingException' })));
    await expect(getItem(slowBackoff, controller.signal)).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(Date.now() - started).toBeLessThan(700);
    // A request sent just before the abort may still reach the stand-in: let it land before the next test
    await new Promise((resolve) => setTimeout(resolve, 100));
  });
});

describe('errors', () => {
  it('reads the code and message of the query protocol (EC2)', () => {
    const error = parseError({
      statusCode: 403,
      headers: {},
      body: '<?xml version="1.0"?><Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized &amp; so on</Message></Error></Errors><RequestID>abc-1</RequestID></Response>',
    });
    expect(error).toMatchObject({
      name: 'UnauthorizedOperation',
      message: 'You are not authorized & so on',
      $metadata: { httpStatusCode: 403, requestId: 'abc-1' },
    });
  });

  it('names an answer without a code after its status', () => {
    expect(parseError({ statusCode: 502, headers: {}, body: '<html>Bad gateway</html>' }).name).toBe(
      'Http502Error',
    );
  });
});

describe('EC2 public IP', () => {
  it('reads the association’s public IP from DescribeNetworkInterfaces', async () => {
    answers = [
      (_request, _body, response) => {
        response.writeHead(200, { 'content-type': 'text/xml' });
        response.end(
          '<DescribeNetworkInterfacesResponse><networkInterfaceSet><item><networkInterfaceId>eni-1</networkInterfaceId><association><publicIp>3.120.45.67</publicIp><ipOwnerId>amazon</ipOwnerId></association></item></networkInterfaceSet></DescribeNetworkInterfacesResponse>',
        );
      },
      (_request, _body, response) => {
        response.writeHead(200, { 'content-type': 'text/xml' });
        response.end(
          '<DescribeNetworkInterfacesResponse><networkInterfaceSet><item><networkInterfaceId>eni-2</networkInterfaceId></item></networkInterfaceSet></DescribeNetworkInterfacesResponse>',
        );
      },
    ];
    const env = { ...ENV, AWS_ENDPOINT_URL: url };
    const setup = resolveSetup(env);
    const ec2 = new AwsClient(EC2, { env, setup: () => setup });
    expect(await publicIpOfInterface(ec2, 'eni-1')).toBe('3.120.45.67');
    expect(await publicIpOfInterface(ec2, 'eni-2')).toBeUndefined();
    expect(new URLSearchParams(seen[0]?.body)).toEqual(
      new URLSearchParams({
        Action: 'DescribeNetworkInterfaces',
        Version: '2016-11-15',
        'NetworkInterfaceId.1': 'eni-1',
      }),
    );
    expect(seen[0]?.headers.authorization).toContain('/eu-central-1/ec2/aws4_request');
  });
});

describe('credentials outside Lambda', () => {
  it('falls back to the SDK’s chain (a profile) when the environment has no keys', async () => {
    // Given `valheim serve` on a laptop: a credentials file and a profile, no keys in the environment
    const dir = mkdtempSync(join(tmpdir(), 'valheim-creds-'));
    try {
      writeFileSync(
        join(dir, 'credentials'),
        '[gamer]\naws_access_key_id = AKIAPROFILEKEY\naws_secret_access_key = profile-secret\n',
      );
      writeFileSync(join(dir, 'config'), '[profile gamer]\nregion = eu-north-1\n');
      const env = {
        AWS_PROFILE: 'gamer',
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
        AWS_CONFIG_FILE: join(dir, 'config'),
        AWS_ENDPOINT_URL: url,
      };
      const saved = { ...process.env };
      // The SDK's chain reads process.env itself
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION'])
        delete process.env[name];
      Object.assign(process.env, env);
      try {
        const setup = resolveSetup(env);
        await getItem(new AwsClient(DYNAMODB, { env, setup: () => setup }));
        expect((await setup).source).toBe('sdk-chain');
      } finally {
        process.env = saved;
      }
      // Then the request is signed with the profile's key, for the profile's region
      expect(seen[0]?.headers.authorization).toContain('Credential=AKIAPROFILEKEY/');
      expect(seen[0]?.headers.authorization).toContain('/eu-north-1/dynamodb/');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The SDK signer's hash interface over node:crypto (what @smithy/hash-node does). */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret ? createHmac('sha256', Buffer.from(secret as ArrayBuffer)) : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}
