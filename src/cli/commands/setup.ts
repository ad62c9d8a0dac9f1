import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { Command } from 'commander';
import type { z } from 'zod';
import { permissionsBoundaryName } from '../../config/bootstrap-policy.js';
import { DEFAULT_CONFIG_FILE, loadConfig, parseConfig } from '../../config/load.js';
import {
  configSchema,
  discordSchema,
  serverSchema,
  type ValheimConfig,
  type ValheimConfigInput,
} from '../../config/schema.js';
import { botInviteUrl } from '../../discord/wire-discord.js';
import { type BotPresence, botPresence } from '../bot-in-guild.js';
import { type CommandContext, collect } from '../command-context.js';
import { resolveBotToken } from '../discord-client.js';
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
const KEPT_PASSWORD_HINT = `the password players type to join: at least ${MIN_PASSWORD_LENGTH} characters, not part of the server name (Enter = keep the stored one)`;
const INVITE_HINT = 'open the link, choose that server (you need Manage Server there) and press Authorize';

interface Context {
  readonly interactive: boolean;
  readonly deps: SetupDeps;
}

/** The generated password, a typed one, or (re-run) the one stored already. */
type PasswordChoice =
  | { readonly generate: true }
  | { readonly generate: false; readonly password: string }
  | { readonly keep: true };

/** A config file the wizard starts from: what the user wrote (kept as is) and what it means. */
interface Existing {
  readonly raw: Record<string, unknown>;
  readonly config: ValheimConfig;
}

/**
 * `valheim setup`: asks for (or, with --non-interactive, reads from flags and the environment) everything the
 * config needs, checks each answer with the config schema's rule at once, has the bot invited (and checks it
 * arrived), writes the config with only the non-default values, stores the bot token and the server password
 * in SSM, and prints the next steps. Run again, it starts from the existing config: its values are the
 * defaults, and every setting it does not ask about is kept; it shows the changes before writing them.
 */
export async function setup(options: SetupOptions, deps: SetupDeps): Promise<void> {
  const context: Context = { interactive: !options.nonInteractive, deps };
  const file = options.config;
  const { term } = deps;

  // Before any question, so nobody answers eleven of them to learn the file is in the way.
  const found = existsSync(file) ? readExisting(file) : undefined;
  const existing = found && 'config' in found ? found : undefined;
  let overwrite = false;
  if (existing && !context.interactive && !options.force) {
    throw new CliError(
      `${file} already exists`,
      'pass --force to update it (settings not given as flags are kept), or --config FILE to write another file',
    );
  }
  if (found && 'problem' in found) {
    if (context.interactive) term.err(`valheim setup: ${file} does not load (${found.problem}).`);
    overwrite = await mayOverwrite(file, options.force === true, context);
  }
  if (context.interactive) {
    term.err(
      'valheim setup: each answer is checked as you go; nothing is written before the last one (Ctrl-C cancels).',
    );
    if (existing) {
      term.err(
        `valheim setup: starting from ${file}: Enter keeps each value shown in [brackets]; what is not asked here (task size, Spot, DNS, schedules, backups, tags…) stays as it is.`,
      );
    }
  }
  const was = existing?.config;
  const prefill = <T>(question: Question<T>, value: string | undefined): Question<T> =>
    value === undefined || value === '' ? question : { ...question, defaultValue: value };

  const stackName =
    options.stackName === undefined
      ? (was?.stackName ?? undefined)
      : fromFlag(QUESTIONS.stackName, options.stackName);
  const region = await answer(prefill(QUESTIONS.region, was?.region), options.region, context);
  const applicationId = await answer(
    prefill(QUESTIONS.applicationId, was?.discord.applicationId),
    options.applicationId,
    context,
  );
  const publicKey = await answer(
    prefill(QUESTIONS.publicKey, was?.discord.publicKey),
    options.publicKey,
    context,
  );
  const guildId = await answer(
    prefill(
      {
        ...QUESTIONS.guildId,
        parse: (text) =>
          text === applicationId
            ? { problem: 'that is the application ID; the server (guild) ID is a different number' }
            : QUESTIONS.guildId.parse(text),
      },
      was?.discord.guildId,
    ),
    options.guildId,
    context,
  );
  if (!region || !applicationId || !publicKey || !guildId) {
    throw new Error('setup: a required answer is missing'); // answer() never returns undefined for these
  }
  // The stored secrets can be kept only where they are: same region, same stack (parameter prefix).
  const secretsStored =
    was !== undefined && was.region === region && was.stackName === (stackName ?? was.stackName);
  const secretsAt = { region, stackName: stackName ?? schemaDefault(configSchema.shape.stackName) };
  const { botToken, invited } = await tokenAndInvite(
    { applicationId, guildId },
    secretsStored,
    secretsAt,
    context,
  );
  const noticeChannelId = await answer(
    prefill(QUESTIONS.noticeChannel, was?.discord.noticeChannelId),
    options.noticeChannel,
    context,
  );
  const serverName = await answer(
    prefill(QUESTIONS.serverName, was?.server.name),
    options.serverName,
    context,
  );
  const world = await answer(prefill(QUESTIONS.world, was?.server.world), options.world, context);
  const password = await askPassword(
    serverName ?? '',
    options.generatePassword === true,
    secretsStored,
    context,
  );
  const operatorRoleIds = await answer(
    prefill(QUESTIONS.operatorRole, was?.discord.operatorRoleIds.join(',')),
    options.operatorRole?.join(','),
    context,
  );
  const timeZone = await answer(
    { ...QUESTIONS.timeZone, defaultValue: was?.timeZone ?? deps.localTimeZone ?? localTimeZone() },
    options.timeZone,
    context,
  );
  if (!serverName || !world || !timeZone) {
    throw new Error('setup: a required answer is missing'); // answer() never returns undefined for these
  }

  const config = withAnswers(existing?.raw ?? {}, {
    stackName,
    region,
    timeZone,
    serverName,
    world,
    applicationId,
    publicKey,
    guildId,
    operatorRoleIds,
    noticeChannelId,
  });
  parseConfig(config, 'valheim setup'); // the assembled whole, before touching the disk
  if (existing) await confirmChanges(file, existing.raw, config, context);
  else writeConfig(file, config, overwrite);
  loadConfig(file); // and what is on disk, as deploy will read it
  if (!existing) term.out(`Wrote ${file} (checked: it loads as the deploy will read it).`);

  const configFlag = file === DEFAULT_CONFIG_FILE ? '' : ` --config ${shellQuote(file)}`;
  await storeSecrets(file, botToken, password, configFlag, deps);
  const boundaryName = permissionsBoundaryName(secretsAt.stackName);
  for (const line of nextSteps({ applicationId, region, invited, file, configFlag, boundaryName })) {
    term.out(line);
  }
}

/** The existing config file, or why it does not load (then the wizard offers to replace it). */
function readExisting(file: string): Existing | { readonly problem: string } {
  try {
    const config = loadConfig(file);
    return { raw: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>, config };
  } catch (error) {
    return { problem: (error as Error).message.split('\n')[0] ?? 'unreadable' };
  }
}

interface Answers {
  readonly stackName: string | undefined;
  readonly region: string;
  readonly timeZone: string;
  readonly serverName: string;
  readonly world: string;
  readonly applicationId: string;
  readonly publicKey: string;
  readonly guildId: string;
  readonly operatorRoleIds: readonly string[] | undefined;
  readonly noticeChannelId: string | undefined;
}

/**
 * The config with the wizard's answers put into `raw`, everything else in `raw` untouched. Values equal to
 * the schema's defaults are left out, so the file holds only what the user chose.
 */
function withAnswers(raw: Record<string, unknown>, answers: Answers): ValheimConfigInput {
  const { stackName, timeZone, operatorRoleIds, noticeChannelId } = answers;
  const config: Record<string, unknown> = {
    ...raw,
    ...(stackName !== undefined && { stackName }),
    region: answers.region,
    timeZone,
    server: { ...(raw.server as object), name: answers.serverName, world: answers.world },
    discord: {
      ...(raw.discord as object),
      applicationId: answers.applicationId,
      publicKey: answers.publicKey,
      guildId: answers.guildId,
      operatorRoleIds,
      noticeChannelId,
    },
  };
  if (config.stackName === schemaDefault(configSchema.shape.stackName)) delete config.stackName;
  if (timeZone === schemaDefault(configSchema.shape.timeZone)) delete config.timeZone;
  const discord = config.discord as Record<string, unknown>;
  if (!operatorRoleIds?.length) delete discord.operatorRoleIds;
  if (noticeChannelId === undefined) delete discord.noticeChannelId;
  return config as ValheimConfigInput;
}

/** Prints what the re-run changes in the file and (interactively) asks before writing it. */
async function confirmChanges(
  file: string,
  before: Record<string, unknown>,
  after: ValheimConfigInput,
  { interactive, deps }: Context,
): Promise<void> {
  const changes = configChanges(before, after as Record<string, unknown>);
  if (changes.length === 0) {
    deps.term.out(`No changes to ${file}.`);
    return;
  }
  deps.term.out(`Changes to ${file}:`);
  for (const change of changes) deps.term.out(`  ${change}`);
  if (interactive) {
    const reply = (await deps.promptLine('Write these changes? [Y/n]: ')).trim();
    if (/^n(o)?$/i.test(reply)) {
      throw new CliError(
        `kept ${file} as it was, and stored no secret`,
        'run valheim setup again to change it',
      );
    }
  }
  writeConfig(file, after, true);
  deps.term.out(`Updated ${file}; every other setting is as it was.`);
}

/** One line per setting that differs: `path: old → new`, with (none) for a missing value. */
export function configChanges(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const old = flatten(before);
  const now = flatten(after);
  const paths = [...new Set([...old.keys(), ...now.keys()])];
  return paths
    .filter((path) => old.get(path) !== now.get(path))
    .map((path) => `${path}: ${old.get(path) ?? '(none)'} → ${now.get(path) ?? '(none)'}`);
}

function flatten(value: unknown, prefix = '', into = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, into);
  } else if (value !== undefined) {
    into.set(prefix, JSON.stringify(value));
  }
  return into;
}

/**
 * The bot token (undefined: keep the stored one), then the invite: prints the link and, when Discord can be
 * asked, waits until the bot is in the server. A token Discord rejects is asked again.
 */
async function tokenAndInvite(
  app: { readonly applicationId: string; readonly guildId: string },
  keepable: boolean,
  secretsAt: { readonly region: string; readonly stackName: string },
  context: Context,
): Promise<{ botToken: string | undefined; invited: boolean }> {
  const { deps, interactive } = context;
  for (let canKeep = keepable; ; canKeep = false) {
    const botToken = await askBotToken(context, canKeep);
    const token = botToken ?? (await storedToken(secretsAt, deps));
    const invited = await inviteBot(app, token, context);
    if (invited !== 'token-rejected') return { botToken, invited: invited === 'present' };
    const problem = `Discord rejected the bot token (401 Unauthorized)${botToken === undefined ? ' stored in SSM' : ''}`;
    if (!interactive)
      throw new CliError(problem, `set VALHEIM_BOT_TOKEN to a fresh one (${BOT_TOKEN_WHERE})`);
    reask(deps.term, problem, `paste a fresh one: ${BOT_TOKEN_WHERE}`);
  }
}

/** The token `valheim secrets set` stored, for the invite check of a re-run that keeps it. */
async function storedToken(
  at: { readonly region: string; readonly stackName: string },
  deps: SetupDeps,
): Promise<string | { readonly unknown: string }> {
  try {
    return (await resolveBotToken({}, () => at as ValheimConfig, deps.ssm)).token;
  } catch (error) {
    return { unknown: error instanceof CliError ? error.problem : String(error) };
  }
}

async function inviteBot(
  { applicationId, guildId }: { readonly applicationId: string; readonly guildId: string },
  token: string | { readonly unknown: string },
  { interactive, deps }: Context,
): Promise<'present' | 'unchecked' | 'token-rejected'> {
  const { term } = deps;
  const link = botInviteUrl(applicationId);
  const check = (): Promise<BotPresence> =>
    typeof token === 'string'
      ? botPresence(token, guildId, deps.env)
      : Promise.resolve({ kind: 'unknown', reason: token.unknown });
  if (!interactive) {
    const presence = await check();
    if (presence.kind === 'present') term.out(`The bot is in "${presence.guildName}".`);
    else if (presence.kind === 'absent')
      term.err(`valheim: warning: the bot is not in server ${guildId} yet — ${INVITE_HINT}: ${link}`);
    else if (presence.kind === 'unknown')
      term.err(
        `valheim: warning: could not check that the bot is in server ${guildId} (${presence.reason}) — invite it: ${link}`,
      );
    return presence.kind === 'present'
      ? 'present'
      : presence.kind === 'token-rejected'
        ? 'token-rejected'
        : 'unchecked';
  }
  term.err(
    '  Invite the bot to your Discord server: the deploy registers /valheim there, and the bot posts notices.',
  );
  term.err(`  ${link}`);
  for (let asked = false; ; asked = true) {
    const presence = await check();
    if (presence.kind === 'present') {
      term.err(`  ✓ The bot is in "${presence.guildName}".`);
      return 'present';
    }
    if (presence.kind === 'token-rejected') return 'token-rejected';
    if (presence.kind === 'unknown') {
      term.err(`  ! Could not check that the bot arrived (${presence.reason}): make sure you authorized it.`);
      return 'unchecked';
    }
    if (asked) reask(term, `the bot is not in server ${guildId} yet`, INVITE_HINT);
    const reply = (
      await deps.promptLine(
        'Press Enter once the bot is in your server (or type "skip" to invite it later): ',
      )
    ).trim();
    if (/^s(kip)?$/i.test(reply)) return 'unchecked';
  }
}

async function storeSecrets(
  file: string,
  botToken: string | undefined,
  password: PasswordChoice,
  configFlag: string,
  deps: SetupDeps,
): Promise<void> {
  const keepPassword = 'keep' in password;
  if (botToken === undefined && keepPassword) {
    deps.term.out('Kept the bot token and the server password stored in SSM.');
    return;
  }
  try {
    await setSecrets(
      {
        config: file,
        ...(!keepPassword && { generatePassword: password.generate }),
        ...(botToken === undefined && { only: 'server-password' as const }),
        ...(keepPassword && { only: 'bot-token' as const }),
      },
      {
        env: {
          ...(botToken !== undefined && { VALHEIM_BOT_TOKEN: botToken }),
          ...(!keepPassword && !password.generate && { VALHEIM_SERVER_PASSWORD: password.password }),
        },
        term: deps.term,
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
}

/** Bootstrap → deploy → play; the invite first when the wizard could not see the bot arrive. */
function nextSteps(steps: {
  readonly applicationId: string;
  readonly region: string;
  readonly invited: boolean;
  readonly file: string;
  readonly configFlag: string;
  /** The permissions boundary's policy name (src/config/bootstrap-policy.ts). */
  readonly boundaryName: string;
}): string[] {
  const { configFlag } = steps;
  const deployFlag = configFlag ? ` --${configFlag}` : '';
  const configEnv = configFlag ? `VALHEIM_CONFIG=${shellQuote(steps.file)} ` : '';
  const lines = ['', 'Next steps:'];
  let step = 0;
  const add = (...text: string[]) => {
    step += 1;
    lines.push(`  ${step}. ${text[0]}`, ...text.slice(1).map((line) => `     ${line}`));
  };
  if (!steps.invited) {
    add(
      'Invite the bot to your Discord server (the deploy registers /valheim there):',
      botInviteUrl(steps.applicationId),
    );
  }
  add(
    `${configEnv}npx cdk bootstrap`,
    `Once per AWS account and region (${steps.region}): prepares CDK's deploy bucket and roles there.`,
    'Skip it when this account already deployed a CDK app in that region. Before the first deploy, also',
    'create the permissions boundary every role of the stack carries (with admin credentials):',
    `  ${configEnv}npm run --silent bootstrap-policy -- --boundary > permissions-boundary.json`,
    `  aws iam create-policy --policy-name ${steps.boundaryName} --policy-document file://permissions-boundary.json`,
    'Least-privileged deploys (recommended): README, Set it up for real, step 3.',
  );
  add(
    `npm run deploy${deployFlag}`,
    'Runs cdk deploy with the pinned AWS CDK, after checking that no game is running (a deploy stops',
    'the server). It registers /valheim in your server and sets the Interactions Endpoint URL; the',
    'stack output DiscordSetup says whether that worked (if not: npx valheim discord register).',
  );
  add('Play: type /valheim start in Discord. The reply shows the address when the world is joinable.');
  return lines;
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
  // A kept optional value needs a way out: Enter keeps it, "none" removes it.
  const removable = question.optional && question.defaultValue !== undefined;
  deps.term.err(`  ${question.hint}${removable ? '; "none" removes it' : ''}`);
  for (;;) {
    const typed = (await deps.promptLine(prompt)).trim();
    if (removable && /^none$/i.test(typed)) return undefined;
    const text = typed || question.defaultValue || '';
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

/** The bot token; undefined when `keepable` (a re-run) and the user keeps the stored one. */
async function askBotToken({ interactive, deps }: Context, keepable: boolean): Promise<string | undefined> {
  const fromEnv = deps.env.VALHEIM_BOT_TOKEN?.trim();
  if (fromEnv) {
    const token = fromEnv.replace(/^Bot\s+/i, '');
    const problem = botTokenProblem(token);
    if (problem) throw new CliError(`VALHEIM_BOT_TOKEN: ${problem.problem}`, problem.fix);
    if (interactive) deps.term.err('  Using the bot token from VALHEIM_BOT_TOKEN.');
    return token;
  }
  if (!interactive) {
    if (keepable) return undefined;
    throw new CliError(
      'VALHEIM_BOT_TOKEN is not set (required with --non-interactive)',
      `set it to the bot token from ${BOT_TOKEN_WHERE}; it goes to SSM, never into the config file`,
    );
  }
  const hint = `${BOT_TOKEN_WHERE}; it is stored in SSM, never in the config file${keepable ? ' (Enter = keep the stored one)' : ''}`;
  deps.term.err(`  ${hint}`);
  for (;;) {
    const token = (await deps.promptHidden('Discord bot token (input hidden): '))
      .trim()
      .replace(/^Bot\s+/i, '');
    if (token === '' && keepable) return undefined;
    const problem = token === '' ? 'an answer is required' : botTokenProblem(token)?.problem;
    if (problem === undefined) return token;
    reask(deps.term, problem, hint);
  }
}

async function askPassword(
  serverName: string,
  generate: boolean,
  keepable: boolean,
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
    if (keepable) return { keep: true };
    throw new CliError(
      'VALHEIM_SERVER_PASSWORD is not set and --generate-password was not given (one is required with --non-interactive)',
      `set VALHEIM_SERVER_PASSWORD (at least ${MIN_PASSWORD_LENGTH} characters, not part of the server name) or pass --generate-password`,
    );
  }
  const hint = keepable ? KEPT_PASSWORD_HINT : PASSWORD_HINT;
  deps.term.err(`  ${hint}`);
  for (;;) {
    const password = (await deps.promptHidden('Server password (input hidden): ')).trim();
    if (password === '') return keepable ? { keep: true } : { generate: true };
    const problem = passwordProblem(password, serverName);
    if (problem) {
      reask(deps.term, problem.problem, hint);
      continue;
    }
    const again = (await deps.promptHidden('Repeat the server password: ')).trim();
    if (again === password) return { generate: false, password };
    reask(deps.term, 'the two passwords differ', hint);
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
    .option('--force', 'with --non-interactive: update an existing config file (settings not given are kept)')
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
Asks, in this order: region, application ID, public key, server (guild) ID, bot token, then prints the
bot's invite link and (when Discord answers) waits until the bot is in your server; then notice channel,
server name, world, server password, operator roles, time zone. Flags given are not asked again.
Then writes the config (only values that differ from the defaults), stores the bot token and the
server password in SSM as SecureStrings, and prints the next steps: cdk bootstrap, deploy, play.

Run again, it starts from the existing config: its values are the defaults (Enter keeps each, and the
stored secrets), settings it does not ask about (task size, Spot, DNS, schedules, tags…) are kept, and
it shows the changes before writing them.

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
