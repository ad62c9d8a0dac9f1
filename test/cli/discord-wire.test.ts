import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { type FakeDiscord, startFakeDiscord } from './fake-discord.js';
import { type FakeApplicationState, fakeApplication } from './fake-discord-app.js';
import {
  APPLICATION_ID,
  awsError,
  BOT_TOKEN,
  cliDeps,
  EXAMPLE_CONFIG,
  GUILD_ID,
  writeConfig,
} from './helpers.js';

const cloudFormation = mockClient(CloudFormationClient);

let discord: FakeDiscord;
let app: FakeApplicationState;
let endpointUrl: string;
let config: string;

beforeEach(async () => {
  cloudFormation.reset();
  discord = await startFakeDiscord();
  app = fakeApplication(discord, {
    applicationId: APPLICATION_ID,
    botToken: BOT_TOKEN,
    verifyKey: EXAMPLE_CONFIG.discord.publicKey as string,
  });
  // The stack's endpoint: the fake answers an unsigned POST with 401, as the verifying Lambda does.
  endpointUrl = `${discord.apiUrl.replace(/\/api$/, '')}/discord`;
  discord.reply('POST', '/discord', { status: 401 });
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'valheim-ondemand',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: [{ OutputKey: 'DiscordEndpointUrl', OutputValue: endpointUrl }],
      },
    ],
  });
  config = writeConfig();
});
afterEach(() => discord.close());

function wire(...args: string[]) {
  const deps = cliDeps({ DISCORD_API_URL: discord.apiUrl, DISCORD_BOT_TOKEN: BOT_TOKEN });
  return run(['discord', 'wire', '--config', config, ...args], deps).then((code) => ({
    code,
    term: deps.term,
  }));
}

describe('valheim discord wire', () => {
  it('before the invite: prints each step, sets the endpoint anyway and exits 1 with the invite link', async () => {
    // Given the bot is not in the guild / When
    const { code, term } = await wire();
    // Then
    expect(code).toBe(1);
    expect(term.stdout).toEqual([
      expect.stringMatching(
        /^✗ commands: the bot is not in Discord server \d+, .* — invite it: https:\/\/discord\.com\/oauth2\/authorize\?client_id=/,
      ),
      `✓ endpoint: set to ${endpointUrl}`,
    ]);
    expect(app.endpointUrl).toBe(endpointUrl);
    expect(cloudFormation).toHaveReceivedCommandWith(DescribeStacksCommand, {
      StackName: 'valheim-ondemand',
    });
  });

  it('after the invite: registers the commands, finds the endpoint already set, exits 0', async () => {
    // Given the bot was invited and the endpoint set by the deploy
    app.guilds.add(GUILD_ID);
    app.endpointUrl = endpointUrl;
    // When
    const { code, term } = await wire();
    // Then
    expect(code).toBe(0);
    expect(term.stdout).toEqual([
      `✓ commands: /valheim registered in Discord server ${GUILD_ID}`,
      `✓ endpoint: already set to ${endpointUrl}`,
      expect.stringMatching(
        /^Discord is wired: type \/valheim in your server\. \(The stack output DiscordSetup keeps/,
      ),
    ]);
    expect(app.commands.get(GUILD_ID)).toHaveLength(1);
    expect(term.all()).not.toContain(BOT_TOKEN);
  });

  it('says the stack is not deployed when CloudFormation does not know it', async () => {
    // Given
    cloudFormation
      .on(DescribeStacksCommand)
      .rejects(awsError('ValidationError', 'Stack with id valheim-ondemand does not exist'));
    // When
    const { code, term } = await wire();
    // Then
    expect(code).toBe(1);
    expect(term.stderr).toEqual([
      'valheim: the stack valheim-ondemand is not deployed in eu-central-1 — deploy it first (npx valheim deploy), or pass the endpoint with --url',
    ]);
    expect(discord.requests).toHaveLength(0);
  });

  it('takes --url instead of the stack output, checked like discord endpoint', async () => {
    // When / Then an http URL is refused before anything is asked
    const refused = await wire('--url', 'http://example.com/discord');
    expect(refused.code).toBe(1);
    expect(refused.term.stderr[0]).toMatch(/only calls https:\/\//);
    expect(cloudFormation).not.toHaveReceivedCommand(DescribeStacksCommand);
  });
});
