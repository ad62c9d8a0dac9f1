import { discordSafe } from '../discord/safe-text.js';
import type { SessionRecord } from '../records/session.js';

/**
 * Who played how long this month, by character name (from the server log, summed over the month's session
 * rows), so a group can split the bill by it if it wants.
 */

export interface PlayerHours {
  readonly name: string;
  readonly hours: number;
}

/** The most players listed by name; the rest are summed in one line. */
export const MAX_LISTED_PLAYERS = 10;

/** Each character's hours over the sessions, most first (a tie by name, so the list is stable). */
export function monthPlayers(sessions: readonly SessionRecord[]): PlayerHours[] {
  const minutes = new Map<string, number>();
  for (const session of sessions) {
    for (const [name, value] of Object.entries(session.characterMinutes ?? {})) {
      if (Number.isFinite(value) && value > 0) minutes.set(name, (minutes.get(name) ?? 0) + value);
    }
  }
  return [...minutes]
    .map(([name, value]) => ({ name, hours: value / 60 }))
    .sort((a, b) => b.hours - a.hours || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The "who played" lines, at most `maxChars` long: the top players by name, the others summed in a last
 * line. Undefined when nobody was named (or not even the heading fits).
 */
export function whoPlayed(players: readonly PlayerHours[], maxChars: number): string | undefined {
  if (players.length === 0) return undefined;
  const heading = 'Who played (characters, from the server log):';
  const lines = [heading];
  let length = heading.length;
  let listed = 0;
  for (const player of players.slice(0, MAX_LISTED_PLAYERS)) {
    const line = `• ${discordSafe(player.name)}: ${formatHours(player.hours)}`;
    // Room must stay for the line summing the rest, should any be left out.
    const rest = listed + 1 < players.length ? restLine(players.slice(listed + 1)).length + 1 : 0;
    if (length + 1 + line.length + rest > maxChars) break;
    lines.push(line);
    length += 1 + line.length;
    listed++;
  }
  if (listed < players.length) lines.push(restLine(players.slice(listed)));
  const text = lines.join('\n');
  return text.length <= maxChars ? text : undefined;
}

function restLine(rest: readonly PlayerHours[]): string {
  const hours = rest.reduce((sum, player) => sum + player.hours, 0);
  return `• ${rest.length} more: ${formatHours(hours)}`;
}

function formatHours(hours: number): string {
  return hours < 1 ? `${Math.round(hours * 60)} min` : `${hours.toFixed(1)} h`;
}
