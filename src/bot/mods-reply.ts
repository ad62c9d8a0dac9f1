import { LIMITS } from '../discord/limits.js';
import { type DecodedModList, type ModListSet, modLine } from '../records/mod-list.js';
import { tryParseRef } from '../records/mod-package.js';

/**
 * `/valheim mods`: what every player installs, at the locked versions, with Thunderstore links; what only the
 * server loads; the worlds with a list of their own. From the deploy's MODS_LIST (src/records/mod-list.ts):
 * no AWS call, so it answers at once.
 */

export const NO_MODS_MESSAGE =
  '🧩 This server runs **vanilla Valheim**: no mods to install. (An operator adds some with `npx valheim mods add`.)';

/** Room left for the closing lines. */
const BODY_BUDGET = LIMITS.content - 400;

const shortName = (id: string) => {
  const ref = tryParseRef(id);
  return ref?.version ? `${ref.name} ${ref.version}` : id;
};

function playerLines(set: ModListSet, budget: number): { lines: string[]; left: number } {
  const lines: string[] = [];
  let used = 0;
  for (const [index, id] of set.players.entries()) {
    const line = `• ${modLine(id)}`;
    if (used + line.length + 1 > budget) return { lines, left: set.players.length - index };
    lines.push(line);
    used += line.length + 1;
  }
  return { lines, left: 0 };
}

export function modsMessage(list: DecodedModList | undefined, worldName?: string): string {
  const worlds = Object.entries(list?.worlds ?? {});
  const current = worldName ? list?.worlds[worldName] : undefined;
  const set = current ?? list?.default;
  if (!list || !set || (set.players.length === 0 && set.serverOnly.length === 0 && worlds.length === 0)) {
    return NO_MODS_MESSAGE;
  }
  const lines: string[] = [];
  if (set.players.length === 0 && set.serverOnly.length === 0) {
    lines.push(`🧩 The world **${worldName}** runs **vanilla Valheim**: no mods to install for it.`);
  } else {
    lines.push(
      `🧩 **This server is modded.** Every player installs these, at exactly these versions (r2modman or Thunderstore Mod Manager); a different version gets you turned away:`,
    );
    const { lines: mods, left } = playerLines(set, BODY_BUDGET);
    lines.push(...mods);
    if (left + list.omitted > 0) {
      lines.push(
        `…and ${left + list.omitted} more: an operator lists them all with \`npx valheim mods list\`.`,
      );
    }
    if (set.players.length === 0)
      lines.push('Players install nothing: every mod here runs on the server only.');
    if (set.serverOnly.length > 0) {
      lines.push(`Server-only (leave these out): ${set.serverOnly.map(shortName).join(', ')}.`);
    }
  }
  const others = worlds.filter(([name]) => name !== worldName);
  for (const [name, other] of others.slice(0, 5)) {
    lines.push(
      other.players.length === 0 && other.serverOnly.length === 0
        ? `World **${name}** runs without mods.`
        : `World **${name}** has a list of its own (${other.players.length} for players).`,
    );
  }
  lines.push(
    list.profileChannelId
      ? `Quickest: import the group’s profile in r2modman (Import / update → From file): the .r2z is attached to the latest 🧩 **New mods** message in <#${list.profileChannelId}>.`
      : 'Quickest: import the group’s profile in r2modman (Import / update → From file); an operator makes it with `npx valheim mods export`.',
  );
  return lines.join('\n');
}
