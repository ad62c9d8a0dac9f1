import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockAwsClient } from '../support/aws-mock.js';
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

const cloudFormation = mockAwsClient(CloudFormationClient);
const ssm = mockAwsClient(SSMClient);
/** The secret last segment of Discord's route, as the deploy stores it in SSM. */
const SEGMENT = '5ec7e7'.padEnd(40, '0');

let discord: FakeDiscord;
let app: FakeApplicationState;
let endpointUrl: string;
let config: string;

beforeEach(async () => {
  cloudFormation.reset();
  ssm.reset();
  discord = await startFakeDiscord();
  app = fakeApplication(discord, {
    applicationId: APPLICATION_ID,
    botToken: BOT_TOKEN,
    verifyKey: EXAMPLE_CONFIG.discord.publicKey as string,
  });
  // The stack's endpoint: the fake answers an unsigned POST with 401, as the verifying Lambda does.
  endpointUrl = `${discord.apiUrl.replace(/\/api$/, '')}/discord/${SEGMENT}`;
  discord.reply('POST', `/discord/${SEGMENT}`, { status: 401 });
  ssm
    .on(GetParameterCommand, { Name: '/valheim-ondemand/discord-endpoint-path', WithDecryption: true })
    .resolves({ Parameter: { Value: SEGMENT } });
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'valheim-ondemand',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: [{ OutputKey: 'DiscordApiUrl', OutputValue: `${discord.apiUrl.replace(/\/api$/, '')}/` }],
      },
    ],
  });
  config = writeConfig();
});
afterEach(() => discord.close());

/** The endpoint as the CLI prints it. */
const shown = () => endpointUrl.replace(SEGMENT, `…${SEGMENT.slice(-4)}`);

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
      `✓ endpoint: set to ${shown()}`,
    ]);
    // The whole URL (secret segment included) went to Discord; the terminal shows it cut
    expect(app.endpointUrl).toBe(endpointUrl);
    expect(term.all()).not.toContain(SEGMENT);
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
      `✓ endpoint: already set to ${shown()}`,
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

  it('says how to get the secret path when the deploy has not stored it', async () => {
    // Given a stack deployed before this version (or a deleted parameter)
    ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
    // When
    const { code, term } = await wire();
    // Then
    expect(code).toBe(1);
    expect(term.stderr).toEqual([
      'valheim: /valheim-ondemand/discord-endpoint-path, the secret part of the endpoint URL, is missing — deploy again (npx valheim deploy): the deploy makes it',
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
