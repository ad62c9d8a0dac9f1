import { existsSync, writeFileSync } from 'node:fs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { Command } from 'commander';
import type { z } from 'zod';
import { DEFAULT_CONFIG_FILE, loadConfig, parseConfig } from '../../config/load.js';
import { configSchema, discordSchema, serverSchema, type ValheimConfigInput } from '../../config/schema.js';
import { type CommandContext, collect } from '../command-context.js';
import { CliError } from '../errors.js';
import type { Terminal } from '../io.js';
import { botTokenProblem, MIN_PASSWORD_LENGTH, passwordProblem, setSecrets } from './secrets.js';

export interface SetupOptions {
  /** Where to write the config. */
  readonly config: string;
  /** Overwrite an existing config file. */
  readonly force?: boolean;
  /** Never ask: take everything from flags and the environment (CI). */
  readonly nonInteractive?: boolean;
  readonly region?: string;
  readonly applicationId?: string;
  readonly publicKey?: string;
  readonly guildId?: string;
  readonly noticeChannel?: string;
  readonly serverName?: string;
  readonly world?: string;
  /** Repeatable; each may also hold several IDs separated by commas. */
  readonly operatorRole?: readonly string[];
  readonly timeZone?: string;
  readonly stackName?: string;
  /** Generate the server password (printed once) instead of reading VALHEIM_SERVER_PASSWORD or asking. */
  readonly generatePassword?: boolean;
}

export interface SetupDeps {
  /** VALHEIM_BOT_TOKEN and VALHEIM_SERVER_PASSWORD are read from here. */
  readonly env: NodeJS.ProcessEnv;
  readonly term: Terminal;
  readonly ssm: (region: string) => SSMClient;
  /** Asks a question and returns the typed line. */
  readonly promptLine: (question: string) => Promise<string>;
  /** Asks a question without echoing the answer. */
  readonly promptHidden: (question: string) => Promise<string>;
  readonly randomInt?: (max: number) => number;
  /** The time zone offered as the default. @default - this machine's (Intl) */
  readonly localTimeZone?: string;
}

export const DEFAULT_REGION = 'eu-central-1';
export const DEFAULT_WORLD = 'Dedicated';

/** The bot's invite link: bot + slash commands, with Send Messages (2048) for notices. */
export function inviteUrl(applicationId: string): string {
  return `https://discord.com/oauth2/authorize?client_id=${applicationId}&scope=bot+applications.commands&permissions=2048`;
}

type Parsed<T> = { readonly value: T } | { readonly problem: string };

/** One answer: where it comes from as a flag, how it is asked, where to find it, how it is checked. */
interface Question<T> {
  readonly flag: string;
  readonly label: string;
  /** Where to find the value; shown before asking and again after a wrong answer. */
  readonly hint: string;
  readonly defaultValue?: string;
  /** An empty answer means "none" (the value is undefined). */
  readonly optional?: boolean;
  readonly parse: (text: string) => Parsed<T>;
}

const DEVELOPER_MODE = 'Discord → User Settings → Advanced → Developer Mode';

/** Checks one field with the config schema's own rule, so the wizard and the config cannot disagree. */
function bySchema<T>(schema: z.ZodType<T>): (text: string) => Parsed<T> {
  return (text) => {
    const result = schema.safeParse(text);
    if (result.success) return { value: result.data };
    return { problem: `"${text}" ${result.error.issues[0]?.message ?? 'is not valid'}` };
  };
}

function roleIds(text: string): Parsed<string[]> {
  const ids = text.split(/[\s,]+/).filter(Boolean);
  const result = discordSchema.shape.operatorRoleIds.safeParse(ids);
  if (result.success) return { value: result.data };
  const issue = result.error.issues[0];
  const bad = typeof issue?.path[0] === 'number' ? ids[issue.path[0]] : text;
  return { problem: `"${bad}" ${issue?.message ?? 'is not valid'}` };
}

const QUESTIONS = {
  region: {
    flag: '--region',
    label: 'AWS region',
    hint: 'the AWS region code to run the server in, near your players, e.g. eu-central-1 (Frankfurt), eu-west-2 (London), us-east-1 (N. Virginia)',
    defaultValue: DEFAULT_REGION,
    parse: bySchema(configSchema.shape.region),
  },
  applicationId: {
    flag: '--application-id',
    label: 'Discord application ID',
    hint: 'Developer Portal (https://discord.com/developers/applications) → your app → General Information → Application ID (17 to 20 digits)',
    parse: bySchema(discordSchema.shape.applicationId),
  },
  publicKey: {
    flag: '--public-key',
    label: 'Discord public key',
    hint: 'Developer Portal → your app → General Information → Public Key (64 hex characters)',
    parse: bySchema(discordSchema.shape.publicKey),
  },
  guildId: {
    flag: '--guild-id',
    label: 'Discord server (guild) ID',
    hint: `${DEVELOPER_MODE}, then right-click the server → Copy Server ID`,
    parse: bySchema(discordSchema.shape.guildId),
  },
  noticeChannel: {
    flag: '--notice-channel',
    label: 'Notice channel ID',
    hint: `the channel for notices such as "ready", idle warnings and stops (Enter for none): ${DEVELOPER_MODE}, then right-click the channel → Copy Channel ID`,
    optional: true,
    parse: bySchema(discordSchema.shape.noticeChannelId.unwrap()),
  },
  serverName: {
    flag: '--server-name',
    label: 'Server name',
    hint: "the name in Valheim's server browser, 3 to 64 characters",
    parse: bySchema(serverSchema.shape.name),
  },
  world: {
    flag: '--world',
    label: 'World name',
    hint: 'the world file name (letters, digits, "_" and "-"): an existing world of that name is loaded, otherwise a new one is generated',
    defaultValue: DEFAULT_WORLD,
    parse: bySchema(serverSchema.shape.world),
  },
  operatorRole: {
    flag: '--operator-role',
    label: 'Operator role IDs',
    hint: `roles allowed to start and stop the server, separated by commas (Enter = every member may): ${DEVELOPER_MODE}, then Server Settings → Roles → right-click a role → Copy Role ID`,
    optional: true,
    parse: roleIds,
  },
  timeZone: {
    flag: '--time-zone',
    label: 'Time zone',
    hint: 'an IANA time zone such as Europe/Berlin or America/New_York, for schedules, backups and the server clock',
    parse: bySchema(configSchema.shape.timeZone),
  },
  stackName: {
    flag: '--stack-name',
    label: 'Stack name',
    hint: 'the CloudFormation stack name, also the prefix of the SSM parameters (letters, digits and "-", starting with a letter)',
    parse: bySchema(configSchema.shape.stackName),
  },
} satisfies Record<string, Question<unknown>>;

const BOT_TOKEN_WHERE = 'Developer Portal → your app → Bot → Reset Token';
const PASSWORD_HINT = `the password players type to join: at least ${MIN_PASSWORD_LENGTH} characters, not part of the server name (Enter = generate one, printed once at the end)`;

interface Context {
  readonly interactive: boolean;
  readonly deps: SetupDeps;
}

type PasswordChoice = { readonly generate: true } | { readonly generate: false; readonly password: string };

/**
 * `valheim setup`: asks for (or, with --non-interactive, reads from flags and the environment) everything the
 * config needs, checks each answer with the config schema's rule at once, writes the config with only the
 * non-default values, stores the bot token and the server password in SSM, and prints the next steps.
 */
export async function setup(options: SetupOptions, deps: SetupDeps): Promise<void> {
  const context: Context = { interactive: !options.nonInteractive, deps };
  const file = options.config;
  const { term } = deps;

  // Before any question, so nobody answers eleven of them to learn the file is in the way.
  const overwrite = await mayOverwrite(file, options.force === true, context);
  if (context.interactive) {
    term.err(
      'valheim setup: each answer is checked as you go; nothing is written before the last one (Ctrl-C cancels).',
    );
  }

  const stackName =
    options.stackName === undefined ? undefined : fromFlag(QUESTIONS.stackName, options.stackName);
  const region = await answer(QUESTIONS.region, options.region, context);
  const applicationId = await answer(QUESTIONS.applicationId, options.applicationId, context);
  const publicKey = await answer(QUESTIONS.publicKey, options.publicKey, context);
  const guildId = await answer(
    {
      ...QUESTIONS.guildId,
      parse: (text) =>
        text === applicationId
          ? { problem: 'that is the application ID; the server (guild) ID is a different number' }
          : QUESTIONS.guildId.parse(text),
    },
    options.guildId,
    context,
  );
  const botToken = await askBotToken(context);
  const noticeChannelId = await answer(QUESTIONS.noticeChannel, options.noticeChannel, context);
  const serverName = await answer(QUESTIONS.serverName, options.serverName, context);
  const world = await answer(QUESTIONS.world, options.world, context);
  const password = await askPassword(serverName ?? '', options.generatePassword === true, context);
  const operatorRoleIds = await answer(QUESTIONS.operatorRole, options.operatorRole?.join(','), context);
  const timeZone = await answer(
    { ...QUESTIONS.timeZone, defaultValue: deps.localTimeZone ?? localTimeZone() },
    options.timeZone,
    context,
  );
  if (!region || !applicationId || !publicKey || !guildId || !serverName || !world || !timeZone) {
    throw new Error('setup: a required answer is missing'); // answer() never returns undefined for these
  }

  const config: ValheimConfigInput = {
    ...(stackName !== undefined &&
      stackName !== schemaDefault(configSchema.shape.stackName) && { stackName }),
    region,
    ...(timeZone !== schemaDefault(configSchema.shape.timeZone) && { timeZone }),
    server: { name: serverName, world },
    discord: {
      applicationId,
      publicKey,
      guildId,
      ...(operatorRoleIds !== undefined && operatorRoleIds.length > 0 && { operatorRoleIds }),
      ...(noticeChannelId !== undefined && { noticeChannelId }),
    },
  };
  parseConfig(config, 'valheim setup'); // the assembled whole, before touching the disk
  writeConfig(file, config, overwrite);
  loadConfig(file); // and what is on disk, as deploy will read it
  term.out(`Wrote ${file} (checked: it loads as the deploy will read it).`);

  const configFlag = file === DEFAULT_CONFIG_FILE ? '' : ` --config ${shellQuote(file)}`;
  try {
    await setSecrets(
      { config: file, generatePassword: password.generate },
      {
        env: {
          VALHEIM_BOT_TOKEN: botToken,
          ...(!password.generate && { VALHEIM_SERVER_PASSWORD: password.password }),
        },
        term,
        ssm: deps.ssm,
        interactive: false,
        readStdin: () => Promise.reject(new Error('setup passes the secrets directly')),
        promptHidden: () => Promise.reject(new Error('setup passes the secrets directly')),
        ...(deps.randomInt && { randomInt: deps.randomInt }),
      },
    );
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    throw new CliError(
      error.problem,
      `${error.fix}; ${file} is written already, so afterwards run only npx valheim secrets set${configFlag}`,
    );
  }

  for (const line of nextSteps(applicationId, configFlag)) term.out(line);
}

function nextSteps(applicationId: string, configFlag: string): string[] {
  const deployFlag = configFlag ? ` --${configFlag}` : '';
  return [
    '',
    'Next steps:',
    `  1. npm run deploy${deployFlag}`,
    '     Runs cdk deploy with the pinned AWS CDK, after checking that no game is running (a deploy stops',
    '     the server). At the end it prints the stack output DiscordEndpointUrl.',
    '  2. Invite the bot to your Discord server (it must be there before commands can be registered;',
    '     Send Messages lets it post notices):',
    `     ${inviteUrl(applicationId)}`,
    `  3. npx valheim discord register${configFlag}`,
    '     Registers /valheim in your Discord server.',
    `  4. npx valheim discord endpoint <DiscordEndpointUrl output>${configFlag}`,
    '     Tells Discord to send the commands to your stack; then try /valheim status.',
  ];
}

/** Whether the file may be replaced; throws when it exists and must be kept. */
async function mayOverwrite(file: string, force: boolean, { interactive, deps }: Context): Promise<boolean> {
  if (force || !existsSync(file)) return force;
  if (!interactive) {
    throw new CliError(
      `${file} already exists`,
      'pass --force to overwrite it, or --config FILE to write another file',
    );
  }
  const reply = (await deps.promptLine(`${file} already exists. Overwrite it? [y/N]: `)).trim();
  if (/^y(es)?$/i.test(reply)) return true;
  throw new CliError(`kept the existing ${file}`, 'run valheim setup --config FILE to write another file');
}

/** A value given as a flag: used as is when valid, otherwise a one-line error naming the flag. */
function fromFlag<T>(question: Question<T>, given: string): T | undefined {
  const text = given.trim();
  if (text === '' && question.optional) return undefined;
  const parsed = question.parse(text);
  if ('problem' in parsed) throw new CliError(`${question.flag} ${parsed.problem}`, question.hint);
  return parsed.value;
}

/** The flag's value, else (non-interactive) the default, else the question, asked until the answer is valid. */
async function answer<T>(
  question: Question<T>,
  given: string | undefined,
  { interactive, deps }: Context,
): Promise<T | undefined> {
  if (given !== undefined) return fromFlag(question, given);
  if (!interactive) {
    if (question.defaultValue !== undefined) return fromFlag(question, question.defaultValue);
    if (question.optional) return undefined;
    throw new CliError(`${question.flag} is required with --non-interactive`, question.hint);
  }
  const prompt = `${question.label}${question.defaultValue ? ` [${question.defaultValue}]` : ''}: `;
  deps.term.err(`  ${question.hint}`);
  for (;;) {
    const text = (await deps.promptLine(prompt)).trim() || question.defaultValue || '';
    if (text === '' && question.optional) return undefined;
    const parsed: Parsed<T> = text === '' ? { problem: 'an answer is required' } : question.parse(text);
    if ('value' in parsed) return parsed.value;
    reask(deps.term, parsed.problem, question.hint);
  }
}

function reask(term: Terminal, problem: string, hint: string): void {
  term.err(`  ✗ ${problem}`);
  term.err(`  ${hint}`);
}

async function askBotToken({ interactive, deps }: Context): Promise<string> {
  const fromEnv = deps.env.VALHEIM_BOT_TOKEN?.trim();
  if (fromEnv) {
    const token = fromEnv.replace(/^Bot\s+/i, '');
    const problem = botTokenProblem(token);
    if (problem) throw new CliError(`VALHEIM_BOT_TOKEN: ${problem.problem}`, problem.fix);
    if (interactive) deps.term.err('  Using the bot token from VALHEIM_BOT_TOKEN.');
    return token;
  }
  if (!interactive) {
    throw new CliError(
      'VALHEIM_BOT_TOKEN is not set (required with --non-interactive)',
      `set it to the bot token from ${BOT_TOKEN_WHERE}; it goes to SSM, never into the config file`,
    );
  }
  const hint = `${BOT_TOKEN_WHERE}; it is stored in SSM, never in the config file`;
  deps.term.err(`  ${hint}`);
  for (;;) {
    const token = (await deps.promptHidden('Discord bot token (input hidden): '))
      .trim()
      .replace(/^Bot\s+/i, '');
    const problem = token === '' ? 'an answer is required' : botTokenProblem(token)?.problem;
    if (problem === undefined) return token;
    reask(deps.term, problem, hint);
  }
}

async function askPassword(
  serverName: string,
  generate: boolean,
  { interactive, deps }: Context,
): Promise<PasswordChoice> {
  const fromEnv = deps.env.VALHEIM_SERVER_PASSWORD?.trim();
  if (fromEnv && generate) {
    throw new CliError(
      '--generate-password and VALHEIM_SERVER_PASSWORD contradict each other',
      'unset VALHEIM_SERVER_PASSWORD or drop --generate-password',
    );
  }
  if (generate) return { generate: true };
  if (fromEnv) {
    const problem = passwordProblem(fromEnv, serverName);
    if (problem) throw new CliError(`VALHEIM_SERVER_PASSWORD: ${problem.problem}`, problem.fix);
    if (interactive) deps.term.err('  Using the server password from VALHEIM_SERVER_PASSWORD.');
    return { generate: false, password: fromEnv };
  }
  if (!interactive) {
    throw new CliError(
      'VALHEIM_SERVER_PASSWORD is not set and --generate-password was not given (one is required with --non-interactive)',
      `set VALHEIM_SERVER_PASSWORD (at least ${MIN_PASSWORD_LENGTH} characters, not part of the server name) or pass --generate-password`,
    );
  }
  deps.term.err(`  ${PASSWORD_HINT}`);
  for (;;) {
    const password = (await deps.promptHidden('Server password (input hidden): ')).trim();
    if (password === '') return { generate: true };
    const problem = passwordProblem(password, serverName);
    if (problem) {
      reask(deps.term, problem.problem, PASSWORD_HINT);
      continue;
    }
    const again = (await deps.promptHidden('Repeat the server password: ')).trim();
    if (again === password) return { generate: false, password };
    reask(deps.term, 'the two passwords differ', PASSWORD_HINT);
  }
}

function writeConfig(file: string, config: ValheimConfigInput, overwrite: boolean): void {
  try {
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { flag: overwrite ? 'w' : 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'EEXIST') {
      throw new CliError(
        `${file} already exists`,
        'pass --force to overwrite it, or --config FILE to write another file',
      );
    }
    throw new CliError(
      `could not write ${file} (${code})`,
      'check that the folder exists and is writable, or pass --config with another path',
    );
  }
}

/** This machine's IANA time zone when the config schema accepts it, else the schema's default. */
export function localTimeZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone && configSchema.shape.timeZone.safeParse(zone).success
    ? zone
    : schemaDefault(configSchema.shape.timeZone);
}

function schemaDefault(schema: z.ZodType<string, string | undefined>): string {
  return schema.parse(undefined);
}

function shellQuote(text: string): string {
  return /^[\w./@:=+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `valheim setup`. */
export function setupCommand({ deps, configOption }: CommandContext<SetupDeps>): Command {
  return new Command('setup')
    .description(
      'Create the config and store the secrets: a step-by-step wizard, or flags with --non-interactive',
    )
    .addOption(configOption())
    .option('--force', 'overwrite an existing config file')
    .option('--non-interactive', 'never ask: take the answers from the flags and the environment (CI)')
    .option('--region <region>', `AWS region (default ${DEFAULT_REGION})`)
    .option('--application-id <id>', 'Discord application ID')
    .option('--public-key <hex>', 'Discord application public key (64 hex characters)')
    .option('--guild-id <id>', 'Discord server (guild) ID')
    .option('--notice-channel <id>', 'Discord channel ID for notices (optional)')
    .option('--server-name <name>', "name in Valheim's server browser")
    .option('--world <name>', `world name (default ${DEFAULT_WORLD})`)
    .option('--generate-password', 'generate the server password and print it once')
    .option(
      '--operator-role <id>',
      'role allowed to start/stop the server (repeatable or comma-separated; default: everyone)',
      collect,
    )
    .option('--time-zone <zone>', "IANA time zone (default this machine's)")
    .option('--stack-name <name>', 'CloudFormation stack name (default valheim-ondemand)')
    .addHelpText(
      'after',
      `
Asks, in this order: region, application ID, public key, server (guild) ID, bot token, notice channel,
server name, world, server password, operator roles, time zone. Flags given are not asked again.
Then writes the config (only values that differ from the defaults), stores the bot token and the
server password in SSM as SecureStrings, and prints the next steps.

Secrets are never flags (they would end up in shell history):
  VALHEIM_BOT_TOKEN        the Discord bot token (Developer Portal → Bot → Reset Token)
  VALHEIM_SERVER_PASSWORD  the server password (at least 5 characters, not part of the server name)

Example (CI):
  VALHEIM_BOT_TOKEN=… npx valheim setup --non-interactive --generate-password \\
    --application-id 123456789012345678 --public-key <64 hex> --guild-id 234567890123456789 \\
    --server-name "Vikings of the North" --time-zone Europe/Berlin`,
    )
    .action(async (options: SetupOptions) => {
      await setup(options, deps);
    });
}
