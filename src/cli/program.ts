import { readFileSync } from 'node:fs';
import type { BackupClient } from '@aws-sdk/client-backup';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../config/load.js';
import { serverLogGroupName } from '../config/names.js';
import { costEstimate, DEFAULT_HOURS_PER_MONTH, MAX_HOURS_PER_MONTH } from './commands/cost.js';
import { deploy, type Spawner } from './commands/deploy.js';
import { setInteractionsEndpoint } from './commands/discord-endpoint.js';
import { commandSummary, registerCommands } from './commands/discord-register.js';
import { DEFAULT_SINCE, logs } from './commands/logs.js';
import { DEFAULT_GAME_PORT, DEFAULT_QUERY_TIMEOUT_MS, query } from './commands/query.js';
import { SECRET_KINDS, type SecretKind, setSecrets } from './commands/secrets.js';
import { DEFAULT_HOST, DEFAULT_PORT, serve } from './commands/serve.js';
import { DEFAULT_REGION, DEFAULT_WORLD, type SetupOptions, setup } from './commands/setup.js';
import {
  POLL_INTERVAL_MS,
  type Sleep,
  START_TIMEOUT_MINUTES,
  STOP_TIMEOUT_MINUTES,
  start,
  stop,
} from './commands/start-stop.js';
import { type QueryEndpoint, STATUS_QUERY_TIMEOUT_MS, status } from './commands/status.js';
import { DISCORD_API_URL } from './discord-client.js';
import { errorLines } from './errors.js';
import type { Terminal } from './io.js';

/** Everything the commands touch outside the process, injected so tests can replace it. */
export interface CliDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly term: Terminal;
  readonly ssm: (region: string) => SSMClient;
  readonly ecs: (region: string) => ECSClient;
  readonly spawn: Spawner;
  readonly stdinIsTTY: boolean;
  readonly readStdin: () => Promise<string>;
  readonly promptHidden: (question: string) => Promise<string>;
  /** Asks a question and returns the typed line (the setup wizard). */
  readonly promptLine: (question: string) => Promise<string>;
  /** Resolves when `valheim serve` should stop, with the reason (e.g. "SIGINT"). */
  readonly untilShutdown: () => Promise<string>;
  /** For the game task's public IP. @default - an EC2Client in the config's region */
  readonly ec2?: (region: string) => EC2Client;
  /** For `valheim logs`. @default - a CloudWatchLogsClient in the config's region */
  readonly logs?: (region: string) => CloudWatchLogsClient;
  /** For the world bucket (`valheim world …`). @default - an S3Client in the config's region */
  readonly s3?: (region: string) => S3Client;
  /** For AWS Backup recovery points (`valheim world backups/restore`). @default - a BackupClient in the config's region */
  readonly backup?: (region: string) => BackupClient;
  /** Waits between polls (start/stop --wait, logs --follow); tests make it instant. @default setTimeout */
  readonly sleep?: Sleep;
  /** @default Date.now */
  readonly now?: () => number;
  /** Where the game's A2S query goes for a public IP; tests use a loopback responder. @default IP:2457 */
  readonly queryEndpoint?: QueryEndpoint;
  /** How long status and start --wait wait for the query's answer. @default 2000 */
  readonly queryTimeoutMs?: number;
}

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const DISCORD_ENV_HELP = `
Environment:
  DISCORD_BOT_TOKEN  bot token to use instead of the one stored in SSM by "valheim secrets set"
  DISCORD_API_URL    Discord API base URL without version (default ${DISCORD_API_URL});
                     tests point it at a local fake, e.g. http://127.0.0.1:8080/api
  VALHEIM_CONFIG     config file used when --config is not given (default ${DEFAULT_CONFIG_FILE})`;

/** The `valheim` command tree. Only wiring: each action calls one function from ./commands. */
export function createProgram(deps: CliDeps, setExitCode: (code: number) => void = () => {}): Command {
  const defaultConfig = deps.env.VALHEIM_CONFIG?.trim() || DEFAULT_CONFIG_FILE;
  const configOption = () =>
    new Option('--config <file>', 'config file (env VALHEIM_CONFIG)').default(defaultConfig);

  const program = new Command('valheim')
    .description('Run a Valheim server on AWS Fargate, started and stopped from Discord.')
    .version(VERSION)
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride();

  program
    .command('setup')
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

  program
    .command('query')
    .description('Ask any Valheim server for its name, world, version and players (Steam query protocol)')
    .argument('<host[:port]>', `IPv4, host name or [IPv6], with the GAME port (default ${DEFAULT_GAME_PORT})`)
    .option('--json', 'print one JSON object')
    .option('--timeout <ms>', 'how long to wait for an answer', parseTimeout, DEFAULT_QUERY_TIMEOUT_MS)
    .addHelpText(
      'after',
      `
The query goes to UDP game port + 1 (2457 by default). Only public servers answer (server.public true);
private and crossplay servers do not. Valheim sends no player names: you get the count and play times.

Examples:
  npx valheim query 203.0.113.7
  npx valheim query valheim.example.com:2456 --json`,
    )
    .action(async (target: string, options: { json?: boolean; timeout: number }) => {
      await query({ target, timeoutMs: options.timeout, ...(options.json && { json: true }) }, deps);
    });

  program
    .command('serve')
    .description(
      'Answer Discord interactions on this machine (POST /discord), with the same code as the Lambda',
    )
    .option('--port <n>', 'TCP port (0 = any free port)', parsePort, DEFAULT_PORT)
    .option('--host <address>', 'address to listen on', DEFAULT_HOST)
    .addHelpText(
      'after',
      `
Environment (as for the Lambda):
  DISCORD_PUBLIC_KEY  required: the application public key (64 hex characters)
  DISCORD_GUILD_ID, ECS_CLUSTER, ECS_SERVICE, OPERATOR_ROLE_IDS, COMMAND_BUDGET_MS
                      needed for /valheim commands (PING works without them)
  TRANSFER_TASK_DEFINITION, TRANSFER_SUBNETS, TRANSFER_SECURITY_GROUPS, WORLD_BUCKET, WORLD_NAME
                      all five for /valheim backup (none: backups from Discord are off)
  AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL  for the ECS calls`,
    )
    .action(async (options: { port: number; host: string }) => {
      await serve(options, deps);
    });

  const secrets = program.command('secrets').description('Manage the secrets stored in SSM Parameter Store');
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
    .action(
      async (options: {
        config: string;
        generatePassword?: boolean;
        passwordStdin?: boolean;
        botTokenStdin?: boolean;
        only?: SecretKind;
      }) => {
        await setSecrets(options, {
          env: deps.env,
          term: deps.term,
          ssm: deps.ssm,
          interactive: deps.stdinIsTTY,
          readStdin: deps.readStdin,
          promptHidden: deps.promptHidden,
        });
      },
    );

  const discord = program.command('discord').description('Set up the Discord application');
  discord
    .command('register')
    .description(`Register ${commandSummary()} in the Discord server from the config (bulk overwrite)`)
    .addOption(configOption())
    .addHelpText('after', DISCORD_ENV_HELP)
    .action(async (options: { config: string }) => {
      await registerCommands(options, deps);
    });
  discord
    .command('endpoint')
    .description("Set the application's Interactions Endpoint URL (Discord verifies it live)")
    .argument('<url>', 'the endpoint, printed by npx cdk deploy as the stack output DiscordEndpointUrl')
    .option('--allow-http', 'accept an http:// URL')
    .addOption(configOption())
    .addHelpText('after', DISCORD_ENV_HELP)
    .action(async (url: string, options: { allowHttp?: boolean; config: string }) => {
      await setInteractionsEndpoint({ url, ...options }, deps);
    });

  program
    .command('deploy')
    .description('Deploy the stack with the pinned CDK CLI, refusing while a game is running')
    .argument('[cdk-args...]', 'extra arguments for cdk deploy, after "--"')
    .option('--force', 'deploy even while the server runs (it will be stopped)')
    .addOption(configOption())
    .passThroughOptions()
    .addHelpText('after', '\nExample: npx valheim deploy -- --hotswap')
    .action(async (cdkArgs: string[], options: { force?: boolean; config: string }) => {
      setExitCode(await deploy({ ...options, cdkArgs }, deps));
    });

  program
    .command('status')
    .description('Show whether the server is stopped, starting, running or stopping, its address and players')
    .option('--json', 'print one JSON object')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Reads the ECS service (desired/running/pending tasks, the task's status, Spot or on-demand, uptime) and
the task's public IP. A running public server is also asked for its players over the Steam query protocol
(UDP 2457, ${STATUS_QUERY_TIMEOUT_MS / 1000} s timeout); private and crossplay servers do not answer it.

Examples:
  npx valheim status
  npx valheim status --json`,
    )
    .action(async (options: { json?: boolean; config: string }) => {
      await status(options, deps);
    });

  program
    .command('start')
    .description('Start the server (ECS desired count 1); with --wait, until the world is joinable')
    .option('--wait', 'print the progress and wait until the world is joinable, then print the address')
    .option(
      '--timeout <minutes>',
      'with --wait: give up after this many minutes',
      parseMinutes,
      START_TIMEOUT_MINUTES,
    )
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Does nothing when the server is already starting or running (with --wait it still waits), and refuses
while it is stopping. --wait looks every ${POLL_INTERVAL_MS / 1000} s: ECS PROVISIONING → PENDING → RUNNING, then
"loading the world…" until the game answers the Steam query (UDP 2457). Private and crossplay servers do
not answer it: for them the address is printed as soon as the task runs. The address changes at every start.

Examples:
  npx valheim start
  npx valheim start --wait --timeout 30`,
    )
    .action(async (options: { wait?: boolean; timeout: number; config: string }) => {
      await start({ config: options.config, wait: options.wait, timeoutMinutes: options.timeout }, deps);
    });

  program
    .command('stop')
    .description('Stop the server (ECS desired count 0); the world is saved on shutdown')
    .option('--wait', 'wait until no task is left and the world is saved')
    .option(
      '--timeout <minutes>',
      'with --wait: give up after this many minutes',
      parseMinutes,
      STOP_TIMEOUT_MINUTES,
    )
    .addOption(configOption())
    .addHelpText(
      'after',
      `
The game gets up to 2 minutes to save the world before ECS ends the task. Players are disconnected.

Example:
  npx valheim stop --wait`,
    )
    .action(async (options: { wait?: boolean; timeout: number; config: string }) => {
      await stop({ config: options.config, wait: options.wait, timeoutMinutes: options.timeout }, deps);
    });

  program
    .command('logs')
    .description("Print the game server's log (CloudWatch Logs); --follow for new lines as they come")
    .option('-f, --follow', 'keep printing new lines (every 2 s) until Ctrl-C')
    .option('--since <duration>', 'how far back to start: 45s, 10m, 2h, 1d, 1w', DEFAULT_SINCE)
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Reads the log group ${serverLogGroupName('<stackName>')}, kept for logRetentionDays (config). Times are in the
config's timeZone.

Examples:
  npx valheim logs --since 2h
  npx valheim logs --follow`,
    )
    .action(async (options: { follow?: boolean; since: string; config: string }) => {
      const signal = options.follow ? shutdownSignal(deps) : undefined;
      await logs({ ...options }, { ...deps, ...(signal && { signal }) });
    });

  const cost = program.command('cost').description('What the server costs');
  cost
    .command('estimate')
    .description('Estimate the monthly cost of the configured server from list prices (offline)')
    .option(
      '--hours-per-month <n>',
      `hours the server runs a month, 0 to ${MAX_HOURS_PER_MONTH} (default ${DEFAULT_HOURS_PER_MONTH})`,
    )
    .option('--world-size-gb <gb>', 'size of the world files (default cost.worldSizeGb from the config, 0.2)')
    .option('--json', 'print one JSON object')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Uses the region, task size, Spot, backup retention and DNS settings from the config. The actual bill is
in Discord (/valheim cost, with cost.costExplorer true) or the AWS Billing console.

Example:
  npx valheim cost estimate --hours-per-month 60 --world-size-gb 0.3`,
    )
    .action((options: { hoursPerMonth?: string; worldSizeGb?: string; json?: boolean; config: string }) => {
      costEstimate(options, deps);
    });

  const world = program
    .command('world')
    .description('Move the world between the server, S3 and this computer: export, import, backups, restore')
    .addHelpText(
      'after',
      `
The world commands work through the stack's world bucket and its world-transfer task (a short ECS task
on the world's file system). Nothing replaces the world without saving the current one as a snapshot
first. The stack's resources are found from the config (stackName, region); these override:
  VALHEIM_WORLD_BUCKET, VALHEIM_TRANSFER_SUBNETS, VALHEIM_TRANSFER_SECURITY_GROUP`,
    );
  world
    .command('export')
    .description("Snapshot the server's world to S3 and download it here, ready to play on a PC")
    .option('--out <dir>', 'folder to put <world>-<snapshot id>/ in (default: the current folder)')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Takes a snapshot (kept in S3, restorable with valheim world restore snapshot:<id>), then downloads the
configured world's files laid out as in worlds_local. A running server is exported as of its last save.

Examples:
  npx valheim world export
  npx valheim world export --out ~/valheim-exports`,
    )
    .action(async (options: { out?: string; config: string }) => {
      const { worldExport } = await import('./commands/world-export.js');
      await worldExport({ config: options.config, ...(options.out && { out: options.out }) }, deps);
    });
  world
    .command('import')
    .description("Make a world from this computer the server's world (the current one is kept as a snapshot)")
    .argument('<path>', 'a .fwl or .db file, a world folder, a folder holding worlds_local, or a .zip of one')
    .option('--yes', 'do not ask before replacing the world')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Refuses while the server runs (stop it first) and when the world's name is not server.world. Shows what
it found and asks; uploads it to the world bucket; then the transfer task saves the current world as a
snapshot (pre-import) before swapping the new one in. To undo, restore that snapshot.

Examples:
  npx valheim world import ~/AppData/LocalLow/IronGate/Valheim/worlds_local
  npx valheim world import Dedicated.zip --yes`,
    )
    .action(async (path: string, options: { yes?: boolean; config: string }) => {
      const { worldImport } = await import('./commands/world-import.js');
      await worldImport({ config: options.config, path, ...(options.yes && { yes: true }) }, deps);
    });
  world
    .command('backups')
    .description('List the backups of the world, newest first, with the ID to restore each')
    .option('--json', 'print one JSON array')
    .option('--no-zips', "skip the image's own backup zips (listing them runs a short task, about a minute)")
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Lists three kinds, newest first:
  snapshot:<id>  snapshots in S3 (the end of every session, valheim world export, /valheim backup, before every import or restore)
  backup:<id>    AWS Backup recovery points of the world's file system (the daily backup)
  zip:<name>     the zips the game image keeps in /config/backups
A kind that cannot be read is reported as a warning; the others are still listed.

Examples:
  npx valheim world backups
  npx valheim world backups --no-zips --json`,
    )
    .action(async (options: { json?: boolean; zips: boolean; config: string }) => {
      const { worldBackups } = await import('./commands/world-backups.js');
      await worldBackups(
        {
          config: options.config,
          ...(options.json && { json: true }),
          ...(!options.zips && { zips: false }),
        },
        deps,
      );
    });
  world
    .command('restore')
    .description("Make a backup the server's world (the current one is kept as a snapshot)")
    .argument('<id>', 'an ID from valheim world backups: snapshot:<id>, zip:<name> or backup:<id>')
    .option('--yes', 'do not ask before replacing the world')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Refuses while the server runs. snapshot: and zip: backups are restored by the transfer task, which saves
the current world as a snapshot (pre-restore) first. AWS Backup recovery points (backup:) are never
restored in place: for them the command prints the steps.

Examples:
  npx valheim world restore snapshot:20261123T190500Z-discord
  npx valheim world restore zip:worlds-20261123-190500.zip --yes`,
    )
    .action(async (id: string, options: { yes?: boolean; config: string }) => {
      const { worldRestore } = await import('./commands/world-restore.js');
      await worldRestore({ config: options.config, id, ...(options.yes && { yes: true }) }, deps);
    });

  configureOutput(program, deps.term);
  return program;
}

/** Aborts when the user interrupts (Ctrl-C), for commands that run until then. */
function shutdownSignal(deps: CliDeps): AbortSignal {
  const controller = new AbortController();
  void deps.untilShutdown().then(() => controller.abort());
  return controller.signal;
}

/** Commander's own output through the terminal; usage errors as one line pointing at the command's help. */
function configureOutput(command: Command, term: Terminal): void {
  const path: string[] = [];
  for (let current: Command | null = command; current; current = current.parent) path.unshift(current.name());
  command.configureOutput({
    writeOut: (text) => term.out(text.replace(/\n$/, '')),
    writeErr: (text) => term.err(text.replace(/\n$/, '')),
    outputError: (text, write) =>
      write(
        `valheim: ${text
          .trim()
          .replace(/^error: /, '')
          .replace(/\.$/, '')} — see ${path.join(' ')} --help\n`,
      ),
  });
  for (const sub of command.commands) configureOutput(sub, term);
}

/** Runs the CLI with the user's arguments (without "node" and the script) and returns the exit code. */
export async function run(args: readonly string[], deps: CliDeps): Promise<number> {
  let exitCode = 0;
  const program = createProgram(deps, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...args], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    for (const line of errorLines(error, Boolean(deps.env.VALHEIM_DEBUG))) deps.term.err(line);
    return 1;
  }
}

function parseTimeout(value: string): number {
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms < 100 || ms > 60_000)
    throw new InvalidArgumentError('Expected milliseconds from 100 to 60000.');
  return ms;
}

function parseMinutes(value: string): number {
  const minutes = Number(value);
  if (!/^\d+$/.test(value) || minutes < 1 || minutes > 180)
    throw new InvalidArgumentError('Expected minutes from 1 to 180.');
  return minutes;
}

/** For repeatable options: each occurrence is added to the list. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535)
    throw new InvalidArgumentError('Expected a number from 0 to 65535.');
  return port;
}
