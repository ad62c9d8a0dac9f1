import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../config/load.js';
import { DISCORD_API_URL } from './discord-client.js';

/**
 * What a command's definition gets from the program that assembles the tree: the dependencies its action
 * passes on (each command names the part of the CLI's dependencies it uses), the shared --config option
 * and a way to set the exit code.
 */
export interface CommandContext<Deps> {
  readonly deps: Deps;
  /** `--config <file>`, defaulting to VALHEIM_CONFIG or valheim.config.json. A new Option at each call. */
  readonly configOption: () => Option;
  /** For commands whose outcome is an exit code rather than an error (deploy passes on cdk's). */
  readonly setExitCode: (code: number) => void;
}

/** A command of the `valheim` tree: its name, options, help and action, built from the context. */
export type CommandDefinition<Deps> = (context: CommandContext<Deps>) => Command;

/** The `--config` option every command that reads the config has. */
export function configOptionFor(env: NodeJS.ProcessEnv): () => Option {
  const defaultConfig = env.VALHEIM_CONFIG?.trim() || DEFAULT_CONFIG_FILE;
  return () => new Option('--config <file>', 'config file (env VALHEIM_CONFIG)').default(defaultConfig);
}

/** Help text shared by the commands that call Discord's API. */
export const DISCORD_ENV_HELP = `
Environment:
  DISCORD_BOT_TOKEN  bot token to use instead of the one stored in SSM by "valheim secrets set"
  DISCORD_API_URL    Discord API base URL without version (default ${DISCORD_API_URL});
                     tests point it at a local fake, e.g. http://127.0.0.1:8080/api
  VALHEIM_CONFIG     config file used when --config is not given (default ${DEFAULT_CONFIG_FILE})`;

/** Aborts when the user interrupts (Ctrl-C), for commands that run until then. */
export function shutdownSignal(deps: { readonly untilShutdown: () => Promise<string> }): AbortSignal {
  const controller = new AbortController();
  void deps.untilShutdown().then(() => controller.abort());
  return controller.signal;
}

export function parseTimeout(value: string): number {
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms < 100 || ms > 60_000)
    throw new InvalidArgumentError('Expected milliseconds from 100 to 60000.');
  return ms;
}

export function parseMinutes(value: string): number {
  const minutes = Number(value);
  if (!/^\d+$/.test(value) || minutes < 1 || minutes > 180)
    throw new InvalidArgumentError('Expected minutes from 1 to 180.');
  return minutes;
}

/** For repeatable options: each occurrence is added to the list. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535)
    throw new InvalidArgumentError('Expected a number from 0 to 65535.');
  return port;
}
