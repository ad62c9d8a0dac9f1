import type { SSMClient } from '@aws-sdk/client-ssm';
import { Command } from 'commander';
import { type RESTPutAPIApplicationGuildCommandsResult, Routes } from 'discord-api-types/v10';
import { loadConfig } from '../../config/load.js';
import { COMMAND_NAME, guildCommands, SUBCOMMANDS } from '../../discord/commands.js';
import { type CommandContext, DISCORD_ENV_HELP } from '../command-context.js';
import { discordApiUrl, discordFailure, discordRest, resolveBotToken } from '../discord-client.js';
import type { Terminal } from '../io.js';

export interface RegisterOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
}

export interface RegisterDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly term: Terminal;
  readonly ssm: (region: string) => SSMClient;
}

/** The commands as users see them, e.g. "/valheim start|stop|status". */
export function commandSummary(): string {
  return `/${COMMAND_NAME} ${Object.keys(SUBCOMMANDS).join('|')}`;
}

/** Bulk-overwrites the guild's slash commands with the one shared definition (idempotent, instant). */
export async function registerCommands(options: RegisterOptions, deps: RegisterDeps): Promise<void> {
  const config = loadConfig(options.config);
  const { applicationId, guildId } = config.discord;
  const token = await resolveBotToken(deps.env, () => config, deps.ssm);
  const apiUrl = discordApiUrl(deps.env);
  const rest = await discordRest(token.token, deps.env);

  let registered: RESTPutAPIApplicationGuildCommandsResult;
  try {
    registered = (await rest.put(Routes.applicationGuildCommands(applicationId, guildId), {
      body: guildCommands(),
    })) as RESTPutAPIApplicationGuildCommandsResult;
  } catch (error) {
    throw discordFailure(error, {
      action: 'register the commands',
      token,
      apiUrl,
      target: { applicationId, guildId },
      retry: 'then run valheim discord register again',
    });
  }
  const names = registered.map((command) => `/${command.name}`).join(', ');
  deps.term.out(
    `Registered ${commandSummary()} in Discord server ${guildId} (application ${applicationId}).`,
  );
  if (names !== `/${COMMAND_NAME}`)
    deps.term.err(`valheim: warning: Discord now lists ${names || 'no commands'}`);
  deps.term.out('Guild commands update instantly; type /valheim in the server to try them.');
}

/** `valheim discord register`. */
export function discordRegisterCommand({ deps, configOption }: CommandContext<RegisterDeps>): Command {
  return new Command('register')
    .description(`Register ${commandSummary()} in the Discord server from the config (bulk overwrite)`)
    .addOption(configOption())
    .addHelpText('after', DISCORD_ENV_HELP)
    .action(async (options: RegisterOptions) => {
      await registerCommands(options, deps);
    });
}
