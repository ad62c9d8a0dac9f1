import type {
  APIActionRowComponent,
  APIApplicationCommandAutocompleteInteraction,
  APIApplicationCommandAutocompleteResponse,
  APIApplicationCommandInteractionDataOption,
  APIButtonComponent,
  APIChatInputApplicationCommandInteraction,
  APIInteractionResponse,
  APIMessageComponentInteraction,
} from 'discord-api-types/v10';
import { withDeadline } from '../deadline.js';
import {
  COMMAND_NAME,
  isWorldSubcommand,
  OPERATOR_WORLD_SUBCOMMANDS,
  WORLD_GROUP,
  type WorldSubcommand,
} from '../discord/commands.js';
import { Button, Callback, Component, OptionType } from '../discord/constants.js';
import { LIMITS, truncate } from '../discord/limits.js';
import { type InteractionClaim, InteractionNotClaimedError } from '../discord/replay.js';
import { messageResponse } from '../discord/responses.js';
import type { Logger } from '../log.js';
import type { WorldCatalog } from '../worlds/world-catalog.js';
import {
  describeWorldSettings,
  isWorldName,
  parseWorldSettings,
  type WorldSettings,
  WorldSettingsError,
} from '../worlds/world-settings.js';
import {
  activeWorldOf,
  changeWorldSettings,
  createWorld,
  listWorlds,
  startOnSettledWorld,
  switchWorld,
  WorldChangeBusyError,
  type WorldsPorts,
  worldNames,
} from '../worlds/worlds.js';
import { mayOperate, type OperatorRule } from './access.js';
import { describeFailure } from './aws-errors.js';
import { NOT_IN_GUILD_MESSAGE, refusedMessage } from './messages.js';
import { switchedMessage, unknownWorldMessage, worldListMessage } from './world-messages.js';

/*
 * `/valheim world list | switch | new | settings`, their autocomplete, and the "Stop and switch" button: thin
 * handlers over src/worlds/worlds.ts. The list is for everyone; changes need an operator role (when roles
 * are set), like start and stop.
 */

export interface WorldCommandContext extends OperatorRule {
  /** The worlds; absent when the endpoint runs without the state table or on a stack from before worlds. */
  readonly worlds?: () => Promise<WorldsPorts>;
  /** What a world costs a month per GB while nobody plays, for the list. */
  readonly worldIdleUsdPerGb?: number;
  readonly budgetMs: number;
  readonly now: () => Date;
  readonly log: Logger;
}

export const WORLDS_NOT_SET_UP_MESSAGE =
  'Worlds are not set up on this deployment yet: whoever set up the bot deploys the current version (`npm run deploy`).';

/** The "Stop and switch to X" button's custom_id: the prefix and the world's name. */
export const STOP_AND_SWITCH_PREFIX = 'valheim:world-switch:';

export function stopAndSwitchRow(world: string): APIActionRowComponent<APIButtonComponent> {
  return {
    type: Component.ActionRow,
    components: [
      {
        type: Component.Button,
        style: Button.Danger,
        label: truncate(`Stop and switch to ${world}`, LIMITS.buttonLabel),
        custom_id: `${STOP_AND_SWITCH_PREFIX}${world}`,
      },
    ],
  };
}

/** The world a "Stop and switch" button names, or undefined for any other button. */
export function stopAndSwitchTarget(customId: string): string | undefined {
  if (!customId.startsWith(STOP_AND_SWITCH_PREFIX)) return undefined;
  const name = customId.slice(STOP_AND_SWITCH_PREFIX.length);
  return isWorldName(name) ? name : undefined;
}

interface WorldCall {
  readonly subcommand: WorldSubcommand;
  readonly options: Readonly<Record<string, string | boolean>>;
}

/** `/valheim world <subcommand>` with its options, or undefined for any other command. */
export function worldCallOf(
  interaction: Pick<APIChatInputApplicationCommandInteraction, 'data'>,
): WorldCall | undefined {
  if (interaction.data.name !== COMMAND_NAME) return undefined;
  const group = interaction.data.options?.[0];
  if (group?.type !== OptionType.SubcommandGroup || group.name !== WORLD_GROUP) return undefined;
  const sub = group.options?.[0];
  if (!sub || !isWorldSubcommand(sub.name)) return undefined;
  const options: Record<string, string | boolean> = {};
  for (const option of (sub.options ?? []) as APIApplicationCommandInteractionDataOption[]) {
    if ('value' in option && (typeof option.value === 'string' || typeof option.value === 'boolean')) {
      options[option.name] = option.value;
    }
  }
  return { subcommand: sub.name, options };
}

/** Runs `/valheim world …` and returns the reply; never throws. */
export async function runWorldCommand(
  interaction: APIChatInputApplicationCommandInteraction,
  call: WorldCall,
  context: WorldCommandContext,
): Promise<APIInteractionResponse> {
  const member = interaction.member;
  if (interaction.guild_id !== context.guildId || !member) {
    return messageResponse(NOT_IN_GUILD_MESSAGE, { ephemeral: true });
  }
  if (OPERATOR_WORLD_SUBCOMMANDS.has(call.subcommand) && !mayOperate(member, context)) {
    return messageResponse(refusedMessage(context.operatorRoleIds, `world ${call.subcommand}`), {
      ephemeral: true,
    });
  }
  if (!context.worlds) return messageResponse(WORLDS_NOT_SET_UP_MESSAGE, { ephemeral: true });
  const open = context.worlds;
  const userId = member.user.id;
  try {
    return await withDeadline(context.budgetMs, async (signal) => {
      const worlds = await open();
      const name = String(call.options.name ?? '');
      switch (call.subcommand) {
        case 'list':
          return messageResponse(
            worldListMessage(await listWorlds(worlds, signal), context.worldIdleUsdPerGb),
          );
        case 'switch': {
          const outcome = await switchWorld(worlds, name, signal);
          context.log.info('world switch', { userId, to: name, outcome: outcome.kind });
          return outcome.kind === 'switched'
            ? messageResponse(switchedMessage(outcome, userId))
            : messageResponse(switchedMessage(outcome, userId), {
                ephemeral: true,
                ...(outcome.kind === 'running' && { components: [stopAndSwitchRow(outcome.to.name)] }),
              });
        }
        case 'new': {
          const settings = settingsOf(call.options);
          const outcome = await createWorld(
            worlds,
            { name, by: userId, ...(settings && { settings }) },
            signal,
          );
          if (outcome.kind === 'exists') {
            return messageResponse(
              `There is a world **${outcome.world.name}** already: \`/valheim world switch\` plays it, or choose another name.`,
              { ephemeral: true },
            );
          }
          context.log.info('world created', { userId, world: name, switched: outcome.switched.kind });
          const created = `🌱 <@${userId}> created the world **${outcome.world.name}** (${describeWorldSettings(outcome.world.settings)}). Valheim makes it at its first start.`;
          return messageResponse(`${created}\n${switchedMessage(outcome.switched, userId)}`, {
            ...(outcome.switched.kind === 'running' && {
              components: [stopAndSwitchRow(outcome.world.name)],
            }),
          });
        }
        case 'settings': {
          const current =
            call.options.reset === true ? undefined : (await worlds.catalog.get(name, signal))?.settings;
          const settings = settingsOf(call.options, current ?? {});
          const outcome = await changeWorldSettings(worlds, name, settings, signal);
          if (outcome.kind === 'unknown') {
            return messageResponse(unknownWorldMessage(outcome.name, outcome.known), { ephemeral: true });
          }
          context.log.info('world settings changed', { userId, world: name });
          return messageResponse(
            `⚙️ <@${userId}> set **${outcome.world.name}** to ${describeWorldSettings(outcome.world.settings)}. ${
              outcome.running
                ? 'It is running now: they apply when it starts again.'
                : 'They apply at its next start.'
            }`,
          );
        }
      }
    });
  } catch (error) {
    if (error instanceof WorldSettingsError) return messageResponse(error.message, { ephemeral: true });
    if (error instanceof InteractionNotClaimedError) {
      return messageResponse('This request was not recorded, so it did nothing.', { ephemeral: true });
    }
    context.log.error('world command failed', { subcommand: call.subcommand, userId, error });
    return messageResponse(describeFailure(error, `${call.subcommand} the world`), { ephemeral: true });
  }
}

/** The settings of `/valheim world new|settings`: the preset choice and the typed modifiers. */
function settingsOf(
  options: Readonly<Record<string, string | boolean>>,
  base: WorldSettings = {},
): WorldSettings | undefined {
  const words = [options.preset, options.modifiers].filter(
    (value): value is string => typeof value === 'string',
  );
  const settings = parseWorldSettings(words.join(' '), base);
  return Object.keys(settings).length > 0 ? settings : undefined;
}

/** Autocomplete of the world name: the known worlds containing what was typed, the active one first. */
export async function worldAutocomplete(
  interaction: APIApplicationCommandAutocompleteInteraction,
  context: WorldCommandContext,
): Promise<APIApplicationCommandAutocompleteResponse> {
  const typed = focusedValue(interaction).toLowerCase();
  if (!context.worlds || interaction.guild_id !== context.guildId) return choices([]);
  const open = context.worlds;
  const { active, names } = await withDeadline(context.budgetMs, async (signal) =>
    worldNames(await open(), signal),
  );
  const matching = names.filter((name) => name.toLowerCase().includes(typed));
  // Discord shows at most 25 suggestions.
  return choices(
    matching.slice(0, 25).map((name) => ({ name: name === active ? `${name} (active)` : name, value: name })),
  );
}

function focusedValue(interaction: APIApplicationCommandAutocompleteInteraction): string {
  const stack = [...(interaction.data.options ?? [])] as Array<{
    focused?: boolean;
    value?: unknown;
    options?: unknown[];
  }>;
  while (stack.length > 0) {
    const option = stack.shift();
    if (option?.focused) return typeof option.value === 'string' ? option.value : '';
    stack.push(...((option?.options ?? []) as typeof stack));
  }
  return '';
}

function choices(list: Array<{ name: string; value: string }>): APIApplicationCommandAutocompleteResponse {
  return { type: Callback.ApplicationCommandAutocompleteResult, data: { choices: list } };
}

/**
 * "Stop and switch to X": records the switch, then stops the server the way Stop does (`stop`, the same
 * checks, claim and reply). The monitor switches once the server has stopped, after the stop saved the
 * world; a start meanwhile applies it first.
 */
export async function runStopAndSwitch(
  interaction: APIMessageComponentInteraction,
  to: string,
  context: WorldCommandContext,
  stop: () => Promise<APIInteractionResponse>,
): Promise<APIInteractionResponse> {
  const member = interaction.member;
  if (interaction.guild_id !== context.guildId || !member) {
    return messageResponse(NOT_IN_GUILD_MESSAGE, { ephemeral: true });
  }
  if (!mayOperate(member, context)) {
    return messageResponse(refusedMessage(context.operatorRoleIds, 'world switch'), { ephemeral: true });
  }
  if (!context.worlds) return messageResponse(WORLDS_NOT_SET_UP_MESSAGE, { ephemeral: true });
  const open = context.worlds;
  const userId = member.user.id;
  try {
    const outcome = await withDeadline(context.budgetMs, async (signal) => {
      const worlds = await open();
      // Already stopped (someone else stopped it): switch now.
      const now = await switchWorld(worlds, to, signal);
      if (now.kind !== 'running') return now;
      await worlds.catalog.setPendingSwitch({ to, by: userId, at: context.now().getTime() }, signal);
      return now;
    });
    if (outcome.kind !== 'running') {
      return messageResponse(switchedMessage(outcome, userId), { ephemeral: outcome.kind !== 'switched' });
    }
  } catch (error) {
    if (error instanceof InteractionNotClaimedError) {
      return messageResponse('This request was not recorded, so it did nothing.', { ephemeral: true });
    }
    context.log.error('stop and switch failed', { userId, to, error });
    return messageResponse(describeFailure(error, 'switch the world'), { ephemeral: true });
  }
  context.log.info('stop and switch', { userId, to });
  const stopped = await stop();
  const data = 'data' in stopped ? stopped.data : undefined;
  const content = data && 'content' in data && typeof data.content === 'string' ? data.content : '';
  return {
    ...stopped,
    ...(data && {
      data: {
        ...data,
        content: truncate(
          `${content}\n🔀 Then **${to}**: the switch happens as soon as the server has stopped and saved; \`/valheim start\` runs it.`,
          LIMITS.content,
        ),
      },
    }),
  } as APIInteractionResponse;
}

/** The worlds' writes wait for the interaction's record (see claimedWrites in valheim-command.ts). */
export function claimedWorlds(worlds: WorldsPorts, claimed: InteractionClaim): WorldsPorts {
  const afterClaim =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await claimed();
      return write(...args);
    };
  const { catalog, active } = worlds;
  const claimedCatalog: WorldCatalog = {
    list: (signal) => catalog.list(signal),
    get: (name, signal) => catalog.get(name, signal),
    pendingSwitch: (signal) => catalog.pendingSwitch(signal),
    add: afterClaim(catalog.add.bind(catalog)),
    setSettings: afterClaim(catalog.setSettings.bind(catalog)),
    recordSnapshot: afterClaim(catalog.recordSnapshot.bind(catalog)),
    remove: afterClaim(catalog.remove.bind(catalog)),
    setPendingSwitch: afterClaim(catalog.setPendingSwitch.bind(catalog)),
    clearPendingSwitch: afterClaim(catalog.clearPendingSwitch.bind(catalog)),
    lockChanges: afterClaim(catalog.lockChanges.bind(catalog)),
    unlockChanges: afterClaim(catalog.unlockChanges.bind(catalog)),
  };
  return {
    ...worlds,
    catalog: claimedCatalog,
    active: { read: (signal) => active.read(signal), write: afterClaim(active.write.bind(active)) },
  };
}

/** The active world's name for a reply; undefined (and logged) when it cannot be read. */
export async function activeWorldName(
  worlds: WorldsPorts,
  log: Logger,
  signal: AbortSignal,
): Promise<string | undefined> {
  try {
    return (await activeWorldOf(worlds, signal)).name;
  } catch (error) {
    log.warn('active world not read', { error });
    return undefined;
  }
}

/**
 * Makes a start (`start`: the desired count to 1) on a settled world (worlds.ts, startOnSettledWorld): a
 * pending "Stop and switch" first, and no switch between. Resolves with the world it runs. A world change
 * being made refuses the start (WorldChangeBusyError: try again in a second); when the worlds cannot be read
 * at all, the start goes ahead without them (logged), as a start must not depend on them.
 */
export async function startOnWorld(
  worlds: WorldsPorts,
  active: string | undefined,
  start: () => Promise<void>,
  log: Logger,
  signal: AbortSignal,
): Promise<string | undefined> {
  let startCalled = false;
  const counted = async () => {
    startCalled = true;
    await start();
  };
  try {
    return await startOnSettledWorld(worlds, counted, signal);
  } catch (error) {
    if (startCalled || error instanceof WorldChangeBusyError || error instanceof InteractionNotClaimedError) {
      throw error;
    }
    log.warn('start made without the worlds (they could not be read)', { error });
    await start();
    return active;
  }
}
