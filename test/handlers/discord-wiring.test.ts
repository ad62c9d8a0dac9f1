import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { guildCommands } from '../../src/discord/commands.js';
import { handler } from '../../src/handlers/discord-wiring.js';
import { type FakeDiscord, startFakeDiscord } from '../cli/fake-discord.js';

const APP = '123456789012345678';
const GUILD = '234567890123456789';
const ssm = mockClient(SSMClient);

/** A loopback HTTP server that records bodies and answers with a fixed status. */
async function recorder(status: number) {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk;
    });
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('Discord wiring custom resource', () => {
  let discord: FakeDiscord;
  let cloudFormation: Awaited<ReturnType<typeof recorder>>;
  let endpoint: Awaited<ReturnType<typeof recorder>>;

  beforeAll(async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    [discord, cloudFormation, endpoint] = await Promise.all([
      startFakeDiscord(),
      recorder(200),
      recorder(401),
    ]);
  });
  afterAll(async () => {
    await Promise.all([discord.close(), cloudFormation.close(), endpoint.close()]);
  });
  beforeEach(() => {
    ssm.reset();
    discord.requests.length = 0;
    cloudFormation.bodies.length = 0;
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'bot-token' } });
    discord.reply('PUT', `/api/v10/applications/${APP}/guilds/${GUILD}/commands`, { status: 200, body: [] });
    discord.reply('PATCH', '/api/v10/applications/@me', { status: 200, body: {} });
  });

  function event(type: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent {
    return {
      RequestType: type,
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
        EndpointUrl: `${endpoint.url}/discord`,
        BotTokenParameter: '/valheim-ondemand/discord-bot-token',
        DiscordApiUrl: `${discord.apiUrl}/v10`,
      },
      ...(type !== 'Create' && { PhysicalResourceId: 'discord-wiring', OldResourceProperties: {} }),
    } as CloudFormationCustomResourceEvent;
  }

  const response = () => JSON.parse(cloudFormation.bodies.at(-1) ?? '{}');

  it('registers the commands, sets the endpoint once it answers, and reports success', async () => {
    await handler(event('Create'));
    const [put, patch] = discord.requests;
    expect(put?.method).toBe('PUT');
    expect(put?.body).toEqual(guildCommands());
    expect(put?.headers.authorization).toBe('Bot bot-token');
    expect(patch?.body).toEqual({ interactions_endpoint_url: `${endpoint.url}/discord` });
    expect(endpoint.bodies.length).toBeGreaterThan(0);
    expect(response()).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'discord-wiring',
      RequestId: 'req-1',
    });
    expect(response().Data.Status).toContain('commands registered');
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { WithDecryption: true });
  });

  it('keeps the stack healthy and names the fallback when Discord rejects the token', async () => {
    discord.reply('PUT', `/api/v10/applications/${APP}/guilds/${GUILD}/commands`, {
      status: 401,
      body: { message: '401: Unauthorized' },
    });
    await handler(event('Update'));
    expect(response().Status).toBe('SUCCESS');
    expect(response().Data.Status).toMatch(/bot token was rejected.*npx valheim discord register/);
    expect(discord.requests.some((r) => r.method === 'PATCH')).toBe(false);
  });

  it('explains a failed endpoint check', async () => {
    discord.reply('PATCH', '/api/v10/applications/@me', { status: 400, body: { message: 'invalid url' } });
    await handler(event('Update'));
    expect(response().Data.Status).toContain('could not verify the endpoint');
  });

  it('says what to do when no bot token is stored', async () => {
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('missing'), { name: 'ParameterNotFound' }));
    await handler(event('Create'));
    expect(response().Status).toBe('SUCCESS');
    expect(response().Data.Status).toContain('npx valheim secrets set');
    expect(discord.requests).toHaveLength(0);
  });

  it('does nothing to Discord on delete, and still answers CloudFormation', async () => {
    await handler(event('Delete'));
    expect(discord.requests).toHaveLength(0);
    expect(response().Status).toBe('SUCCESS');
  });
});
