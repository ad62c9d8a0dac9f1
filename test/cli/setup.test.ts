import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { ECSClient } from '@aws-sdk/client-ecs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockAwsClient } from '../support/aws-mock.js';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SetupDeps, type SetupOptions, setup } from '../../src/cli/commands/setup.js';
import { errorLines } from '../../src/cli/errors.js';
import { createPrompter } from '../../src/cli/io.js';
import { type CliDeps, run } from '../../src/cli/program.js';
import { loadConfig } from '../../src/config/load.js';
import { botInviteUrl } from '../../src/discord/discord-errors.js';
import { closedPort, type FakeDiscord, startFakeDiscord } from './fake-discord.js';
import { awsError, BOT_TOKEN, type CapturedTerminal, captureTerminal, EXAMPLE_CONFIG } from './helpers.js';

const ssmMock = mockAwsClient(SSMClient);

const APP_ID = '123456789012345678';
const PUBLIC_KEY = EXAMPLE_CONFIG.discord.publicKey as string;
const GUILD_ID = '234567890123456789';
const ROLE_A = '345678901234567890';
const ROLE_B = '456789012345678901';
const CHANNEL_ID = '567890123456789012';
const SERVER_NAME = 'Vikings of the North';
const PASSWORD = 'skal-mead-2024';
const PUBLIC_KEY_HINT = 'Developer Portal → your app → General Information → Public Key (64 hex characters)';
const GUILD_HINT =
  'Discord → User Settings → Advanced → Developer Mode, then right-click the server → Copy Server ID';

const GUILDS_PATH = '/api/v10/users/@me/guilds?limit=200';
const GUILD_NAME = "Vikings' Hall";
/** Discord as the wizard's invite check sees it: by default the bot is in the server already. */
let discord: FakeDiscord;
beforeAll(async () => {
  discord = await startFakeDiscord();
});
afterAll(() => discord.close());

beforeEach(() => {
  ssmMock.reset();
  ssmMock.on(PutParameterCommand).resolves({ Version: 1, Tier: 'Standard' });
  discord.requests.length = 0;
  discord.reply('GET', GUILDS_PATH, { status: 200, body: [{ id: GUILD_ID, name: GUILD_NAME }] });
});

function tempConfig(): string {
  return join(mkdtempSync(join(tmpdir(), 'valheim-setup-')), 'valheim.config.json');
}

/** Scripted answers, taken in order by both kinds of prompt; records each question and whether it was hidden. */
function scripted(answers: readonly string[]) {
  const queue = [...answers];
  const asked: Array<{ question: string; hidden: boolean }> = [];
  const next = (hidden: boolean) => (question: string) => {
    asked.push({ question, hidden });
    const answer = queue.shift();
    return answer === undefined
      ? Promise.reject(new Error(`no scripted answer for "${question}"`))
      : Promise.resolve(answer);
  };
  return { asked, remaining: queue, promptLine: next(false), promptHidden: next(true) };
}

function deps(
  prompts: Pick<SetupDeps, 'promptLine' | 'promptHidden'>,
  env: NodeJS.ProcessEnv = {},
): SetupDeps & { term: CapturedTerminal } {
  return {
    env: { DISCORD_API_URL: discord.apiUrl, ...env },
    term: captureTerminal(),
    ssm: (region) => new SSMClient({ region }),
    localTimeZone: 'Europe/Berlin',
    ...prompts,
  };
}

/** Answers in the wizard's order; "" takes the default (or skips an optional question). */
const GOOD_ANSWERS = [
  '', // region → eu-central-1
  APP_ID,
  PUBLIC_KEY,
  GUILD_ID,
  BOT_TOKEN,
  '', // notice channel: none
  SERVER_NAME,
  '', // world → Dedicated
  PASSWORD,
  PASSWORD,
  `${ROLE_A}, ${ROLE_B}`,
  '', // time zone → Europe/Berlin
];

function storedValue(name: string): string | undefined {
  return ssmMock.commandCalls(PutParameterCommand).find((call) => call.args[0].input.Name === name)?.args[0]
    .input.Value;
}

describe('valheim setup (interactive)', () => {
  it('asks in order, writes only the non-default values, stores the secrets in SSM and prints the next steps', async () => {
    // Given the answers typed into an input stream, as a pipe or terminal would deliver them
    const file = tempConfig();
    const prompter = createPrompter(Readable.from([`${GOOD_ANSWERS.join('\n')}\n`]), new PassThrough());
    const d = deps({ promptLine: prompter.line, promptHidden: prompter.hidden });

    // When
    await setup({ config: file }, d);

    // Then the config holds the required values plus the ones that differ from the defaults
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      region: 'eu-central-1',
      timeZone: 'Europe/Berlin',
      server: { name: SERVER_NAME, world: 'Dedicated' },
      discord: {
        applicationId: APP_ID,
        publicKey: PUBLIC_KEY,
        guildId: GUILD_ID,
        operatorRoleIds: [ROLE_A, ROLE_B],
      },
    });
    // And it round-trips through loadConfig, defaults filled in
    const config = loadConfig(file);
    expect(config).toMatchObject({ stackName: 'valheim-ondemand', server: { public: true } });
    // And both secrets went to SSM as SecureStrings in the chosen region
    expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: '/valheim-ondemand/discord-bot-token',
      Value: BOT_TOKEN,
      Type: 'SecureString',
    });
    expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: '/valheim-ondemand/server-password',
      Value: PASSWORD,
      Type: 'SecureString',
    });
    expect(await ssmMock.call(0).thisValue.config.region()).toBe('eu-central-1');
    // And neither secret was ever printed
    expect(d.term.all()).not.toContain(BOT_TOKEN);
    expect(d.term.all()).not.toContain(PASSWORD);
    // And the bot was invited and seen in the server before the questions went on
    const err = d.term.stderr.join('\n');
    expect(err).toContain(`✓ The bot is in "${GUILD_NAME}".`);
    expect(err).not.toContain('oauth2/authorize'); // in the server already: nothing to invite
    // And a first setup does not speak of an "old" password
    expect(d.term.all()).not.toMatch(/old password/);
    expect(discord.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      `GET ${GUILDS_PATH}`,
    ]);
    expect(discord.requests[0]?.headers.authorization).toBe(`Bot ${BOT_TOKEN}`);
    // And the next steps, in the order that works: bootstrap, deploy, play
    const out = d.term.stdout.join('\n');
    expect(out).toMatch(
      /1\. VALHEIM_CONFIG=\S+ npx cdk bootstrap\n.*Once per AWS account and region \(eu-central-1\)/,
    );
    expect(out).toMatch(/2\. npm run deploy -- --config \S+\n.*cdk deploy.*no game is running/);
    expect(out).toMatch(/3\. Play: type \/valheim start in Discord/);
    expect(out).toContain('(if not: npx valheim discord wire)');
    expect(out).not.toContain('discord register');
    expect(out).not.toContain('oauth2/authorize');
  });

  it('asks the questions in the documented order, the secrets hidden', async () => {
    // Given / When
    const script = scripted(GOOD_ANSWERS);
    await setup({ config: tempConfig() }, deps(script));

    // Then
    expect(script.remaining).toEqual([]);
    expect(script.asked).toEqual([
      { question: 'AWS region [eu-central-1]: ', hidden: false },
      { question: 'Discord application ID: ', hidden: false },
      { question: 'Discord public key: ', hidden: false },
      { question: 'Discord server (guild) ID: ', hidden: false },
      { question: 'Discord bot token (input hidden): ', hidden: true },
      { question: 'Notice channel ID: ', hidden: false },
      { question: 'Server name: ', hidden: false },
      { question: 'World name [Dedicated]: ', hidden: false },
      { question: 'Server password (input hidden): ', hidden: true },
      { question: 'Repeat the server password: ', hidden: true },
      { question: 'Operator role IDs: ', hidden: false },
      { question: 'Time zone [Europe/Berlin]: ', hidden: false },
    ]);
  });

  it('offers AWS_REGION as the default region', async () => {
    const script = scripted(GOOD_ANSWERS);
    await setup({ config: tempConfig() }, deps(script, { AWS_REGION: 'us-west-2' }));
    expect(script.asked[0]?.question).toBe('AWS region [us-west-2]: ');
  });

  it('re-asks a bad public key and a bad guild ID, saying what is wrong and where to find the value', async () => {
    // Given a wrong public key, then a guild ID that is too short, then the application ID as guild ID
    const answers = [...GOOD_ANSWERS];
    answers.splice(2, 0, 'not-a-key');
    answers.splice(4, 0, '12345', APP_ID);
    const script = scripted(answers);
    const d = deps(script);

    // When
    await setup({ config: tempConfig() }, d);

    // Then each question was asked again after the explanation
    const questions = script.asked.map((entry) => entry.question);
    expect(questions.filter((q) => q === 'Discord public key: ')).toHaveLength(2);
    expect(questions.filter((q) => q === 'Discord server (guild) ID: ')).toHaveLength(3);
    const err = d.term.stderr;
    const keyProblem = err.findIndex((line) => line.includes('✗ "not-a-key" must be the 64 hex characters'));
    expect(keyProblem).toBeGreaterThan(-1);
    expect(err[keyProblem + 1]).toBe(`  ${PUBLIC_KEY_HINT}`);
    const guildProblem = err.findIndex((line) =>
      line.includes('✗ "12345" must be a Discord server (guild) ID of 17 to 20 digits'),
    );
    expect(guildProblem).toBeGreaterThan(-1);
    expect(err[guildProblem + 1]).toBe(`  ${GUILD_HINT}`);
    expect(err).toContain('  ✗ that is the application ID; the server (guild) ID is a different number');
    // And the good answers made it into the file
    expect(ssmMock).toHaveReceivedCommandTimes(PutParameterCommand, 2);
  });

  it('re-asks a wrong bot token and passwords Valheim would refuse; an empty password generates one, printed once', async () => {
    // Given the public key pasted as the token, a password inside the server name, two differing
    // passwords, then Enter for a generated password
    const answers = [...GOOD_ANSWERS];
    answers.splice(4, 1, PUBLIC_KEY, BOT_TOKEN);
    const passwordAt = answers.indexOf(PASSWORD);
    answers.splice(passwordAt, 2, 'north', PASSWORD, 'something-else', '');
    const script = scripted(answers);
    const d = deps(script);

    // When
    await setup({ config: tempConfig() }, d);

    // Then each problem was explained without quoting the secret
    const err = d.term.stderr.join('\n');
    expect(err).toContain('✗ that is the application public key, not the bot token');
    expect(err).toContain('✗ the server password must not be contained in the server name');
    expect(err).toContain('✗ the two passwords differ');
    expect(err).not.toContain('north');
    // And the generated password was stored and printed exactly once, on purpose
    const generated = storedValue('/valheim-ondemand/server-password') ?? '';
    expect(generated).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    const lines = d.term.all().split('\n');
    expect(lines.filter((line) => line.includes(generated))).toEqual([
      expect.stringMatching(/printed this once on purpose/),
    ]);
    expect(d.term.all()).not.toContain(BOT_TOKEN);
  });

  it('takes flags and environment secrets instead of asking', async () => {
    // Given everything but the server name as flags or environment
    const script = scripted([SERVER_NAME]);
    const d = deps(script, { VALHEIM_BOT_TOKEN: BOT_TOKEN, VALHEIM_SERVER_PASSWORD: PASSWORD });
    const options: SetupOptions = {
      config: tempConfig(),
      region: 'us-east-1',
      applicationId: APP_ID,
      publicKey: PUBLIC_KEY,
      guildId: GUILD_ID,
      noticeChannel: '',
      world: 'Midgard',
      operatorRole: [],
      timeZone: 'Etc/UTC',
    };

    // When
    await setup(options, d);

    // Then only the server name was asked, and the defaults stay out of the file
    expect(script.asked.map((entry) => entry.question)).toEqual(['Server name: ']);
    expect(JSON.parse(readFileSync(options.config, 'utf8'))).toEqual({
      region: 'us-east-1',
      server: { name: SERVER_NAME, world: 'Midgard' },
      discord: { applicationId: APP_ID, publicKey: PUBLIC_KEY, guildId: GUILD_ID },
    });
    expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, { Value: PASSWORD });
  });

  it('asks before overwriting an existing config, and keeps it unless told yes', async () => {
    // Given an existing file
    const file = tempConfig();
    writeFileSync(file, '{"keep": true}');

    // When the user says no / Then nothing is asked further and the file is untouched
    const no = scripted(['n']);
    const error = await setup({ config: file }, deps(no)).catch((e: unknown) => e);
    expect(errorLines(error, false)).toEqual([
      `valheim: kept the existing ${file} — run valheim setup --config FILE to write another file`,
    ]);
    expect(no.asked).toEqual([{ question: `${file} already exists. Overwrite it? [y/N]: `, hidden: false }]);
    expect(readFileSync(file, 'utf8')).toBe('{"keep": true}');

    // When the user says yes / Then it is replaced
    await setup({ config: file }, deps(scripted(['y', ...GOOD_ANSWERS])));
    expect(loadConfig(file).server.name).toBe(SERVER_NAME);
  });

  it('fails in one line when the input ends before every question is answered', async () => {
    // Given an input stream that stops after the application ID
    const prompter = createPrompter(Readable.from([`eu-west-1\n${APP_ID}\n`]), new PassThrough());
    const file = tempConfig();

    // When
    const error = await setup(
      { config: file },
      deps({ promptLine: prompter.line, promptHidden: prompter.hidden }),
    ).catch((e: unknown) => e);

    // Then nothing was written
    expect(errorLines(error, false)).toEqual([
      'valheim: the input ended before "Discord public key" was answered — run the command in a terminal, or pass the values as flags (see --help)',
    ]);
    expect(existsSync(file)).toBe(false);
    expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
  });

  it('when SSM refuses, says the config is written and how to store the secrets later, without echoing them', async () => {
    // Given SSM denies access, echoing the value
    ssmMock.on(PutParameterCommand).rejects(awsError('AccessDeniedException', `denied for ${BOT_TOKEN}`));
    const file = tempConfig();

    // When
    const error = await setup({ config: file }, deps(scripted(GOOD_ANSWERS))).catch((e: unknown) => e);

    // Then
    const lines = errorLines(error, false);
    expect(lines).toEqual([
      expect.stringMatching(
        /^valheim: AWS denied permission .* — .*ssm:PutParameter.*; .* is written already, so afterwards run only npx valheim secrets set --config /,
      ),
    ]);
    expect(lines[0]).not.toContain(BOT_TOKEN);
    expect(loadConfig(file).discord.guildId).toBe(GUILD_ID);
  });
});

/** GOOD_ANSWERS with extra answers right after the bot token (the invite step's prompts). */
function withInviteAnswers(...answers: string[]): string[] {
  const all = [...GOOD_ANSWERS];
  all.splice(GOOD_ANSWERS.indexOf(BOT_TOKEN) + 1, 0, ...answers);
  return all;
}

describe('valheim setup: inviting the bot', () => {
  it('waits until the bot is in the server, checking again at each Enter', async () => {
    // Given Discord lists no server for the bot twice, then the server
    discord.reply(
      'GET',
      GUILDS_PATH,
      { status: 200, body: [] },
      { status: 200, body: [{ id: '999999999999999999', name: 'Other' }] },
      { status: 200, body: [{ id: GUILD_ID, name: GUILD_NAME }] },
    );
    const script = scripted(withInviteAnswers('', ''));
    const d = deps(script);

    // When
    await setup({ config: tempConfig() }, d);

    // Then the user was asked to authorize, told once that the bot was still missing, and then it was seen
    const invitePrompts = script.asked.filter((entry) =>
      entry.question.startsWith('Press Enter once the bot'),
    );
    expect(invitePrompts).toHaveLength(2);
    const err = d.term.stderr;
    expect(err).toContain(`  ✗ the bot is not in server ${GUILD_ID} yet`);
    expect(err.filter((line) => line.includes(botInviteUrl(APP_ID)))).toHaveLength(1);
    expect(err.filter((line) => line.includes('✗ the bot is not in server'))).toHaveLength(1);
    expect(err.at(err.indexOf(`  ✓ The bot is in "${GUILD_NAME}".`) - 1)).not.toMatch(/✗/);
    expect(discord.requests).toHaveLength(3);
    expect(script.remaining).toEqual([]);
    // And the next steps start with the bootstrap: the invite is done
    expect(d.term.stdout.join('\n')).not.toContain('oauth2/authorize');
  });

  it('goes on after "skip" and puts the invite first in the next steps', async () => {
    // Given a bot that is not invited yet
    discord.reply('GET', GUILDS_PATH, { status: 200, body: [] });
    const d = deps(scripted(withInviteAnswers('skip')));
    // When
    await setup({ config: tempConfig() }, d);
    // Then
    const out = d.term.stdout.join('\n');
    expect(out).toMatch(/1\. Invite the bot .*\n\s+https:\/\/discord\.com\/oauth2\/authorize\?client_id=/);
    expect(out).toMatch(/2\. .*npx cdk bootstrap/);
  });

  it('says it could not check when Discord is unreachable, and goes on without waiting', async () => {
    // Given nothing listens where Discord should be
    const script = scripted(GOOD_ANSWERS);
    const d = deps(script, { DISCORD_API_URL: `http://127.0.0.1:${await closedPort()}/api` });
    // When
    await setup({ config: tempConfig() }, d);
    // Then one line says why, no extra question was asked, and the next steps still carry the invite
    expect(d.term.stderr).toContainEqual(
      expect.stringMatching(
        /^ {2}! Could not check that the bot arrived \(could not reach Discord at .* \(ECONNREFUSED\)\)/,
      ),
    );
    expect(script.remaining).toEqual([]);
    expect(d.term.stdout.join('\n')).toMatch(/1\. Invite the bot/);
  });

  it('asks for the token again when Discord rejects it', async () => {
    // Given Discord answers 401 to the first token
    discord.reply(
      'GET',
      GUILDS_PATH,
      { status: 401, body: { message: '401: Unauthorized', code: 0 } },
      { status: 200, body: [{ id: GUILD_ID, name: GUILD_NAME }] },
    );
    const stale = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.AbCdEf.stale_token-signature-part-0123456789';
    const answers = [...GOOD_ANSWERS];
    answers.splice(GOOD_ANSWERS.indexOf(BOT_TOKEN), 0, stale);
    const script = scripted(answers);
    const d = deps(script);
    // When
    await setup({ config: tempConfig() }, d);
    // Then the problem was named, and the second token is the one stored
    expect(d.term.stderr).toContain('  ✗ Discord rejected the bot token (401 Unauthorized)');
    // And no invite link came before the token was checked (the second one finds the bot in the server)
    expect(d.term.all()).not.toContain('oauth2/authorize');
    expect(storedValue('/valheim-ondemand/discord-bot-token')).toBe(BOT_TOKEN);
    expect(d.term.all()).not.toContain(stale);
  });

  it('re-asks a made-up region, listing the real ones', async () => {
    // Given
    const script = scripted(['eu-central-9', ...GOOD_ANSWERS]);
    const d = deps(script);
    // When
    await setup({ config: tempConfig() }, d);
    // Then
    expect(d.term.stderr).toContainEqual(
      expect.stringMatching(
        /^ {2}✗ "eu-central-9" is not an AWS region; use one of .*eu-central-1, eu-central-2,/,
      ),
    );
    expect(script.asked.filter((entry) => entry.question.startsWith('AWS region'))).toHaveLength(2);
  });
});

describe('valheim setup, run again', () => {
  /** A config as a user might have grown it: settings the wizard never asks about, and a notice channel. */
  function existingConfig(): { file: string; raw: Record<string, unknown> } {
    const file = tempConfig();
    const raw = {
      region: 'eu-central-1',
      timeZone: 'Europe/Berlin',
      server: { name: SERVER_NAME, world: 'Dedicated', crossplay: true, imageTag: '1.3.0' },
      task: { cpu: 2048, memoryMiB: 8192, spot: true },
      schedule: { start: ['Fri 19:00'], stop: ['Sat 02:00'] },
      dns: {
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
        zoneName: 'example.com',
        recordName: 'valheim.example.com',
      },
      tags: { owner: 'erik' },
      discord: {
        applicationId: APP_ID,
        publicKey: PUBLIC_KEY,
        guildId: GUILD_ID,
        noticeChannelId: CHANNEL_ID,
      },
    };
    writeFileSync(file, `${JSON.stringify(raw, null, 2)}\n`);
    loadConfig(file); // the fixture itself is a valid config
    return { file, raw };
  }
  /** Enter at every question: keep everything (token and password too). */
  const KEEP_ALL = ['', '', '', '', '', '', '', '', '', '', ''];

  it('offers the current values, keeps everything on Enter and writes nothing', async () => {
    // Given
    const { file, raw } = existingConfig();
    const before = readFileSync(file, 'utf8');
    const script = scripted(KEEP_ALL);
    const d = deps(script);
    // When
    await setup({ config: file }, d);
    // Then every question showed the current value, nothing was overwritten and no secret was written
    const questions = script.asked.map((entry) => entry.question);
    expect(questions).toContain('AWS region [eu-central-1]: ');
    expect(questions).toContain(`Discord application ID [${APP_ID}]: `);
    expect(questions).toContain(`Server name [${SERVER_NAME}]: `);
    expect(questions).toContain(`Notice channel ID [${CHANNEL_ID}]: `);
    expect(questions).toContain('Time zone [Europe/Berlin]: ');
    expect(questions.some((q) => q.includes('Overwrite'))).toBe(false);
    expect(script.remaining).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(JSON.parse(before)).toEqual(raw);
    expect(d.term.stdout).toContain(`No changes to ${file}.`);
    expect(d.term.stdout).toContain('Kept the bot token and the server password stored in SSM.');
    expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
  });

  it('shows what changes, asks, and keeps every setting it does not ask about', async () => {
    // Given a new server name, the notice channel removed, and the rest kept
    const { file, raw } = existingConfig();
    const answers = [...KEEP_ALL];
    answers[5] = 'none'; // notice channel
    answers[6] = 'Vikings of the South'; // server name
    answers.push('y'); // write these changes?
    const d = deps(scripted(answers));
    // When
    await setup({ config: file }, d);
    // Then the changes were listed before the question
    expect(d.term.stdout).toEqual(
      expect.arrayContaining([
        `Changes to ${file}:`,
        `  server.name: "${SERVER_NAME}" → "Vikings of the South"`,
        `  discord.noticeChannelId: "${CHANNEL_ID}" → (none)`,
      ]),
    );
    // And the file holds the change, with Spot, DNS, schedules, tags, crossplay and the image kept
    const written = JSON.parse(readFileSync(file, 'utf8'));
    const { noticeChannelId: _removed, ...discordKept } = raw.discord as Record<string, string>;
    expect(written).toEqual({
      ...raw,
      server: { ...(raw.server as object), name: 'Vikings of the South' },
      discord: discordKept,
    });
  });

  it('writes nothing when the changes are declined', async () => {
    const { file } = existingConfig();
    const before = readFileSync(file, 'utf8');
    const answers = [...KEEP_ALL];
    answers[6] = 'Vikings of the South';
    answers.push('n');
    const error = await setup({ config: file }, deps(scripted(answers))).catch((e: unknown) => e);
    expect(errorLines(error, false)).toEqual([
      `valheim: kept ${file} as it was, and stored no secret — run valheim setup again to change it`,
    ]);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
  });

  it('asks for the secrets again when the region changes (they are stored per region)', async () => {
    // Given a move to another region, then Enter at the token: not accepted, a token is required there
    const { file } = existingConfig();
    const answers = ['eu-west-2', '', '', '', '', BOT_TOKEN, '', '', '', PASSWORD, PASSWORD, '', '', 'y'];
    const script = scripted(answers);
    const d = deps(script);
    // When
    await setup({ config: file }, d);
    // Then
    expect(d.term.stderr).toContain('  ✗ an answer is required');
    expect(storedValue('/valheim-ondemand/discord-bot-token')).toBe(BOT_TOKEN);
    expect(await ssmMock.call(0).thisValue.config.region()).toBe('eu-west-2');
    expect(d.term.stdout).toContain('  region: "eu-central-1" → "eu-west-2"');
  });
});

describe('valheim setup --non-interactive (command line)', () => {
  function cliDeps(env: NodeJS.ProcessEnv): CliDeps & { term: CapturedTerminal } {
    const unexpected = () => Promise.reject(new Error('not expected'));
    return {
      env: { DISCORD_API_URL: discord.apiUrl, ...env },
      term: captureTerminal(),
      ssm: (region) => new SSMClient({ region }),
      ecs: (region) => new ECSClient({ region }),
      spawn: unexpected,
      stdinIsTTY: false,
      readStdin: unexpected,
      promptHidden: unexpected,
      promptLine: unexpected,
      untilShutdown: unexpected,
    };
  }

  const SECRETS = { VALHEIM_BOT_TOKEN: BOT_TOKEN, VALHEIM_SERVER_PASSWORD: PASSWORD };
  const REQUIRED = [
    '--application-id',
    APP_ID,
    '--public-key',
    PUBLIC_KEY,
    '--guild-id',
    GUILD_ID,
    '--server-name',
    SERVER_NAME,
  ];

  it('writes the config and the secrets from flags and environment, without asking', async () => {
    // Given every option as a flag, roles repeated and comma-separated, secrets in the environment
    const file = tempConfig();
    const d = cliDeps(SECRETS);

    // When
    const code = await run(
      [
        'setup',
        '--non-interactive',
        '--config',
        file,
        ...REQUIRED,
        '--region',
        'eu-north-1',
        '--world',
        'Midgard',
        '--operator-role',
        ROLE_A,
        '--operator-role',
        `${ROLE_B},${ROLE_A}`,
        '--notice-channel',
        CHANNEL_ID,
        '--stack-name',
        'vikings',
        '--time-zone',
        'America/New_York',
      ],
      d,
    );

    // Then
    expect(d.term.stderr).toEqual([]);
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      stackName: 'vikings',
      region: 'eu-north-1',
      timeZone: 'America/New_York',
      server: { name: SERVER_NAME, world: 'Midgard' },
      discord: {
        applicationId: APP_ID,
        publicKey: PUBLIC_KEY,
        guildId: GUILD_ID,
        operatorRoleIds: [ROLE_A, ROLE_B, ROLE_A],
        noticeChannelId: CHANNEL_ID,
      },
    });
    expect(storedValue('/vikings/discord-bot-token')).toBe(BOT_TOKEN);
    expect(storedValue('/vikings/server-password')).toBe(PASSWORD);
    expect(await ssmMock.call(0).thisValue.config.region()).toBe('eu-north-1');
    expect(d.term.all()).not.toContain(PASSWORD);
    // And the next steps name the non-default config file
    expect(d.term.stdout.join('\n')).toContain(`npm run deploy -- --config ${file}`);
  });

  it('generates the password with --generate-password', async () => {
    // Given / When
    const d = cliDeps({ VALHEIM_BOT_TOKEN: BOT_TOKEN });
    const code = await run(
      ['setup', '--non-interactive', '--config', tempConfig(), ...REQUIRED, '--generate-password'],
      d,
    );

    // Then
    expect(code).toBe(0);
    const generated = storedValue('/valheim-ondemand/server-password') ?? '';
    expect(generated).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    expect(d.term.stdout.filter((line) => line.includes(generated))).toHaveLength(1);
  });

  it('names the missing flag or variable in one line and writes nothing', async () => {
    // Given each required input left out in turn
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [
        REQUIRED.filter((_, i) => i !== 2 && i !== 3),
        SECRETS,
        /^valheim: --public-key is required with --non-interactive — Developer Portal → your app → General Information → Public Key \(64 hex characters\)$/,
      ],
      [REQUIRED.slice(0, 6), SECRETS, /^valheim: --server-name is required with --non-interactive — /],
      [REQUIRED, { VALHEIM_SERVER_PASSWORD: PASSWORD }, /^valheim: VALHEIM_BOT_TOKEN is not set \(required/],
      [
        REQUIRED,
        { VALHEIM_BOT_TOKEN: BOT_TOKEN },
        /VALHEIM_SERVER_PASSWORD is not set .* — .*--generate-password/,
      ],
      [
        [...REQUIRED, '--guild-id', '42'],
        SECRETS,
        /^valheim: --guild-id "42" must be a Discord server \(guild\) ID .* — Discord → User Settings → Advanced → Developer Mode/,
      ],
      [
        [...REQUIRED, '--time-zone', 'Mars/Olympus'],
        SECRETS,
        /^valheim: --time-zone "Mars\/Olympus" is not an IANA time zone/,
      ],
    ];
    for (const [flags, env, message] of cases) {
      const file = tempConfig();
      const d = cliDeps(env);

      // When
      const code = await run(['setup', '--non-interactive', '--config', file, ...flags], d);

      // Then
      expect(code).toBe(1);
      expect(d.term.stderr).toEqual([expect.stringMatching(message)]);
      expect(existsSync(file)).toBe(false);
    }
    expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
  });

  it('reports every problem of the flags and the environment in one run, before asking Discord anything', async () => {
    // Given a missing public key, a made-up region, a bad time zone and a password Valheim refuses
    const file = tempConfig();
    const d = cliDeps({ VALHEIM_BOT_TOKEN: BOT_TOKEN, VALHEIM_SERVER_PASSWORD: 'abc' });
    const flags = REQUIRED.filter((_, i) => i !== 2 && i !== 3);
    // When
    const code = await run(
      [
        'setup',
        '--non-interactive',
        '--config',
        file,
        ...flags,
        '--region',
        'Frankfurt',
        '--time-zone',
        'Mars/Olympus',
      ],
      d,
    );
    // Then one line per problem, the region with the list of real ones, and nothing sent or written
    expect(code).toBe(1);
    expect(d.term.stderr).toEqual([
      expect.stringMatching(/^valheim: --region "Frankfurt" .*; use one of .*eu-central-1, eu-central-2, /),
      expect.stringMatching(/^valheim: --public-key is required with --non-interactive — /),
      expect.stringMatching(
        /^valheim: VALHEIM_SERVER_PASSWORD: the server password must have at least 5 characters/,
      ),
      expect.stringMatching(/^valheim: --time-zone "Mars\/Olympus" is not an IANA time zone/),
    ]);
    expect(discord.requests).toEqual([]);
    expect(existsSync(file)).toBe(false);
    expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
  });

  it('takes the region from AWS_REGION when no --region is given', async () => {
    // Given AWS_REGION, as the AWS CLI and SDK would use it
    const file = tempConfig();
    const d = cliDeps({ ...SECRETS, AWS_REGION: 'eu-west-1' });
    // When
    const code = await run(['setup', '--non-interactive', '--config', file, ...REQUIRED], d);
    // Then
    expect(code).toBe(0);
    expect(loadConfig(file).region).toBe('eu-west-1');
    expect(await ssmMock.call(0).thisValue.config.region()).toBe('eu-west-1');
  });

  it('refuses to overwrite an existing config unless --force', async () => {
    // Given an existing file
    const file = tempConfig();
    writeFileSync(file, '{"keep": true}');

    // When / Then without --force
    const refused = cliDeps(SECRETS);
    expect(await run(['setup', '--non-interactive', '--config', file, ...REQUIRED], refused)).toBe(1);
    expect(refused.term.stderr).toEqual([
      `valheim: ${file} already exists — pass --force to overwrite it, or --config FILE to write another file`,
    ]);
    expect(readFileSync(file, 'utf8')).toBe('{"keep": true}');

    // When / Then with --force
    const forced = cliDeps(SECRETS);
    expect(await run(['setup', '--non-interactive', '--force', '--config', file, ...REQUIRED], forced)).toBe(
      0,
    );
    expect(loadConfig(file).discord.applicationId).toBe(APP_ID);
  });
});

describe('botInviteUrl', () => {
  it('asks for the bot and commands scopes with Send Messages only', () => {
    expect(botInviteUrl(APP_ID)).toBe(
      `https://discord.com/oauth2/authorize?client_id=${APP_ID}&scope=bot+applications.commands&permissions=2048`,
    );
  });
});
