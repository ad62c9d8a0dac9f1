import { readFileSync } from 'node:fs';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../config/load.js';
import { deploy, type Spawner } from './commands/deploy.js';
import { setInteractionsEndpoint } from './commands/discord-endpoint.js';
import { commandSummary, registerCommands } from './commands/discord-register.js';
import { SECRET_KINDS, type SecretKind, setSecrets } from './commands/secrets.js';
import { DEFAULT_HOST, DEFAULT_PORT, serve } from './commands/serve.js';
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
  /** Resolves when `valheim serve` should stop, with the reason (e.g. "SIGINT"). */
  readonly untilShutdown: () => Promise<string>;
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

  configureOutput(program, deps.term);
  return program;
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

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535)
    throw new InvalidArgumentError('Expected a number from 0 to 65535.');
  return port;
}
