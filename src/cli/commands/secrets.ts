import { randomInt as cryptoRandomInt } from 'node:crypto';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { Command, Option } from 'commander';
import { loadConfig } from '../../config/load.js';
import { secretParameterNames } from '../../config/parameters.js';
import type { CommandContext } from '../command-context.js';
import { awsFailure, CliError } from '../errors.js';
import type { Terminal } from '../io.js';

/** Which secret `--only` restricts the command to. */
export const SECRET_KINDS = ['bot-token', 'server-password'] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

export interface SecretsSetOptions {
  /** Path of valheim.config.json (region, stack name, server name). */
  readonly config: string;
  /** Generate a strong, easy-to-type server password and print it once. */
  readonly generatePassword?: boolean;
  /** Read the server password from stdin. */
  readonly passwordStdin?: boolean;
  /** Read the bot token from stdin. */
  readonly botTokenStdin?: boolean;
  /** Set only this secret. */
  readonly only?: SecretKind;
}

export interface SecretsDeps {
  /** VALHEIM_BOT_TOKEN and VALHEIM_SERVER_PASSWORD are read from here. */
  readonly env: NodeJS.ProcessEnv;
  readonly term: Terminal;
  readonly ssm: (region: string) => SSMClient;
  /** Whether stdin is a terminal (prompts are only shown then). */
  readonly interactive: boolean;
  readonly readStdin: () => Promise<string>;
  /** Asks a question without echoing the answer. */
  readonly promptHidden: (question: string) => Promise<string>;
  readonly randomInt?: (max: number) => number;
}

/** Letters and digits without the look-alikes 0/o and 1/l: 32 symbols, 5 bits each. */
export const PASSWORD_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const PASSWORD_GROUPS = 4;
const PASSWORD_GROUP_LENGTH = 4;
/** Valheim refuses shorter passwords. */
export const MIN_PASSWORD_LENGTH = 5;

const BOT_TOKEN_HINT = 'copy it from the Discord Developer Portal → your application → Bot → Reset Token';

/**
 * A password players can type: four groups of four from PASSWORD_ALPHABET joined by "-" (80 bits),
 * never contained in the server name (Valheim refuses that).
 */
export function generatePassword(
  serverName: string,
  randomInt: (max: number) => number = cryptoRandomInt,
): string {
  for (;;) {
    const groups = Array.from({ length: PASSWORD_GROUPS }, () =>
      Array.from(
        { length: PASSWORD_GROUP_LENGTH },
        () => PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)],
      ).join(''),
    );
    const password = groups.join('-');
    if (passwordProblem(password, serverName) === undefined) return password;
  }
}

/** Why Valheim would refuse this password, or undefined when it is fine. Never quotes the password. */
export function passwordProblem(password: string, serverName: string): CliError | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return new CliError(
      `the server password must have at least ${MIN_PASSWORD_LENGTH} characters (Valheim refuses shorter ones)`,
      'choose a longer one, or pass --generate-password',
    );
  }
  if (serverName.toLowerCase().includes(password.toLowerCase())) {
    return new CliError(
      'the server password must not be contained in the server name (server.name in the config); Valheim refuses to start otherwise',
      'choose another one, or pass --generate-password',
    );
  }
  return undefined;
}

/** Why this is not a bot token, or undefined when it has a token's shape. Never quotes the value. */
export function botTokenProblem(token: string): CliError | undefined {
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return undefined;
  if (/^[0-9a-fA-F]{64}$/.test(token)) {
    return new CliError('that is the application public key, not the bot token', BOT_TOKEN_HINT);
  }
  if (/^[A-Za-z0-9_-]{32}$/.test(token)) {
    return new CliError('that looks like the OAuth2 client secret, not the bot token', BOT_TOKEN_HINT);
  }
  return new CliError(
    'the bot token does not look like one (three dot-separated parts of letters, digits, "-" and "_")',
    BOT_TOKEN_HINT,
  );
}

/** Writes the bot token and/or the server password as SSM SecureStrings, where the stack reads them. */
export async function setSecrets(options: SecretsSetOptions, deps: SecretsDeps): Promise<void> {
  checkFlags(options);
  const config = loadConfig(options.config);
  const names = secretParameterNames(config.stackName);
  const wantToken = options.only !== 'server-password';
  const wantPassword = options.only !== 'bot-token';

  // Gather and validate everything before writing anything, so a mistake never leaves one secret half-updated.
  const token = wantToken ? await readBotToken(options, deps) : undefined;
  if (token !== undefined) {
    const problem = botTokenProblem(token);
    if (problem) throw problem;
  }
  let generated = false;
  let password: string | undefined;
  if (wantPassword) {
    const given = await readPassword(options, deps, config.server.name);
    generated = given === undefined;
    password = given ?? generatePassword(config.server.name, deps.randomInt);
    const problem = passwordProblem(password, config.server.name);
    if (problem) throw problem;
  }

  const ssm = deps.ssm(config.region);
  const secrets = [token, password].filter((value): value is string => value !== undefined);
  /** Writes one SecureString; resolves with its new version (1: there was none before). */
  const put = async (name: string, value: string, description: string): Promise<number | undefined> => {
    try {
      const written = await ssm.send(
        new PutParameterCommand({
          Name: name,
          Value: value,
          Type: 'SecureString',
          Overwrite: true,
          Tier: 'Standard',
          Description: description,
        }),
      );
      return written.Version;
    } catch (error) {
      throw awsFailure(error, {
        action: `write ${name} to SSM`,
        permission: `ssm:PutParameter on arn:aws:ssm:${config.region}:<account>:parameter/${config.stackName}/*`,
        region: config.region,
        secrets,
      });
    }
  };

  if (token !== undefined) {
    await put(
      names.botToken,
      token,
      `Discord bot token for ${config.stackName} (written by valheim secrets set)`,
    );
    deps.term.out(`Stored the Discord bot token in SSM: ${names.botToken} (SecureString, ${config.region}).`);
  }
  if (password !== undefined) {
    const version = await put(
      names.serverPassword,
      password,
      `Valheim server password for ${config.stackName}`,
    );
    deps.term.out(
      `Stored the server password in SSM: ${names.serverPassword} (SecureString, ${config.region}).`,
    );
    if (generated) {
      deps.term.out(
        `Generated server password (printed this once on purpose, so you can share it with your players; it is kept only in SSM): ${password}`,
      );
    }
    // Only a replaced password can be "old": version 1 is the first one this parameter ever held.
    if (version !== 1) {
      deps.term.out(
        'A running server keeps its old password until it restarts (/valheim stop, then /valheim start).',
      );
    }
  }
}

function checkFlags(options: SecretsSetOptions): void {
  if (options.only === 'bot-token' && (options.generatePassword || options.passwordStdin)) {
    throw new CliError(
      '--only bot-token cannot be combined with --generate-password or --password-stdin',
      'drop one of them',
    );
  }
  if (options.only === 'server-password' && options.botTokenStdin) {
    throw new CliError(
      '--only server-password cannot be combined with --bot-token-stdin',
      'drop one of them',
    );
  }
  if (options.generatePassword && options.passwordStdin) {
    throw new CliError(
      '--generate-password and --password-stdin contradict each other',
      'pass only one of them',
    );
  }
  if (options.botTokenStdin && options.passwordStdin) {
    throw new CliError(
      '--bot-token-stdin and --password-stdin cannot both read stdin',
      'set one at a time with --only, or pass the other in VALHEIM_BOT_TOKEN / VALHEIM_SERVER_PASSWORD',
    );
  }
}

async function readBotToken(options: SecretsSetOptions, deps: SecretsDeps): Promise<string> {
  let token: string | undefined;
  if (options.botTokenStdin) token = (await deps.readStdin()).trim();
  else if (deps.env.VALHEIM_BOT_TOKEN?.trim()) token = deps.env.VALHEIM_BOT_TOKEN.trim();
  else if (deps.interactive) return askBotToken(deps);
  else {
    throw new CliError(
      'no bot token given and stdin is not a terminal',
      'set VALHEIM_BOT_TOKEN, pipe it with --bot-token-stdin, or pass --only server-password',
    );
  }
  if (!token) throw new CliError('the bot token is empty', BOT_TOKEN_HINT);
  return token.replace(/^Bot\s+/i, '');
}

/** The password the user gave, or undefined when one should be generated. */
async function readPassword(
  options: SecretsSetOptions,
  deps: SecretsDeps,
  serverName: string,
): Promise<string | undefined> {
  if (options.generatePassword) return undefined;
  if (options.passwordStdin) return requireValue((await deps.readStdin()).trim());
  const fromEnv = deps.env.VALHEIM_SERVER_PASSWORD?.trim();
  if (fromEnv) return fromEnv;
  if (!deps.interactive) {
    throw new CliError(
      'no server password given and stdin is not a terminal',
      'set VALHEIM_SERVER_PASSWORD, pipe it with --password-stdin, pass --generate-password, or pass --only bot-token',
    );
  }
  return askPassword(deps, serverName);
}

/** On a terminal a wrong answer is asked again, saying what was wrong (as the setup wizard does). */
async function askBotToken(deps: SecretsDeps): Promise<string> {
  for (;;) {
    const token = (
      await deps.promptHidden('Discord bot token (Developer Portal → Bot → Reset Token; input hidden): ')
    )
      .trim()
      .replace(/^Bot\s+/i, '');
    const problem =
      token === '' ? new CliError('the bot token is empty', BOT_TOKEN_HINT) : botTokenProblem(token);
    if (!problem) return token;
    reask(deps, problem);
  }
}

async function askPassword(deps: SecretsDeps, serverName: string): Promise<string | undefined> {
  for (;;) {
    const first = (
      await deps.promptHidden(
        `Server password (at least ${MIN_PASSWORD_LENGTH} characters, not part of the server name; empty = generate one): `,
      )
    ).trim();
    if (!first) return undefined;
    const problem = passwordProblem(first, serverName);
    if (problem) {
      reask(deps, problem);
      continue;
    }
    const again = (await deps.promptHidden('Repeat the server password: ')).trim();
    if (again === first) return first;
    reask(deps, new CliError('the two passwords differ', 'type the same password twice'));
  }
}

function reask(deps: SecretsDeps, problem: CliError): void {
  deps.term.err(`  ✗ ${problem.problem}`);
  deps.term.err(`  ${problem.fix}`);
}

function requireValue(password: string): string {
  if (!password) {
    throw new CliError(
      'the server password from stdin is empty',
      'pipe a password, or pass --generate-password',
    );
  }
  return password;
}

/** What `valheim secrets` gets from the CLI: whether stdin is a terminal decides if it prompts. */
export type SecretsCommandDeps = Omit<SecretsDeps, 'interactive'> & { readonly stdinIsTTY: boolean };

/** `valheim secrets` and its subcommands. */
export function secretsCommand({ deps, configOption }: CommandContext<SecretsCommandDeps>): Command {
  const secrets = new Command('secrets').description('Manage the secrets stored in SSM Parameter Store');
  secrets
    .command('set')
    .description('Store the Discord bot token and the server password as SSM SecureStrings')
    .addOption(configOption())
    .option('--generate-password', 'generate a strong, easy-to-type server password and print it once')
    .option('--password-stdin', 'read the server password from stdin')
    .option('--bot-token-stdin', 'read the bot token from stdin')
    .addOption(new Option('--only <secret>', 'set only this secret').choices(SECRET_KINDS))
    .addHelpText(
      'after',
      `
Without flags it prompts (input hidden) when run in a terminal. Non-interactive sources:
  VALHEIM_BOT_TOKEN        the Discord bot token (Developer Portal → Bot → Reset Token)
  VALHEIM_SERVER_PASSWORD  the server password (at least 5 characters, not part of the server name)`,
    )
    .action(async (options: SecretsSetOptions) => {
      await setSecrets(options, {
        env: deps.env,
        term: deps.term,
        ssm: deps.ssm,
        interactive: deps.stdinIsTTY,
        readStdin: deps.readStdin,
        promptHidden: deps.promptHidden,
      });
    });
  return secrets;
}
