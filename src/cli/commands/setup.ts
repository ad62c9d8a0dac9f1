import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { permissionsBoundaryName } from '../../config/bootstrap-policy.js';
import { DEFAULT_CONFIG_FILE, loadConfig, parseConfig } from '../../config/load.js';
import { configSchema, type ValheimConfig, type ValheimConfigInput } from '../../config/schema.js';
import { botInviteUrl } from '../../discord/discord-errors.js';
import { type CommandContext, collect } from '../command-context.js';
import { CliError, CliProblems } from '../errors.js';
import { type AskContext, answer, configChanges, flagText, prefillOf, withAnswers } from '../setup/ask.js';
import type { SetupDeps, WizardContext } from '../setup/context.js';
import {
  type Answers,
  type AnyQuestion,
  DEFAULT_REGION,
  DEFAULT_WORLD,
  type QuestionId,
  SETUP_STEPS,
  schemaDefault,
} from '../setup/questions.js';
import {
  askBotToken,
  askPassword,
  checkInvite,
  type PasswordChoice,
  storeSecrets,
  tokenAndInvite,
} from '../setup/secret-steps.js';

export type { SetupDeps } from '../setup/context.js';
export { DEFAULT_REGION, DEFAULT_WORLD } from '../setup/questions.js';

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

/** Which option (flag) answers which question. */
const OPTION_OF: { readonly [K in QuestionId]: keyof SetupOptions } = {
  stackName: 'stackName',
  region: 'region',
  applicationId: 'applicationId',
  publicKey: 'publicKey',
  guildId: 'guildId',
  noticeChannelId: 'noticeChannel',
  serverName: 'serverName',
  world: 'world',
  operatorRoleIds: 'operatorRole',
  timeZone: 'timeZone',
};

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
 * The questions are the table in ../setup/questions.ts, asked in SETUP_STEPS order by one loop.
 */
export async function setup(options: SetupOptions, deps: SetupDeps): Promise<void> {
  const context: WizardContext = { interactive: !options.nonInteractive, deps };
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
  const defaultsFrom = { env: deps.env, localTimeZone: deps.localTimeZone ?? localTimeZone() };
  const ask: AskContext = { interactive: context.interactive, term, promptLine: deps.promptLine };
  const answers: Answers = {};
  let botToken: string | undefined;
  let invited = false;
  let password: PasswordChoice = { keep: true };
  // The stored secrets can be kept only where they are: same region, same stack (parameter prefix).
  const secretsStored = () =>
    was !== undefined &&
    was.region === answers.region &&
    was.stackName === (answers.stackName ?? was.stackName);
  const secretsAt = () => ({
    region: answers.region ?? '',
    stackName: answers.stackName ?? schemaDefault(configSchema.shape.stackName),
  });
  const app = () => ({ applicationId: answers.applicationId ?? '', guildId: answers.guildId ?? '' });
  // Without a terminal every answer is known at once: check them all and report every problem in one run,
  // before anything leaves the machine (Discord is asked only once the local answers pass).
  const problems: CliError[] = [];
  const attempt = async (work: () => Promise<void>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      if (context.interactive || !(error instanceof CliError)) throw error;
      problems.push(error);
    }
  };
  for (const step of SETUP_STEPS) {
    await attempt(async () => {
      if (!('secret' in step)) {
        const given = flagText(options[OPTION_OF[step.id]] as string | readonly string[] | undefined);
        const value = await answer(step, prefillOf(step, was, defaultsFrom), given, answers, ask);
        (answers as Record<QuestionId, unknown>)[step.id] = value;
      } else if (step.secret === 'botToken') {
        if (context.interactive) {
          ({ botToken, invited } = await tokenAndInvite(app(), secretsStored(), secretsAt(), context));
        } else botToken = await askBotToken(context, secretsStored());
      } else {
        password = await askPassword(
          answers.serverName ?? '',
          options.generatePassword === true,
          secretsStored(),
          context,
        );
      }
    });
  }
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new CliProblems(problems);
  if (!context.interactive) invited = await checkInvite(app(), botToken, secretsAt(), context);

  const questions = SETUP_STEPS.filter((step): step is AnyQuestion => !('secret' in step));
  const config = withAnswers(existing?.raw ?? {}, questions, answers);
  parseConfig(config, 'valheim setup'); // the assembled whole, before touching the disk
  if (existing) await confirmChanges(file, existing.raw, config, context);
  else writeConfig(file, config, overwrite);
  loadConfig(file); // and what is on disk, as deploy will read it
  if (!existing) term.out(`Wrote ${file} (checked: it loads as the deploy will read it).`);

  const configFlag = file === DEFAULT_CONFIG_FILE ? '' : ` --config ${shellQuote(file)}`;
  await storeSecrets(file, botToken, password, configFlag, deps);
  const { applicationId = '', region = '' } = answers;
  const boundaryName = permissionsBoundaryName(loadConfig(file).stackName);
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

/** Prints what the re-run changes in the file and (interactively) asks before writing it. */
async function confirmChanges(
  file: string,
  before: Record<string, unknown>,
  after: ValheimConfigInput,
  { interactive, deps }: WizardContext,
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
    'stack output DiscordSetup says whether that worked (if not: npx valheim discord wire).',
  );
  add('Play: type /valheim start in Discord. The reply shows the address when the world is joinable.');
  return lines;
}

/** Whether the file may be replaced; throws when it exists and must be kept. */
async function mayOverwrite(
  file: string,
  force: boolean,
  { interactive, deps }: WizardContext,
): Promise<boolean> {
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
    .option('--region <region>', `AWS region (default AWS_REGION when set, else ${DEFAULT_REGION})`)
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
Asks, in this order: region, application ID, public key, server (guild) ID, bot token; then checks the
token with Discord and, unless the bot is in your server already, prints its invite link and waits until
it is; then notice channel, server name, world, server password, operator roles, time zone. Flags given
are not asked again. With --non-interactive every flag and variable is checked first, all problems are
reported at once, and only then is Discord asked whether the bot is in the server.
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
