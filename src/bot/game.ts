import type {
  APIChatInputApplicationCommandInteraction,
  APIInteractionResponse,
  APIMessageComponentInteraction,
} from 'discord-api-types/v10';
import { withDeadline } from '../deadline.js';
import { GAME_BRANCH_OPTION, GAME_BRANCH_SUBCOMMAND, GAME_GROUP } from '../discord/commands.js';
import { messageResponse } from '../discord/responses.js';
import {
  branchNameProblem,
  DEFAULT_GAME_SETTING,
  type GameSetting,
  KNOWN_BRANCHES,
  PUBLIC_BRANCH,
  steamBranchAdvice,
} from '../game/branch.js';
import { describeRollback, planRollback, type RollbackPorts, RollbackRefused } from '../game/rollback.js';
import type { Logger } from '../log.js';
import { mayOperate } from './access.js';
import { describeFailure } from './aws-errors.js';
import { NOT_IN_GUILD_MESSAGE, refusedMessage } from './messages.js';

/*
 * The game's version from Discord: `/valheim game branch [name]` and the Roll back… button under a notice of
 * a game update (its dry-run: what `npx valheim game rollback` would change). Operators only, like start and
 * stop; showing the branch is for everyone.
 */

/** What the game commands need; absent when the stack does not wire them (an older deploy). */
export interface GameAccess {
  /** The branch parameter. */
  readonly setting: () => Promise<RollbackPorts['setting']>;
  /** Everything a rollback plan reads (loaded only by the button). */
  readonly rollback: () => Promise<RollbackPorts>;
}

/** The part of the command context these replies use (the bot's CommandContext has it). */
export interface GameContext {
  readonly guildId: string;
  readonly operatorRoleIds: readonly string[];
  readonly game?: GameAccess;
  readonly budgetMs: number;
  readonly log: Logger;
}

export const GAME_NOT_SET_UP_MESSAGE =
  'Choosing the game version from Discord is not set up on this deployment: deploy the current version (`npm run deploy`), or use `npx valheim game branch`.';

type Member = Parameters<typeof mayOperate>[0];

/**
 * The `/valheim game branch [name]` in an interaction (its name, when one was given), or undefined when the
 * interaction is another command.
 */
export function gameBranchCallOf(
  interaction: APIChatInputApplicationCommandInteraction,
): { readonly name?: string } | undefined {
  const group = interaction.data.options?.[0];
  if (!group || group.name !== GAME_GROUP || !('options' in group)) return undefined;
  const subcommand = group.options?.[0];
  if (!subcommand || subcommand.name !== GAME_BRANCH_SUBCOMMAND || !('options' in subcommand))
    return undefined;
  const option = subcommand.options?.find((candidate) => candidate.name === GAME_BRANCH_OPTION);
  const name = option && 'value' in option && typeof option.value === 'string' ? option.value : undefined;
  return name === undefined ? {} : { name };
}

/** `/valheim game branch [name]`: shows the branch (everyone), or sets it (operators). Never throws. */
export async function gameBranchReply(
  request: { readonly guildId?: string; readonly member?: Member; readonly name?: string },
  context: GameContext,
): Promise<APIInteractionResponse> {
  if (request.guildId !== context.guildId || !request.member) {
    return messageResponse(NOT_IN_GUILD_MESSAGE, { ephemeral: true });
  }
  const game = context.game;
  if (!game) return messageResponse(GAME_NOT_SET_UP_MESSAGE, { ephemeral: true });
  const wanted = request.name?.trim().toLowerCase();
  if (wanted !== undefined && !mayOperate(request.member, context)) {
    return messageResponse(refusedMessage(context.operatorRoleIds, 'game branch'), { ephemeral: true });
  }
  if (wanted !== undefined) {
    const problem = branchNameProblem(wanted);
    if (problem) return messageResponse(`${problem}.`, { ephemeral: true });
  }
  try {
    return await withDeadline(context.budgetMs, async (signal) => {
      const setting = await game.setting();
      const current = (await setting.read(signal)) ?? DEFAULT_GAME_SETTING;
      if (wanted === undefined) return messageResponse(branchShown(current));
      if (current.branch === wanted && !current.hold) {
        return messageResponse(`The server already installs the **${wanted}** branch.`, { ephemeral: true });
      }
      await setting.write({ branch: wanted }, signal);
      context.log.info('game branch changed', { userId: request.member?.user.id, from: current, to: wanted });
      const released = current.hold ? ` (the rollback's hold on build ${current.hold} is released)` : '';
      return messageResponse(
        `🎮 The server now installs the **${wanted}** branch${released}: the next start takes its current build (a running server keeps its build until it restarts).\nPlayers: ${steamBranchAdvice(wanted)}`,
      );
    });
  } catch (error) {
    context.log.error('game branch failed', { error });
    return messageResponse(describeFailure(error, 'change the game branch'), { ephemeral: true });
  }
}

/** The Roll back… button: what a rollback would change now (a dry-run), and how to do it. Never throws. */
export async function rollbackPreviewReply(
  interaction: APIMessageComponentInteraction,
  context: GameContext,
): Promise<APIInteractionResponse> {
  const member = interaction.member;
  if (interaction.guild_id !== context.guildId || !member) {
    return messageResponse(NOT_IN_GUILD_MESSAGE, { ephemeral: true });
  }
  if (!mayOperate(member, context)) {
    return messageResponse(refusedMessage(context.operatorRoleIds, 'game rollback'), { ephemeral: true });
  }
  const game = context.game;
  if (!game) return messageResponse(GAME_NOT_SET_UP_MESSAGE, { ephemeral: true });
  try {
    return await withDeadline(context.budgetMs, async (signal) => {
      const plan = await planRollback(await game.rollback(), signal);
      return messageResponse(
        [
          '↩️ **A rollback would change this** (nothing has changed yet):',
          ...describeRollback(plan).map((line) => `- ${line}`),
          'To do it, an operator runs `npx valheim game rollback` (it shows this again and asks).',
        ].join('\n'),
        { ephemeral: true },
      );
    });
  } catch (error) {
    if (error instanceof RollbackRefused) {
      return messageResponse(`↩️ No rollback now: ${error.problem}. ${capitalize(error.fix)}.`, {
        ephemeral: true,
      });
    }
    context.log.error('rollback preview failed', { error });
    return messageResponse(describeFailure(error, 'work out the rollback'), { ephemeral: true });
  }
}

function branchShown(setting: GameSetting): string {
  const lines = [`🎮 The server installs the **${setting.branch}** branch.`];
  if (setting.hold) {
    lines.push(
      `It is held at build ${setting.hold} by a rollback: starts skip Steam's update until an operator picks a branch (\`/valheim game branch ${setting.branch}\`).`,
    );
  }
  if (setting.branch !== PUBLIC_BRANCH) lines.push(`Players: ${steamBranchAdvice(setting.branch)}`);
  lines.push(`Operators choose another with \`/valheim game branch <name>\` (${KNOWN_BRANCHES.join(', ')}).`);
  return lines.join('\n');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
