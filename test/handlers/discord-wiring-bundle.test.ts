import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bundleLambda } from '../../infra/bundling.js';
import { type FakeDiscord, startFakeDiscord } from '../cli/fake-discord.js';
import { type FakeApplicationState, fakeApplication } from '../cli/fake-discord-app.js';
import { fakeAwsEnv } from '../support/fake-aws-endpoint.js';

const APP = '123456789012345678';
const GUILD = '234567890123456789';
const TOKEN = 'bot-token-from-ssm';

/** A loopback SSM (JSON 1.1) that answers GetParameter with the token, and a recorder for CloudFormation. */
async function listen(handler: (body: string, target: string) => [number, string]) {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk;
    });
    req.on('end', () => {
      bodies.push(body);
      const [status, answer] = handler(body, String(req.headers['x-amz-target'] ?? ''));
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('Discord wiring custom resource (built bundle, as deployed)', () => {
  let outdir: string;
  let discord: FakeDiscord;
  let app: FakeApplicationState;
  let ssm: Awaited<ReturnType<typeof listen>>;
  let cloudFormation: Awaited<ReturnType<typeof listen>>;
  let handler: (event: CloudFormationCustomResourceEvent) => Promise<void>;

  beforeAll(async () => {
    // Given the handler bundled as the stack bundles it, SSM and Discord on loopback
    outdir = mkdtempSync(join(tmpdir(), 'valheim-wiring-bundle-'));
    bundleLambda({ entry: join(import.meta.dirname, '../../src/handlers/discord-wiring.ts'), outdir });
    discord = await startFakeDiscord();
    app = fakeApplication(discord, { applicationId: APP, botToken: TOKEN, verifyKey: 'ab'.repeat(32) });
    discord.reply('POST', '/discord', { status: 401 });
    ssm = await listen((_, target) =>
      target === 'AmazonSSM.GetParameter'
        ? [200, JSON.stringify({ Parameter: { Name: '/valheim-ondemand/discord-bot-token', Value: TOKEN } })]
        : [400, '{}'],
    );
    cloudFormation = await listen(() => [200, '']);
    vi.stubEnv('AWS_REGION', 'eu-central-1');
    for (const [key, value] of Object.entries(fakeAwsEnv(ssm.url))) vi.stubEnv(key, value);
    vi.stubEnv('DISCORD_API_URL', `${discord.apiUrl}/v10`);
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    handler = (await import(pathToFileURL(join(outdir, 'index.mjs')).href)).handler;
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await Promise.all([discord.close(), ssm.close(), cloudFormation.close()]);
    rmSync(outdir, { recursive: true, force: true });
  });

  it('reads the token from SSM, wires Discord and answers CloudFormation', async () => {
    // Given the bot is in the guild
    app.guilds.add(GUILD);
    const endpointUrl = `${discord.apiUrl.replace(/\/api$/, '')}/discord`;
    // When CloudFormation creates the resource
    await handler({
      RequestType: 'Create',
      ServiceToken: 'arn:aws:lambda:eu-central-1:111122223333:function:wiring',
      ResponseURL: `${cloudFormation.url}/response`,
      StackId: 'arn:aws:cloudformation:eu-central-1:111122223333:stack/valheim-ondemand/1',
      RequestId: 'req-1',
      LogicalResourceId: 'DiscordWiring',
      ResourceType: 'Custom::DiscordWiring',
      ResourceProperties: {
        ServiceToken: 'arn',
        ApplicationId: APP,
        GuildId: GUILD,
        EndpointUrl: endpointUrl,
        PublicKey: 'ab'.repeat(32),
        BotTokenParameter: '/valheim-ondemand/discord-bot-token',
      },
    });
    // Then the token was read decrypted, Discord wired, and CloudFormation told
    expect(JSON.parse(ssm.bodies[0] ?? '{}')).toEqual({
      Name: '/valheim-ondemand/discord-bot-token',
      WithDecryption: true,
    });
    expect(app.commands.get(GUILD)?.map((command) => command.name)).toEqual(['valheim']);
    expect(app.endpointUrl).toBe(endpointUrl);
    expect(JSON.parse(cloudFormation.bodies[0] ?? '{}')).toMatchObject({
      Status: 'SUCCESS',
      Data: {
        Status: `✓ commands: /valheim registered in Discord server ${GUILD} | ✓ endpoint: set to ${endpointUrl}`,
      },
    });
  });
});
