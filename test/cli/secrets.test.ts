import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockAwsClient } from '../support/aws-mock.js';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  botTokenProblem,
  generatePassword,
  PASSWORD_ALPHABET,
  passwordProblem,
  type SecretsDeps,
  type SecretsSetOptions,
  setSecrets,
} from '../../src/cli/commands/secrets.js';
import { errorLines } from '../../src/cli/errors.js';
import { awsError, BOT_TOKEN, type CapturedTerminal, captureTerminal, writeConfig } from './helpers.js';

const ssmMock = mockAwsClient(SSMClient);
const SERVER_NAME = 'Vikings of the North';
const PASSWORD = 'skal-mead-2024';
const NAMES = {
  botToken: '/valheim-ondemand/discord-bot-token',
  serverPassword: '/valheim-ondemand/server-password',
};

beforeEach(() => {
  ssmMock.reset();
  ssmMock.on(PutParameterCommand).resolves({ Version: 1, Tier: 'Standard' });
});

function deps(
  overrides: Partial<SecretsDeps> & { term?: CapturedTerminal } = {},
): SecretsDeps & { term: CapturedTerminal } {
  return {
    env: {},
    term: captureTerminal(),
    ssm: (region) => new SSMClient({ region }),
    interactive: false,
    readStdin: () => Promise.reject(new Error('stdin not expected')),
    promptHidden: () => Promise.reject(new Error('prompt not expected')),
    ...overrides,
  };
}

function set(options: Partial<SecretsSetOptions>, d: SecretsDeps) {
  return setSecrets({ config: writeConfig(), ...options }, d);
}

describe('valheim secrets set', () => {
  it('writes both secrets as Standard SecureStrings with Overwrite, from the environment, without printing them', async () => {
    // Given both secrets in the environment
    const d = deps({ env: { VALHEIM_BOT_TOKEN: BOT_TOKEN, VALHEIM_SERVER_PASSWORD: PASSWORD } });

    // When setting them
    await set({}, d);

    // Then each went to its parameter, encrypted, overwriting, in the configured region
    expect(ssmMock).toHaveReceivedCommandTimes(PutParameterCommand, 2);
    expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: NAMES.botToken,
      Value: BOT_TOKEN,
      Type: 'SecureString',
      Overwrite: true,
      Tier: 'Standard',
    });
    expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: NAMES.serverPassword,
      Value: PASSWORD,
      Type: 'SecureString',
      Overwrite: true,
      Tier: 'Standard',
    });
    expect(await ssmMock.call(0).thisValue.config.region()).toBe('eu-central-1');
    // And the output names the parameters but never the values
    expect(d.term.stdout.join('\n')).toContain(NAMES.botToken);
    expect(d.term.all()).not.toContain(BOT_TOKEN);
    expect(d.term.all()).not.toContain(PASSWORD);
  });

  it('says a running server keeps the old password only when there was an old one', async () => {
    // Given the first password this parameter ever holds (version 1), then a replacement (version 2)
    const first = deps({ env: { VALHEIM_SERVER_PASSWORD: PASSWORD } });
    await set({ only: 'server-password' }, first);
    ssmMock.on(PutParameterCommand).resolves({ Version: 2, Tier: 'Standard' });
    const second = deps({ env: { VALHEIM_SERVER_PASSWORD: PASSWORD } });
    await set({ only: 'server-password' }, second);
    // Then
    expect(first.term.all()).not.toMatch(/old password/);
    expect(second.term.stdout).toContain(
      'A running server keeps its old password until it restarts (/valheim stop, then /valheim start).',
    );
  });

  it('prints a generated password exactly once, saying why', async () => {
    // Given --generate-password and only the password
    const d = deps();

    // When
    await set({ generatePassword: true, only: 'server-password' }, d);

    // Then the stored value is printed once, on a line explaining it is shown on purpose
    expect(ssmMock).toHaveReceivedCommandTimes(PutParameterCommand, 1);
    const stored = ssmMock.commandCalls(PutParameterCommand)[0]?.args[0].input.Value ?? '';
    expect(stored).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    const lines = d.term
      .all()
      .split('\n')
      .filter((line) => line.includes(stored));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/printed this once on purpose.*share it with your players/);
    expect(d.term.stderr).toEqual([]);
  });

  it('reads the bot token from stdin with --bot-token-stdin and sets it alone with --only', async () => {
    // Given the token piped in with a trailing newline
    const d = deps({ readStdin: () => Promise.resolve(`${BOT_TOKEN}\n`) });

    // When
    await set({ botTokenStdin: true, only: 'bot-token' }, d);

    // Then only the token parameter was written, trimmed
    expect(ssmMock).toHaveReceivedCommandTimes(PutParameterCommand, 1);
    expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: NAMES.botToken,
      Value: BOT_TOKEN,
    });
    expect(d.term.all()).not.toContain(BOT_TOKEN);
  });

  it('prompts with hidden input on a terminal and asks for the password twice', async () => {
    // Given an interactive terminal where the user types a token and a password twice
    const answers = [BOT_TOKEN, PASSWORD, PASSWORD];
    const promptHidden = vi.fn((_question: string) => Promise.resolve(answers.shift() ?? ''));
    const d = deps({ interactive: true, promptHidden });

    // When
    await set({}, d);

    // Then three hidden prompts were shown and both values stored, never echoed
    expect(promptHidden).toHaveBeenCalledTimes(3);
    expect(promptHidden.mock.calls[0]?.[0]).toMatch(/bot token.*hidden/i);
    expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: NAMES.serverPassword,
      Value: PASSWORD,
    });
    expect(d.term.all()).not.toContain(PASSWORD);
  });

  it('refuses a password Valheim would refuse, naming the rule and writing nothing', async () => {
    // Given passwords that are too short or part of the server name
    for (const [password, rule] of [
      ['abc', /at least 5 characters/],
      ['north', /must not be contained in the server name/],
    ] as const) {
      const d = deps({ env: { VALHEIM_BOT_TOKEN: BOT_TOKEN, VALHEIM_SERVER_PASSWORD: password } });

      // When / Then nothing is stored (not even the valid token) and the message never quotes the password
      const error = await set({}, d).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(rule);
      expect((error as Error).message).not.toContain(password);
    }
    expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
  });

  it('refuses something that is not a bot token, with a hint where to find it', async () => {
    // Given the public key pasted instead of the token
    const d = deps({ env: { VALHEIM_BOT_TOKEN: 'a'.repeat(64) }, interactive: false });

    // When / Then
    await expect(set({ only: 'bot-token' }, d)).rejects.toThrow(
      /public key, not the bot token — .*Bot → Reset Token/,
    );
    expect(botTokenProblem('not-a-token')?.message).toMatch(/three dot-separated parts/);
    expect(botTokenProblem(BOT_TOKEN)).toBeUndefined();
    expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
  });

  it('without a terminal or input, says how to pass the secrets', async () => {
    // Given nothing in the environment and no terminal / When / Then
    await expect(set({}, deps())).rejects.toThrow(
      /no bot token given .* — set VALHEIM_BOT_TOKEN, pipe it with --bot-token-stdin/,
    );
    await expect(set({ only: 'server-password' }, deps())).rejects.toThrow(
      /VALHEIM_SERVER_PASSWORD.*--generate-password/,
    );
  });

  it('rejects contradictory flags', async () => {
    // Given / When / Then
    await expect(set({ only: 'bot-token', generatePassword: true }, deps())).rejects.toThrow(
      /--only bot-token cannot/,
    );
    await expect(set({ botTokenStdin: true, passwordStdin: true }, deps())).rejects.toThrow(
      /both read stdin/,
    );
  });

  it('maps AWS failures to one line with the fix, never echoing the secret', async () => {
    // Given SSM refuses, with a message that echoes the value
    ssmMock
      .on(PutParameterCommand)
      .rejects(awsError('AccessDeniedException', `not authorized to put ${BOT_TOKEN}`));
    const d = deps({ env: { VALHEIM_BOT_TOKEN: BOT_TOKEN } });

    // When
    const error = await set({ only: 'bot-token' }, d).catch((e: unknown) => e);

    // Then
    const lines = errorLines(error, false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^valheim: AWS denied permission .* — your AWS identity needs ssm:PutParameter/);
    expect(lines[0]).not.toContain(BOT_TOKEN);

    // And missing credentials say how to configure them
    ssmMock
      .on(PutParameterCommand)
      .rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    await expect(set({ only: 'bot-token' }, d)).rejects.toThrow(
      /no AWS credentials found.* — configure AWS credentials \(aws configure \/ AWS_PROFILE\)/,
    );
  });

  it('names a KMS refusal as such, not as a missing secret or an SSM permission', async () => {
    // Given SSM cannot use the key that encrypts SecureStrings
    for (const failure of [
      awsError('KMSDisabledException', 'arn:aws:kms:eu-central-1:111122223333:key/abc is disabled.'),
      awsError('AccessDeniedException', 'User: x is not authorized to perform: kms:Encrypt on resource: key'),
    ]) {
      ssmMock.on(PutParameterCommand).rejects(failure);
      // When
      const error = await set({ only: 'bot-token' }, deps({ env: { VALHEIM_BOT_TOKEN: BOT_TOKEN } })).catch(
        (e: unknown) => e,
      );
      // Then
      expect((error as Error).message).toMatch(
        /^the KMS key of the SecureString refused \((KMSDisabledException|AccessDeniedException): .*\), so could not write \/valheim-ondemand\/discord-bot-token to SSM — your AWS identity needs kms:Encrypt and kms:Decrypt/,
      );
    }
  });

  it('asks again on a terminal after a bad bot token or password, saying what was wrong', async () => {
    // Given a user who first pastes the public key, then a token; then a short password, a password
    // contained in the server name, two different ones, and finally the same twice
    const answers = [
      'a'.repeat(64),
      BOT_TOKEN,
      'abc',
      'north',
      PASSWORD,
      'something-else',
      PASSWORD,
      PASSWORD,
    ];
    const promptHidden = vi.fn((_question: string) => Promise.resolve(answers.shift() ?? ''));
    const d = deps({ interactive: true, promptHidden });
    // When
    await set({}, d);
    // Then each mistake was named once and the valid answers were stored
    expect(d.term.stderr.filter((line) => line.startsWith('  ✗ '))).toEqual([
      '  ✗ that is the application public key, not the bot token',
      '  ✗ the server password must have at least 5 characters (Valheim refuses shorter ones)',
      expect.stringMatching(/^ {2}✗ the server password must not be contained in the server name/),
      '  ✗ the two passwords differ',
    ]);
    expect(answers).toEqual([]);
    expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: NAMES.botToken,
      Value: BOT_TOKEN,
    });
    expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: NAMES.serverPassword,
      Value: PASSWORD,
    });
    expect(d.term.all()).not.toContain(PASSWORD);
  });

  it('explains a missing config file', async () => {
    // Given a path with no file / When / Then
    const error = await setSecrets({ config: '/nonexistent/valheim.config.json' }, deps()).catch(
      (e: unknown) => e,
    );
    expect(errorLines(error, false)).toEqual([
      expect.stringMatching(
        /^valheim: \/nonexistent\/valheim\.config\.json: not found; .*valheim\.config\.example\.json/,
      ),
    ]);
  });
});

describe('generatePassword', () => {
  it('makes four groups of four unambiguous characters with at least 80 bits of entropy', () => {
    // Given / When many passwords
    const passwords = Array.from({ length: 200 }, () => generatePassword(SERVER_NAME));

    // Then each has the shape, only unambiguous characters, and they differ
    for (const password of passwords) {
      expect(password).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
      expect(password).not.toMatch(/[0o1l]/);
      expect(passwordProblem(password, SERVER_NAME)).toBeUndefined();
    }
    expect(new Set(passwords).size).toBe(passwords.length);
    expect(new Set(PASSWORD_ALPHABET).size).toBe(PASSWORD_ALPHABET.length);
    expect(16 * Math.log2(PASSWORD_ALPHABET.length)).toBeGreaterThanOrEqual(80);
  });

  it('never returns a password contained in the server name', () => {
    // Given a server name containing what the first draw produces ("aaaa-aaaa-aaaa-aaaa")
    const serverName = 'aaaa-aaaa-aaaa-aaaa world';
    let draws = 0;
    const randomInt = (max: number) => (draws++ < 16 ? 0 : (draws * 7) % max);

    // When
    const password = generatePassword(serverName, randomInt);

    // Then the first draw was discarded
    expect(draws).toBe(32);
    expect(serverName).not.toContain(password);
  });
});
