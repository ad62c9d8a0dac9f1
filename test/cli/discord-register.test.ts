import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockAwsClient } from '../support/aws-mock.js';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerCommands } from '../../src/cli/commands/discord-register.js';
import { CliError } from '../../src/cli/errors.js';
import { guildCommands } from '../../src/discord/commands.js';
import { closedPort, type FakeDiscord, startFakeDiscord } from './fake-discord.js';
import { APPLICATION_ID, awsError, BOT_TOKEN, captureTerminal, GUILD_ID, writeConfig } from './helpers.js';

const ssmMock = mockAwsClient(SSMClient);
const COMMANDS_PATH = `/api/v10/applications/${APPLICATION_ID}/guilds/${GUILD_ID}/commands`;
const REGISTERED = guildCommands().map((command, index) => ({
  ...command,
  id: `99999999999999999${index}`,
  application_id: APPLICATION_ID,
  guild_id: GUILD_ID,
  version: '1',
}));

let discord: FakeDiscord;
let config: string;

beforeEach(async () => {
  ssmMock.reset();
  discord = await startFakeDiscord();
  config = writeConfig();
});
afterEach(async () => {
  await discord.close();
});

function register(env: NodeJS.ProcessEnv, term = captureTerminal()) {
  return registerCommands(
    { config },
    { env: { DISCORD_API_URL: discord.apiUrl, ...env }, term, ssm: (region) => new SSMClient({ region }) },
  );
}

describe('valheim discord register', () => {
  it('PUTs the shared command definitions to the guild route with the bot token from the environment', async () => {
    // Given Discord accepts the bulk overwrite
    discord.reply('PUT', COMMANDS_PATH, { status: 200, body: REGISTERED });
    const term = captureTerminal();

    // When registering with DISCORD_BOT_TOKEN set
    await register({ DISCORD_BOT_TOKEN: BOT_TOKEN }, term);

    // Then one PUT carried exactly guildCommands(), authenticated as the bot, with a DiscordBot user agent
    expect(discord.requests).toHaveLength(1);
    const [request] = discord.requests;
    expect(request?.method).toBe('PUT');
    expect(request?.path).toBe(COMMANDS_PATH);
    expect(request?.body).toEqual(guildCommands());
    expect(request?.headers.authorization).toBe(`Bot ${BOT_TOKEN}`);
    expect(request?.headers['user-agent']).toMatch(/^DiscordBot \(.+\)/);
    // And SSM was not asked, and the output names the commands but not the token
    expect(ssmMock).not.toHaveReceivedCommand(GetParameterCommand);
    expect(term.stdout.join('\n')).toContain('/valheim start|stop|status');
    expect(term.all()).not.toContain(BOT_TOKEN);
  });

  it('reads the bot token from SSM with decryption when DISCORD_BOT_TOKEN is not set', async () => {
    // Given the token stored by `valheim secrets set`
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: BOT_TOKEN } });
    discord.reply('PUT', COMMANDS_PATH, { status: 200, body: REGISTERED });

    // When registering without DISCORD_BOT_TOKEN
    await register({});

    // Then the SecureString was read decrypted from the stack's parameter and used as the bot token
    expect(ssmMock).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: '/valheim-ondemand/discord-bot-token',
      WithDecryption: true,
    });
    expect(await ssmMock.call(0).thisValue.config.region()).toBe('eu-central-1');
    expect(discord.requests[0]?.headers.authorization).toBe(`Bot ${BOT_TOKEN}`);
  });

  it('tells the user to run secrets set when no token is stored', async () => {
    // Given no parameter in SSM
    ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));

    // When registering / Then one line explains the fix, and Discord was never called
    await expect(register({})).rejects.toThrow(/no bot token is stored in SSM .* — run valheim secrets set/);
    expect(discord.requests).toHaveLength(0);
  });

  it('says an SSM or KMS refusal to read the token as such, never "no bot token"', async () => {
    // Given the token is stored, but reading or decrypting it is refused
    for (const [failure, said] of [
      [
        awsError('AccessDeniedException', 'User: x is not authorized to perform: ssm:GetParameter'),
        /^AWS denied permission to read the bot token from SSM in eu-central-1 — .*ssm:GetParameter/,
      ],
      [
        awsError(
          'AccessDeniedException',
          'User: x is not authorized to perform: kms:Decrypt on resource: key',
        ),
        /^the KMS key of the SecureString refused .* — your AWS identity needs kms:Encrypt and kms:Decrypt/,
      ],
      [
        awsError('KMSAccessDeniedException', 'Access denied to the key'),
        /^the KMS key of the SecureString refused \(KMSAccessDeniedException/,
      ],
    ] as const) {
      ssmMock.on(GetParameterCommand).rejects(failure);
      // When
      const error = await register({}).catch((e: unknown) => e);
      // Then
      expect((error as Error).message).toMatch(said);
      expect((error as Error).message).not.toMatch(/no bot token/);
    }
    expect(discord.requests).toHaveLength(0);
  });

  it('maps missing AWS credentials to one line with the fix', async () => {
    // Given no AWS credentials
    ssmMock
      .on(GetParameterCommand)
      .rejects(awsError('CredentialsProviderError', 'Could not load credentials'));

    // When registering / Then
    await expect(register({})).rejects.toThrow(/configure AWS credentials \(aws configure \/ AWS_PROFILE\)/);
  });

  it('waits out a 429 with Retry-After and then succeeds (handled by @discordjs/rest)', async () => {
    // Given Discord rate-limits the first attempt for 0.3 s
    discord.reply(
      'PUT',
      COMMANDS_PATH,
      {
        status: 429,
        headers: { 'retry-after': '0.3' },
        body: { message: 'You are being rate limited.', retry_after: 0.3, global: false },
      },
      { status: 200, body: REGISTERED },
    );

    // When registering
    await register({ DISCORD_BOT_TOKEN: BOT_TOKEN });

    // Then the same request was retried after the advertised delay
    expect(discord.requests).toHaveLength(2);
    const [first, second] = discord.requests;
    expect(second?.body).toEqual(first?.body);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(280);
  });

  it.each([
    [
      401,
      { message: '401: Unauthorized', code: 0 },
      /bot token rejected by Discord .* — .*valheim secrets set/,
    ],
    [
      403,
      { message: 'Missing Access', code: 50001 },
      /^the bot is not in Discord server 234567890123456789, so Discord refused to register the commands \(403, code 50001: Missing Access\) — invite it: https:\/\/discord\.com\/oauth2\/authorize\?client_id=123456789012345678&scope=bot\+applications\.commands.*, then run valheim discord register again$/,
    ],
    [
      403,
      { message: 'You are not authorized to perform this action on this application', code: 20012 },
      /^the bot token is another application's, not 123456789012345678's \(403, code 20012: .*\) — store the bot token of application 123456789012345678/,
    ],
    [
      404,
      { message: 'Unknown Guild', code: 10004 },
      /^Discord knows no server 234567890123456789 \(404, code 10004: Unknown Guild\) — check discord\.guildId/,
    ],
  ])('maps HTTP %i to one line with the fix', async (status, body, expected) => {
    // Given Discord refuses the registration
    discord.reply('PUT', COMMANDS_PATH, { status, body });

    // When registering / Then the error is a single line naming the fix
    const error = await register({ DISCORD_BOT_TOKEN: BOT_TOKEN }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toMatch(expected);
    expect((error as CliError).message).not.toContain('\n');
    expect((error as CliError).message).not.toContain(BOT_TOKEN);
  });

  it('reports an unreachable Discord in one line naming DISCORD_API_URL', async () => {
    // Given nothing listens at the API URL
    const port = await closedPort();

    // When registering / Then
    await expect(
      register({ DISCORD_BOT_TOKEN: BOT_TOKEN, DISCORD_API_URL: `http://127.0.0.1:${port}/api` }),
    ).rejects.toThrow(
      new RegExp(`could not reach Discord at http://127\\.0\\.0\\.1:${port}/api .*DISCORD_API_URL`),
    );
  });
});
