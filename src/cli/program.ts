import { readFileSync } from 'node:fs';
import type { BackupClient } from '@aws-sdk/client-backup';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { Command, CommanderError } from 'commander';
import { type CommandContext, configOptionFor } from './command-context.js';
import { costCommand } from './commands/cost.js';
import { deployCommand, type Spawner } from './commands/deploy.js';
import { destroyCommand } from './commands/destroy.js';
import { discordCommand } from './commands/discord.js';
import { doctorCommand } from './commands/doctor.js';
import { gameCommand } from './commands/game.js';
import { logsCommand } from './commands/logs.js';
import { modsCommand } from './commands/mods.js';
import { queryCommand } from './commands/query.js';
import { secretsCommand } from './commands/secrets.js';
import { serveCommand } from './commands/serve.js';
import { setupCommand } from './commands/setup.js';
import { type Sleep, startCommand, stopCommand } from './commands/start-stop.js';
import { startsCommand } from './commands/starts.js';
import { type QueryEndpoint, statusCommand } from './commands/status.js';
import { worldCommand } from './commands/world.js';
import { CliError, CliProblems, errorLines } from './errors.js';
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
  /** For the ledger (`valheim starts`). @default - a DynamoDBClient in the config's region */
  readonly dynamodb?: (region: string) => DynamoDBClient;
}

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The `valheim` command tree, in the order `valheim --help` lists it. Each module defines its command. */
const COMMANDS = [
  setupCommand,
  queryCommand,
  serveCommand,
  secretsCommand,
  discordCommand,
  deployCommand,
  statusCommand,
  startCommand,
  stopCommand,
  logsCommand,
  costCommand,
  worldCommand,
  modsCommand,
  gameCommand,
  destroyCommand,
  doctorCommand,
  startsCommand,
] as const;

/** Assembles the `valheim` command tree from the commands' own definitions. */
export function createProgram(deps: CliDeps, setExitCode: (code: number) => void = () => {}): Command {
  const context: CommandContext<CliDeps> = { deps, configOption: configOptionFor(deps.env), setExitCode };
  const program = new Command('valheim')
    .description('Run a Valheim server on AWS Fargate, started and stopped from Discord.')
    .version(VERSION)
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride();
  for (const define of COMMANDS) program.addCommand(define(context));
  inheritSettings(program);
  configureOutput(program, deps.term);
  return program;
}

/**
 * Commands defined on their own do not inherit the program's settings (as `.command()` would): above all
 * exitOverride, without which a usage error in a subcommand would exit the process.
 */
function inheritSettings(command: Command): void {
  for (const sub of command.commands) {
    sub.copyInheritedSettings(command);
    inheritSettings(sub);
  }
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
  // A command run with --json promised JSON on stdout: a failure is JSON there too, so scripts can parse it.
  let json = false;
  program.hook('preAction', (_program, action) => {
    json = action.opts().json === true;
  });
  try {
    await program.parseAsync([...args], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const lines = errorLines(error, Boolean(deps.env.VALHEIM_DEBUG));
    if (json) deps.term.out(JSON.stringify(errorJson(error, lines)));
    for (const line of lines) deps.term.err(line);
    return 1;
  }
}

/** A failure as `--json` prints it: `{"ok": false, "errors": [{"problem", "fix"}]}`. */
export function errorJson(
  error: unknown,
  lines: readonly string[],
): { ok: false; errors: { problem: string; fix?: string }[] } {
  const problems = error instanceof CliProblems ? error.problems : error instanceof CliError ? [error] : [];
  if (problems.length > 0) {
    return { ok: false, errors: problems.map(({ problem, fix }) => ({ problem, fix })) };
  }
  // Config errors and bugs: their printed lines, without the "valheim: " prefix (and no stack trace).
  return {
    ok: false,
    errors: lines.filter((line) => line.startsWith('valheim: ')).map((line) => ({ problem: line.slice(9) })),
  };
}
