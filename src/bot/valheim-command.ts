import type {
  APIApplicationCommandInteractionDataOption,
  APIChatInputApplicationCommandInteraction,
  APIInteractionResponse,
} from 'discord-api-types/v10';
import { COMMAND_NAME, isSubcommand, OPERATOR_SUBCOMMANDS, type Subcommand } from '../discord/commands.js';
import { OptionType } from '../discord/constants.js';
import { messageResponse } from '../discord/responses.js';
import type { Logger } from '../log.js';
import type { GameServer } from '../server/game-server.js';
import { describeFailure } from './aws-errors.js';
import { withDeadline } from './deadline.js';
import {
  alreadyMessage,
  NOT_IN_GUILD_MESSAGE,
  refusedMessage,
  startingMessage,
  statusMessage,
  stoppingMessage,
  unknownCommandMessage,
} from './messages.js';

export interface CommandContext {
  /** The game server; a function so the AWS SDK is loaded only by requests that need it. */
  readonly server: () => Promise<GameServer>;
  /** The one guild this bot serves. */
  readonly guildId: string;
  /** Roles allowed to start and stop; empty means every member of the guild. */
  readonly operatorRoleIds: readonly string[];
  /** Time allowed for AWS before answering anyway (Discord wants an answer within 3 s). */
  readonly budgetMs: number;
  readonly now: () => Date;
  readonly log: Logger;
}

/** Discord's ADMINISTRATOR permission bit: guild admins may always operate the server. */
const ADMINISTRATOR = 1n << 3n;

/** Runs `/valheim <subcommand>` and returns the reply; never throws. */
export async function runValheimCommand(
  interaction: APIChatInputApplicationCommandInteraction,
  context: CommandContext,
): Promise<APIInteractionResponse> {
  const subcommand = subcommandOf(interaction);
  if (!subcommand) {
    const name = [interaction.data.name, interaction.data.options?.[0]?.name].filter(Boolean).join(' ');
    return messageResponse(unknownCommandMessage(`/${name}`), { ephemeral: true });
  }
  if (interaction.guild_id !== context.guildId || !interaction.member) {
    return messageResponse(NOT_IN_GUILD_MESSAGE, { ephemeral: true });
  }
  if (OPERATOR_SUBCOMMANDS.has(subcommand) && !mayOperate(interaction, context.operatorRoleIds)) {
    return messageResponse(refusedMessage(context.operatorRoleIds), { ephemeral: true });
  }
  const userId = interaction.member.user.id;
  const action = subcommand === 'status' ? 'check the server' : `${subcommand} the server`;
  try {
    return await withDeadline(context.budgetMs, async (signal) => {
      const server = await context.server();
      const status = await server.status(signal);
      if (subcommand === 'status') return messageResponse(statusMessage(status, context.now()));

      const wanted = subcommand === 'start' ? 1 : 0;
      const alreadyThere =
        wanted === 1 ? status.state !== 'stopped' : status.state === 'stopped' || status.state === 'stopping';
      if (alreadyThere) return messageResponse(alreadyMessage(status, subcommand), { ephemeral: true });

      await server.setDesiredCount(wanted, signal);
      context.log.info('desired count changed', { subcommand, userId, from: status.state });
      return messageResponse(wanted === 1 ? startingMessage(userId) : stoppingMessage(userId));
    });
  } catch (error) {
    context.log.error('command failed', { subcommand, userId, error });
    return messageResponse(describeFailure(error, action), { ephemeral: true });
  }
}

function subcommandOf(interaction: APIChatInputApplicationCommandInteraction): Subcommand | undefined {
  if (interaction.data.name !== COMMAND_NAME) return undefined;
  const option: APIApplicationCommandInteractionDataOption | undefined = interaction.data.options?.[0];
  if (option?.type !== OptionType.Subcommand || !isSubcommand(option.name)) return undefined;
  return option.name;
}

function mayOperate(
  interaction: APIChatInputApplicationCommandInteraction,
  operatorRoleIds: readonly string[],
): boolean {
  if (operatorRoleIds.length === 0) return true;
  const member = interaction.member;
  if (!member) return false;
  if (member.roles.some((role) => operatorRoleIds.includes(role))) return true;
  try {
    return (BigInt(member.permissions) & ADMINISTRATOR) === ADMINISTRATOR;
  } catch {
    return false;
  }
}
