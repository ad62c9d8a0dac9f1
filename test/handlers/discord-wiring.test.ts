import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { mockAwsClient } from '../support/aws-mock.js';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { guildCommands } from '../../src/discord/commands.js';
import { DISCORD_API } from '../../src/discord/rest-client.js';
import { discordApiBase, handler } from '../../src/handlers/discord-wiring.js';
import { type FakeDiscord, startFakeDiscord } from '../cli/fake-discord.js';
import { type FakeApplicationState, fakeApplication } from '../cli/fake-discord-app.js';

const APP = '123456789012345678';
const GUILD = '234567890123456789';
const OTHER_GUILD = '456789012345678901';
const PUBLIC_KEY = 'ab'.repeat(32);
const TOKEN = 'bot-token';
const ssm = mockAwsClient(SSMClient);

/** A loopback HTTP server that records bodies and answers with the given statuses in turn (the last repeats). */
async function recorder(...statuses: number[]) {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk;
    });
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(statuses.length > 1 ? (statuses.shift() as number) : (statuses[0] ?? 200)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('Discord wiring custom resource', () => {
  let discord: FakeDiscord;
  let app: FakeApplicationState;
  let cloudFormation: Awaited<ReturnType<typeof recorder>>;
  let endpoint: Awaited<ReturnType<typeof recorder>>;
  let endpointUrl: string;

  beforeAll(async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    endpoint = await recorder(401);
    endpointUrl = `${endpoint.url}/discord`;
  });
  afterAll(async () => {
    await endpoint.close();
  });
  beforeEach(async () => {
    ssm.reset();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: TOKEN } });
    discord = await startFakeDiscord();
    cloudFormation = await recorder(200);
    app = fakeApplication(discord, { applicationId: APP, botToken: TOKEN, verifyKey: PUBLIC_KEY });
    vi.stubEnv('DISCORD_API_URL', `${discord.apiUrl}/v10`);
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await Promise.all([discord.close(), cloudFormation.close()]);
  });

  function properties(overrides: Record<string, string> = {}) {
    return {
      ServiceToken: 'arn:aws:lambda:eu-central-1:111122223333:function:wiring',
      ApplicationId: APP,
      GuildId: GUILD,
      EndpointUrl: endpointUrl,
      PublicKey: PUBLIC_KEY,
      BotTokenParameter: '/valheim-ondemand/discord-bot-token',
      CommandsHash: 'abc',
      DeployRun: new Date().toISOString(),
      ...overrides,
    };
  }

  function event(
    type: 'Create' | 'Update' | 'Delete',
    props = properties(),
    old = properties(),
  ): CloudFormationCustomResourceEvent {
    return {
      RequestType: type,
      ServiceToken: props.ServiceToken,
      ResponseURL: `${cloudFormation.url}/response`,
      StackId: 'arn:aws:cloudformation:eu-central-1:111122223333:stack/valheim-ondemand/1',
      RequestId: `req-${type}`,
      LogicalResourceId: 'DiscordWiring',
      ResourceType: 'Custom::DiscordWiring',
      ResourceProperties: props,
      ...(type !== 'Create' && { PhysicalResourceId: 'discord-wiring' }),
      ...(type === 'Update' && { OldResourceProperties: old }),
    } as CloudFormationCustomResourceEvent;
  }

  const response = () => JSON.parse(cloudFormation.bodies.at(-1) ?? '{}');
  const status = (): string => response().Data.Status;

  it('deploy before invite: the commands fail with the invite link, the endpoint is set anyway', async () => {
    // Given the bot is not in the guild yet (the README's order: deploy, then invite)
    // When the stack is created
    await handler(event('Create'));

    // Then CloudFormation hears SUCCESS, and each step reports its own outcome
    expect(response()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'discord-wiring' });
    expect(status()).toMatch(
      /^✗ commands: the bot is not in Discord server 234567890123456789.*403, code 50001.* — invite it: https:\/\/discord\.com\/oauth2\/authorize\?client_id=123456789012345678.* \| ✓ endpoint: set to /,
    );
    expect(app.endpointUrl).toBe(endpointUrl);
    expect(app.commands.get(GUILD)).toBeUndefined();
  });

  it('invite, redeploy: the next run registers the commands and says so', async () => {
    // Given a first deploy before the invite
    await handler(event('Create'));
    // When the bot is invited and the stack redeployed (a new DeployRun value, nothing else changed)
    app.guilds.add(GUILD);
    await handler(event('Update', properties({ DeployRun: 'second deploy' })));

    // Then the commands are registered and DiscordSetup is the latest run's, all ✓
    expect(app.commands.get(GUILD)?.map((command) => command.name)).toEqual(['valheim']);
    expect(discord.requests.find((r) => r.method === 'PUT')?.body).toEqual(guildCommands());
    expect(status()).toBe(
      `✓ commands: /valheim registered in Discord server ${GUILD} | ✓ endpoint: already set to ${endpointUrl}`,
    );
    // And the unchanged endpoint URL was not PATCHed again (Discord would re-validate it every deploy)
    expect(discord.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('a wrong public key fails the endpoint step with that cause; fixing it and redeploying wires it', async () => {
    // Given the config's public key is not the application's
    app.guilds.add(GUILD);
    await handler(event('Create', properties({ PublicKey: 'cd'.repeat(32) })));
    expect(status()).toMatch(/✓ commands: .* \| ✗ endpoint: discord\.publicKey .* not the public key/);
    expect(app.endpointUrl).toBeUndefined();

    // When the key is fixed and the stack redeployed
    await handler(event('Update', properties(), properties({ PublicKey: 'cd'.repeat(32) })));

    // Then the endpoint is set
    expect(app.endpointUrl).toBe(endpointUrl);
    expect(status()).toContain(`✓ endpoint: set to ${endpointUrl}`);
  });

  it('a guild change registers in the new guild and removes /valheim from the old one', async () => {
    // Given the commands were registered in the old guild
    app.guilds.add(GUILD).add(OTHER_GUILD);
    await handler(event('Create'));
    // When the config moves to another guild
    await handler(event('Update', properties({ GuildId: OTHER_GUILD }), properties()));
    // Then
    expect(app.commands.get(GUILD)).toEqual([]);
    expect(app.commands.get(OTHER_GUILD)?.map((command) => command.name)).toEqual(['valheim']);
    expect(status()).toContain(`✓ old guild: /valheim removed from Discord server ${GUILD}`);
  });

  it('delete removes /valheim from the guild and clears the endpoint URL that points at this stack', async () => {
    // Given a wired stack
    app.guilds.add(GUILD);
    await handler(event('Create'));
    // When the stack is deleted
    await handler(event('Delete'));
    // Then
    expect(app.commands.get(GUILD)).toEqual([]);
    expect(app.endpointUrl).toBeUndefined();
    expect(discord.requests.at(-1)?.body).toEqual({ interactions_endpoint_url: null });
    expect(response().Status).toBe('SUCCESS');
    expect(status()).toMatch(/✓ commands: \/valheim removed .* \| ✓ endpoint: cleared/);
  });

  it('delete leaves an endpoint URL that points at another deployment alone', async () => {
    // Given the application now points at another stack
    app.guilds.add(GUILD);
    app.endpointUrl = 'https://other.example.com/discord';
    // When / Then
    await handler(event('Delete'));
    expect(app.endpointUrl).toBe('https://other.example.com/discord');
    expect(status()).toContain('✓ endpoint: left alone: it points at https://other.example.com/discord');
  });

  it('delete still answers SUCCESS when Discord fails, and says what to remove by hand', async () => {
    // Given Discord rejects the token
    app.botToken = 'rotated';
    // When / Then
    await handler(event('Delete'));
    expect(response().Status).toBe('SUCCESS');
    expect(status()).toMatch(/✗ commands: Discord rejected the bot token .* — remove \/valheim by hand/);
  });

  it.each([
    [
      'ParameterNotFound',
      'not found',
      /✗ commands: no bot token is stored in \/valheim-ondemand\/discord-bot-token — store it with "npx valheim secrets set --only bot-token"/,
    ],
    [
      'AccessDeniedException',
      'not authorized to perform ssm:GetParameter',
      /may not read \/valheim-ondemand\/discord-bot-token \(AccessDeniedException/,
    ],
    ['InvalidKeyId', 'KMS key is disabled', /cannot be decrypted \(InvalidKeyId/],
  ])(
    'names the real cause when SSM answers %s, and calls no Discord API',
    async (name, message, expected) => {
      // Given reading the token fails this way
      ssm.on(GetParameterCommand).rejects(Object.assign(new Error(message), { name }));
      // When
      await handler(event('Create'));
      // Then
      expect(response().Status).toBe('SUCCESS');
      expect(status()).toMatch(expected);
      expect(status()).toContain('✗ endpoint:');
      expect(discord.requests).toHaveLength(0);
      expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { WithDecryption: true });
    },
  );

  it('says "another application" for a token of another application (403 code 20012), not "invite"', async () => {
    // Given the stored token is another application's
    const other = fakeApplication(discord, {
      applicationId: '999999999999999999',
      botToken: TOKEN,
      verifyKey: PUBLIC_KEY,
    });
    other.guilds.add(GUILD);
    // When
    await handler(event('Create'));
    // Then both steps name the token as the cause
    expect(status()).toMatch(/✗ commands: the bot token is another application's.*code 20012/);
    expect(status()).toMatch(/✗ endpoint: the bot token belongs to application 999999999999999999/);
    expect(status()).not.toContain('invite');
  });

  it('sends the token only to Discord: an API URL in the event is ignored', async () => {
    // Given an event that names another API URL (as anyone able to invoke the function could)
    const elsewhere = await recorder(200);
    app.guilds.add(GUILD);
    // When
    await handler(event('Create', { ...properties(), DiscordApiUrl: `${elsewhere.url}/api/v10` } as never));
    await elsewhere.close();
    // Then nothing went there, and the fake (the loopback override in the function's environment) was used
    expect(elsewhere.bodies).toHaveLength(0);
    expect(app.commands.get(GUILD)).toHaveLength(1);
  });

  it('uses discord.com unless the environment names a loopback URL', () => {
    expect(discordApiBase({})).toBe(DISCORD_API);
    expect(discordApiBase({ DISCORD_API_URL: 'https://attacker.example.com/api/v10' })).toBe(DISCORD_API);
    expect(discordApiBase({ DISCORD_API_URL: 'http://127.0.0.1:9999/api/v10' })).toBe(
      'http://127.0.0.1:9999/api/v10',
    );
  });

  it('answers CloudFormation before its deadline when Discord hangs', async () => {
    // Given a Discord that accepts connections and never answers, and 1.5 s left before the Lambda's timeout
    const hung = createServer(() => {});
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    vi.stubEnv('DISCORD_API_URL', `http://127.0.0.1:${(hung.address() as AddressInfo).port}/api/v10`);
    const context = { getRemainingTimeInMillis: () => 11_500 } as Context;
    // When
    const started = Date.now();
    await handler(event('Create'), context);
    hung.closeAllConnections();
    hung.close();
    // Then it answered SUCCESS within the budget, saying it timed out
    expect(Date.now() - started).toBeLessThan(4000);
    expect(response().Status).toBe('SUCCESS');
    expect(status()).toMatch(/✗ wiring: Discord did not finish answering within 2 s/);
  });

  it('retries the answer to CloudFormation when the first PUT fails', async () => {
    // Given the response URL fails once
    await cloudFormation.close();
    cloudFormation = await recorder(500, 200);
    app.guilds.add(GUILD);
    // When
    await handler(event('Create'));
    // Then it was sent again, with the same body
    expect(cloudFormation.bodies).toHaveLength(2);
    expect(cloudFormation.bodies[1]).toBe(cloudFormation.bodies[0]);
  });
});
