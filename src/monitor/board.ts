import type { MonthToDate } from '../cost/month.js';
import { type BoardButtonAction, boardButtonRow } from '../discord/components.js';
import { discordSafe } from '../discord/safe-text.js';
import type { LogPresence } from '../players/log-presence.js';
import type { LifecycleState } from '../records/lifecycle.js';
import type { Notice } from '../records/notice.js';
import { idleStopAt, type LifecycleSettings, requestKeepRunning } from './decide.js';

/**
 * The live status board: one message in the notice channel, posted once and edited in place whenever what it
 * shows changes (src/monitor/live-messages.ts delivers it). Everything on it is derived from the tick's
 * decision, so it is stored in the same write; times are Discord timestamps (`<t:…:R>`), which every reader's
 * client counts down by itself, so a countdown needs no edit each minute.
 */

export interface BoardSettings {
  /** The world the server runs. */
  readonly worldName?: string;
  /** The next scheduled opening after a given time (schedule.start in the group's time zone). */
  readonly nextOpening?: (now: number) => number | undefined;
}

export interface BoardInput {
  readonly state: LifecycleState;
  readonly lifecycle: LifecycleSettings;
  /** The log of the running task (who is on by character name). */
  readonly presence?: LogPresence;
  /** This month's closed sessions, priced (the running one is added when it ends). */
  readonly month?: MonthToDate;
  readonly now: number;
}

const STATE_LINE: Record<LifecycleState['phase'], string> = {
  stopped: '⚫ **Offline**',
  starting: '🟡 **Starting…**',
  ready: '🟢 **Online**',
  stopping: '🟠 **Winding down**: saving the world and stopping',
};

const at = (ms: number, style: 'R' | 'f' | 't' = 'R') => `<t:${Math.floor(ms / 1000)}:${style}>`;

export function boardNotice(input: BoardInput, settings: BoardSettings): Notice {
  const { state, now } = input;
  const lines = [`📋 **Valheim${settings.worldName ? ` — ${discordSafe(settings.worldName)}` : ''}**`];
  lines.push(STATE_LINE[state.phase]);
  if (state.phase === 'ready' || state.phase === 'starting') {
    if (state.address) {
      lines.push(
        state.phase === 'ready' ? `Join at \`${state.address}\`` : `It will be at \`${state.address}\``,
      );
    }
    if (state.joinCode) lines.push(`Crossplay join code: **${discordSafe(state.joinCode)}**`);
    if (state.startedAt) lines.push(`Up since ${at(state.startedAt, 't')}`);
  }
  if (state.phase === 'ready') {
    lines.push(whoIsOn(state, input.presence));
    if (state.limitWarning) {
      lines.push(
        `⚠️ Stops by itself ${at(state.limitWarning.stopAt)} unless an operator presses **Keep running**.`,
      );
    }
    const idleAt = idleStopAt(state, input.lifecycle);
    if (idleAt !== undefined) {
      lines.push(
        idleAt > now
          ? `⏰ Stops by itself ${at(idleAt)} unless someone joins.`
          : "⏰ Stops as soon as the server's own count confirms nobody is on.",
      );
    }
  }
  const opening = settings.nextOpening?.(now);
  if (opening !== undefined) lines.push(`📅 Next scheduled opening: ${at(opening, 'f')} (${at(opening)})`);
  if (input.month) {
    lines.push(
      `💰 ${input.month.label}: ${input.month.hours.toFixed(1)} h played, about $${input.month.total.toFixed(2)} so far`,
    );
  }
  return { content: lines.join('\n'), components: [boardButtonRow(...buttonsFor(state))] };
}

/** Start while offline, Stop while up, and Keep running while a blind or session-limit warning waits. */
function buttonsFor(state: LifecycleState): BoardButtonAction[] {
  if (state.phase === 'stopped') return ['start'];
  if (state.phase === 'stopping') return [];
  return requestKeepRunning(state, 0) ? ['keepRunning', 'stop'] : ['stop'];
}

/** The player count, and who by character name for as long as the log tells (oldest first). */
function whoIsOn(state: LifecycleState, presence: LogPresence | undefined): string {
  const players = state.players;
  if (players === undefined || players === 'unknown') return '👥 Player count unknown right now.';
  if (players === 0) return '👥 Nobody on.';
  const named = (presence?.characters?.connections ?? [])
    .filter((c) => c.endedAt === undefined && c.name !== undefined && c.connectedAt !== undefined)
    .slice(-players)
    .map((c) => `**${discordSafe(c.name ?? '')}** (since ${at(c.connectedAt ?? 0, 't')})`);
  const count = `${players} ${players === 1 ? 'player' : 'players'} on`;
  return named.length > 0 ? `👥 ${count}: ${named.join(', ')}` : `👥 ${count}.`;
}
