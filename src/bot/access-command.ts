import type {
  APIApplicationCommandInteractionDataOption,
  APIChatInputApplicationCommandInteraction,
  APIInteractionResponse,
} from 'discord-api-types/v10';
import { withDeadline } from '../deadline.js';
import {
  ACCESS_GROUP,
  type AccessSubcommand,
  COMMAND_NAME,
  isAccessSubcommand,
} from '../discord/commands.js';
import { OptionType } from '../discord/constants.js';
import { LIMITS, truncate } from '../discord/limits.js';
import { type InteractionClaim, InteractionNotClaimedError } from '../discord/replay.js';
import { messageResponse } from '../discord/responses.js';
import { discordSafe } from '../discord/safe-text.js';
import type { Logger } from '../log.js';
import { MAX_CONNECTIONS } from '../players/log-characters.js';
import type { LogPresence } from '../players/log-presence.js';
import {
  checkPlayerId,
  editPlayerList,
  isPlayerListKind,
  PLAYER_LIST_KINDS,
  PlayerListFullError,
  type PlayerListKind,
  type PlayerListPorts,
  type PlayerLists,
  PlayerListsBusyError,
} from '../players/player-lists.js';
import { mayOperate, type OperatorRule } from './access.js';
import { describeFailure } from './aws-errors.js';
import { NOT_IN_GUILD_MESSAGE, refusedMessage } from './messages.js';

/*
 * `/valheim access add|remove|list`: thin handlers over src/players/player-lists.ts. Every subcommand is for
 * operators: the lists hold players' platform ids, and a ban or an admin is a change to the server.
 */

export interface AccessCommandContext extends OperatorRule {
  /** The lists and their lock; absent on a stack deployed before the lists existed. */
  readonly playerLists?: () => Promise<PlayerListPorts>;
  /** Who played lately, by character name and platform id (the server log's), to add a player by name. */
  readonly store?: () => Promise<{
    loadPresence?(signal?: AbortSignal): Promise<{ presence?: Pick<LogPresence, 'characters'> }>;
  }>;
  readonly budgetMs: number;
  readonly log: Logger;
}

export const LISTS_NOT_SET_UP_MESSAGE =
  'The admin, ban and permitted lists are not set up on this deployment yet: whoever set up the bot deploys the current version (`npm run deploy`).';

const TITLES: Readonly<Record<PlayerListKind, string>> = {
  admins: 'Admins',
  bans: 'Banned',
  permitted: 'Permitted',
};

/** What each list does in the game, for the replies. */
const MEANING: Readonly<Record<PlayerListKind, string>> = {
  admins: 'may use admin console commands (kick, ban, …) in the game',
  bans: 'cannot join',
  permitted: 'when this list is not empty, only the players on it can join',
};

interface AccessCall {
  readonly subcommand: AccessSubcommand;
  readonly list?: PlayerListKind;
  readonly id?: string;
}

/** `/valheim access <subcommand>` with its options, or undefined for any other command. */
export function accessCallOf(
  interaction: Pick<APIChatInputApplicationCommandInteraction, 'data'>,
): AccessCall | undefined {
  if (interaction.data.name !== COMMAND_NAME) return undefined;
  const group = interaction.data.options?.[0];
  if (group?.type !== OptionType.SubcommandGroup || group.name !== ACCESS_GROUP) return undefined;
  const sub = group.options?.[0];
  if (!sub || !isAccessSubcommand(sub.name)) return undefined;
  const options = new Map<string, string>();
  for (const option of (sub.options ?? []) as APIApplicationCommandInteractionDataOption[]) {
    if ('value' in option && typeof option.value === 'string') options.set(option.name, option.value);
  }
  const list = options.get('list');
  const id = options.get('id');
  return {
    subcommand: sub.name,
    ...(list !== undefined && isPlayerListKind(list) && { list }),
    ...(id !== undefined && { id }),
  };
}

/** Runs `/valheim access …` and returns the reply (only the operator sees it); never throws. */
export async function runAccessCommand(
  interaction: Pick<APIChatInputApplicationCommandInteraction, 'guild_id' | 'member' | 'id'>,
  call: AccessCall,
  context: AccessCommandContext,
): Promise<APIInteractionResponse> {
  const reply = (content: string) => messageResponse(truncate(content, LIMITS.content), { ephemeral: true });
  const member = interaction.member;
  if (interaction.guild_id !== context.guildId || !member) return reply(NOT_IN_GUILD_MESSAGE);
  if (!mayOperate(member, context)) {
    return reply(refusedMessage(context.operatorRoleIds, `access ${call.subcommand}`));
  }
  if (!context.playerLists) return reply(LISTS_NOT_SET_UP_MESSAGE);
  const open = context.playerLists;
  const userId = member.user.id;
  if (call.subcommand !== 'list') {
    if (!call.list) return reply('Choose which list: `admins`, `bans` or `permitted`.');
    const check = checkPlayerId(call.id ?? '');
    if (!check.ok && !mayBeCharacterName(call.id ?? '')) return reply(`Nothing changed: ${check.why}.`);
  }
  try {
    return await withDeadline(context.budgetMs, async (signal) => {
      const lists = await open();
      if (call.subcommand === 'list') return reply(listsMessage(await lists.read(signal), call.list));
      const kind = call.list as PlayerListKind;
      const resolved = await resolvePlayerId(call.id ?? '', context, signal);
      if (!resolved.ok) return reply(`Nothing changed: ${resolved.why}.`);
      const id = resolved.id;
      const result = await editPlayerList(
        lists,
        { action: call.subcommand, kind, id },
        { owner: `interaction:${interaction.id}`, signal },
      );
      context.log.info('player list changed', {
        userId,
        list: kind,
        action: call.subcommand,
        changed: result.changed,
      });
      const named = resolved.name ? ` (**${discordSafe(resolved.name)}** played with this id)` : '';
      return reply(editMessage(call.subcommand, kind, id, result.changed, result.ids) + named);
    });
  } catch (error) {
    if (error instanceof PlayerListsBusyError || error instanceof PlayerListFullError) {
      return reply(`Nothing changed: ${error.message}`);
    }
    if (error instanceof InteractionNotClaimedError) {
      return reply('This request was not recorded, so it did nothing.');
    }
    context.log.error('access command failed', { subcommand: call.subcommand, userId, error });
    return reply(describeFailure(error, `${call.subcommand === 'list' ? 'read' : 'change'} the lists`));
  }
}

/** Not an id, nor meant as one: worth looking up as a character name. */
function mayBeCharacterName(input: string): boolean {
  const text = input.trim();
  return text !== '' && !/^\d+$/.test(text) && !/^(steam|xbox)_/i.test(text);
}

type Resolved = { ok: true; id: string; name?: string } | { ok: false; why: string };

/**
 * An id as given, or the platform id a character of that name (any case) last played with, from the server
 * log's connections the bot keeps (the newest 32). Two different ids behind one name are refused: the
 * operator then gives the id.
 */
async function resolvePlayerId(
  input: string,
  context: AccessCommandContext,
  signal: AbortSignal,
): Promise<Resolved> {
  const check = checkPlayerId(input);
  if (check.ok) return check;
  const name = input.trim();
  const presence = (await (await context.store?.())?.loadPresence?.(signal))?.presence;
  const connections = presence?.characters?.connections ?? [];
  const ids = [
    ...new Set(
      connections
        .filter((c) => c.name?.toLowerCase() === name.toLowerCase())
        .sort((a, b) => (b.connectedAt ?? 0) - (a.connectedAt ?? 0))
        .flatMap((c) => {
          const id = checkPlayerId(c.peerId);
          return id.ok ? [id.id] : [];
        }),
    ),
  ];
  if (ids.length === 1) return { ok: true, id: ids[0] as string, name };
  if (ids.length > 1) {
    return {
      ok: false,
      why: `more than one player called "${discordSafe(name)}" played lately (${ids.map((id) => `\`${id}\``).join(', ')}): give the id`,
    };
  }
  return {
    ok: false,
    why: `${check.why}; no character called "${discordSafe(name.slice(0, 40))}" played lately (the bot knows the names of the last ${MAX_CONNECTIONS} connections in the server log)`,
  };
}

function editMessage(
  action: 'add' | 'remove',
  kind: PlayerListKind,
  id: string,
  changed: boolean,
  ids: readonly string[],
): string {
  const title = TITLES[kind].toLowerCase();
  if (!changed) {
    return action === 'add'
      ? `\`${id}\` is on the ${title} list already: nothing changed.`
      : `\`${id}\` is not on the ${title} list: nothing changed.`;
  }
  const done =
    action === 'add' ? `Added \`${id}\` to the ${title} list` : `Took \`${id}\` off the ${title} list`;
  const lines = [
    `✅ ${done} (${ids.length === 0 ? 'now empty' : `${ids.length} now`}). It applies at the next start of the server; a running server keeps the list it started with.`,
  ];
  if (kind === 'permitted' && action === 'add' && ids.length === 1) {
    lines.push('⚠️ From the next start, only players on the permitted list can join.');
  }
  if (kind === 'permitted' && action === 'remove' && ids.length === 0) {
    lines.push('The permitted list is empty: from the next start, anyone with the password can join again.');
  }
  return lines.join('\n');
}

function listsMessage(lists: PlayerLists, only?: PlayerListKind): string {
  const kinds = only ? [only] : PLAYER_LIST_KINDS;
  const lines = kinds.map((kind) => {
    const ids = lists[kind];
    const head = `**${TITLES[kind]}** (${MEANING[kind]})`;
    return ids.length === 0 ? `${head}: nobody` : `${head}:\n${ids.map((id) => `• \`${id}\``).join('\n')}`;
  });
  return [
    ...lines,
    'Changes apply at the next start. Platform ids are in the server log\'s "received local Platform ID" lines.',
  ].join('\n');
}

/**
 * The status line for operators: how many are on each list the next start applies, without the ids (the
 * status message is public). Undefined, and logged, when the lists cannot be read: status never fails for it.
 */
export async function playerListsLine(
  open: () => Promise<PlayerListPorts>,
  log: Logger,
  signal: AbortSignal,
): Promise<string | undefined> {
  try {
    const lists = await (await open()).read(signal);
    const count = (n: number, one: string, many: string) => `${n === 0 ? 'no' : n} ${n === 1 ? one : many}`;
    const permitted =
      lists.permitted.length === 0
        ? 'anyone with the password may join'
        : `only ${count(lists.permitted.length, 'permitted player', 'permitted players')} may join`;
    return `🛡️ Lists at the next start: ${count(lists.admins.length, 'admin', 'admins')}, ${count(lists.bans.length, 'ban', 'bans')}; ${permitted} (\`/valheim access list\`)`;
  } catch (error) {
    log.warn('player lists not read for status', { error });
    return undefined;
  }
}

/** The lists' writes wait for the interaction's record (see claimedWrites in valheim-command.ts). */
export function claimedPlayerLists(lists: PlayerListPorts, claimed: InteractionClaim): PlayerListPorts {
  return {
    read: (signal) => lists.read(signal),
    now: () => lists.now(),
    lock: async (...args) => {
      await claimed();
      return lists.lock(...args);
    },
    write: async (...args) => {
      await claimed();
      return lists.write(...args);
    },
    unlock: (owner, signal) => lists.unlock(owner, signal),
  };
}
