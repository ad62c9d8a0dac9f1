import { type MonthToDate, perWorldLine } from '../cost/month.js';
import { buttonRow, startReplyRow } from '../discord/components.js';
import { gameLine, mismatchLines, updateLines } from '../game/advice.js';
import type { Action, ModKickNotice, StopReason } from '../records/lifecycle.js';
import type { Notice } from '../records/notice.js';
import { isAutomaticSnapshot } from '../worlds/snapshot-policy.js';
import type { TransferOutcome } from './transfer-event.js';

export interface NoticeContext {
  /** Optional DNS name players can use instead of the IP. */
  readonly hostName?: string;
  readonly crossplay: boolean;
  readonly idleStopMinutes: number;
  readonly emptyStopMinutes: number;
  /** For the wording of a stop because the count stayed unknown. @default 60 */
  readonly unknownLimitMinutes?: number;
  /** For the wording of a stop at the session limit. @default 12 */
  readonly maxSessionHours?: number;
  /** What an hour of the server costs (compute and public IPv4), for the stop notice's session line. */
  readonly hourlyCost?: number;
}

const STOP_REASONS: Record<StopReason | 'requested', (context: NoticeContext) => string> = {
  idle: (c) => `nobody was on for ${c.idleStopMinutes} minutes`,
  'nobody-joined': (c) => `nobody joined within ${c.emptyStopMinutes} minutes`,
  requested: () => 'stopped on request',
  blind: (c) =>
    `I could not see who was playing for ${c.unknownLimitMinutes ?? 60} minutes and nobody pressed Keep running`,
  'max-session': () => 'the session reached its time limit and nobody pressed Keep running',
  'mods-refused': () => 'the mods could not be installed, so the game never started',
};

/** Discord renders `<t:…>` in each reader's own time zone. */
const discordTime = (ms: number, style: 't' | 'R') => `<t:${Math.floor(ms / 1000)}:${style}>`;

/** The message for an action, or undefined when the action is not announced. */
export function noticeFor(action: Action, context: NoticeContext, now: number): Notice | undefined {
  switch (action.type) {
    case 'announce-ready': {
      const lines = [`🟢 **The server is up!** Join at \`${action.address}\``];
      if (context.hostName) lines[0] += ` or \`${context.hostName}:2456\``;
      lines[0] += action.start ? ` — ready in ${action.start.readyIn}.` : '.';
      if (action.start) lines.push(action.start.phases);
      if (context.crossplay && action.joinCode) lines.push(`Crossplay join code: **${action.joinCode}**`);
      const game = action.game && gameLine(action.game);
      if (game) lines.push(`🎮 ${game}.`);
      if (action.game) lines.push(...updateLines(action.game));
      if (action.mods) {
        lines.push(
          `🧩 Modded: ${action.mods} ${action.mods === 1 ? 'mod' : 'mods'}, get the profile with \`/valheim mods\`.`,
        );
      }
      lines.push('Need the password? `/valheim password` shows it to you privately.');
      // Edits the start reply: its Refresh must not overwrite it. A start that updated the game offers the
      // way back (operators only; the button first shows what would change).
      return {
        content: lines.join('\n'),
        components: [
          action.game?.update ? startReplyRow('stop', 'status', 'rollback') : startReplyRow('stop', 'status'),
        ],
      };
    }
    case 'announce-game-update': {
      const game = gameLine(action.game);
      return {
        content: [...(game ? [`🎮 ${game}.`] : []), ...updateLines(action.game)].join('\n'),
        components: [buttonRow('status', 'rollback')],
      };
    }
    case 'announce-version-mismatch':
      return { content: mismatchLines(action), components: [buttonRow('status')] };
    case 'announce-slow-start':
      return {
        content: `⏳ The server has been starting for ${action.minutes} minutes, longer than usual. The first start downloads the game (1–2.5 GB) and can take a while; if it stays stuck, look at the server log (CloudWatch log group of the stack) or the ECS service's events.`,
        components: [buttonRow('status', 'stop')],
      };
    case 'announce-interrupted':
      return {
        content: `⚠️ The server stopped unexpectedly${action.spot ? ' (AWS reclaimed the Fargate Spot capacity)' : action.reason ? ` (${sanitize(action.reason)})` : ''}. A replacement is starting and I'll post its new address when it is ready. Play since the last save (up to 30 minutes by default) may be lost.`,
        components: [buttonRow('status')],
      };
    case 'warn-idle': {
      const minutes = Math.max(1, Math.round((action.stopAt - now) / 60_000));
      const why = action.reason === 'idle' ? 'Nobody is on' : 'Nobody has joined';
      return {
        content: `⏰ ${why}, so I'll stop the server <t:${Math.floor(action.stopAt / 1000)}:R> (in about ${minutes} min) to save money. Join to keep it running.`,
        components: [buttonRow('status')],
      };
    }
    case 'cancel-idle-warning':
      return { content: '👍 Someone joined: the server keeps running.', components: [] };
    case 'stop-server':
      return undefined; // announced when it has actually stopped
    case 'announce-stopped': {
      // The image kills the game 58 s after asking it to stop: a save is only certain when the log showed it.
      const saved =
        action.reason === 'mods-refused'
          ? 'The world was not touched.'
          : action.worldSaved
            ? 'The world is saved.'
            : '⚠️ I did not see the world being saved while it shut down: the last autosave (Valheim saves every 20–30 minutes) may be what you get. `npx valheim logs` shows what happened.';
      const lines = [
        `🔴 **Server stopped** (${STOP_REASONS[action.reason](context)}). ${saved} Start it again with \`/valheim start\`.`,
      ];
      if (action.session) lines.push(sessionLine(action.session, now, context.hourlyCost));
      return { content: lines.join('\n'), components: [buttonRow('start')] };
    }
    case 'warn-limit': {
      const minutes = Math.max(1, Math.round((action.stopAt - now) / 60_000));
      const why =
        action.kind === 'blind'
          ? `👀 I can't see who is playing since ${discordTime(action.since, 't')} (the server's log and query say nothing I can read), so I can't tell whether it is still in use.`
          : `⏳ This session has been running since ${discordTime(action.since, 't')}, the limit of ${context.maxSessionHours ?? 12} hours.`;
      return {
        content: `${why} I'll stop the server ${discordTime(action.stopAt, 'R')} (in about ${minutes} min) unless someone presses **Keep running** (or types \`/valheim keep-running\`).`,
        components: [buttonRow('keepRunning', 'status')],
      };
    }
    case 'cancel-limit-warning':
      return {
        content:
          action.kind === 'blind'
            ? '👍 I can see who is playing again: the server keeps running.'
            : '👍 Players are on, so the server keeps running past the session limit: I stop it only once nobody is on.',
        components: [],
      };
    case 'announce-join-code':
      return {
        content: `🔑 **New crossplay join code: ${action.joinCode}** — the old one no longer works.`,
        components: [buttonRow('status')],
      };
    case 'announce-save-error':
      return {
        content: `🚨 **The server could not save the world** (${sanitize(action.detail || 'no reason given')}). Play since the last good save is at risk: stop the server with \`/valheim stop\` and check \`npx valheim logs\` before playing on.`,
        components: [buttonRow('status')],
      };
    case 'announce-mods-refused':
      return {
        content: `🧩 **The mods could not be installed, so the server will not start** (${sanitize(action.detail || 'no reason given')}). I am stopping it rather than starting it without mods. An operator fixes this with \`npx valheim deploy\` (or \`npx valheim mods lock\` first if the list changed); \`npx valheim logs\` shows the install's lines.`,
        components: [buttonRow('start')],
      };
    case 'announce-mod-kicks':
      return { content: action.kicks.map(kickLine).join('\n'), components: [] };
    case 'announce-mods-game-changed':
      return {
        content: `⚠️ **Valheim was updated** (build ${sanitize(action.from)} → ${sanitize(action.to)}) since these mods last ran. Mods that have not caught up may fail or turn players away; the server log shows which. An operator updates them with \`npx valheim mods update\` once their authors have caught up, then deploys.`,
        components: [],
      };
    default:
      return undefined;
  }
}

/** Who was turned away and what to install, in one line per kick. */
function kickLine(kick: ModKickNotice): string {
  const who = /^\d{17}$/.test(kick.peer)
    ? `[${kick.peer}](<https://steamcommunity.com/profiles/${kick.peer}>)`
    : sanitize(kick.peer);
  const mod = kick.mod ? `**${sanitize(kick.mod)}**` : 'a mod';
  const fix =
    kick.reason === 'game'
      ? `their Valheim is ${sanitize(kick.has ?? '?')}, the server runs ${sanitize(kick.need ?? '?')}: update the game (or the server's mods) so both match`
      : kick.reason === 'missing'
        ? `they do not have ${mod}: install the server's mods`
        : `their ${mod} is not the server's version${kick.need ? ` (${sanitize(kick.need)})` : ''}: install the server's mods`;
  return `🚫 The server turned away ${who}: ${fix}. \`/valheim mods\` lists every mod with its version and attaches a profile to import in r2modman.`;
}

/** "This session: 2 h 10 min, up to 3 players, about $0.29." */
export function sessionLine(
  session: { readonly startedAt: number; readonly peakPlayers: number },
  now: number,
  hourlyCost: number | undefined,
): string {
  const ms = Math.max(0, now - session.startedAt);
  const minutes = Math.round(ms / 60_000);
  const duration = minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  const parts = [
    duration,
    session.peakPlayers === 0
      ? 'nobody joined'
      : `up to ${session.peakPlayers} ${session.peakPlayers === 1 ? 'player' : 'players'}`,
  ];
  if (hourlyCost !== undefined) parts.push(`about $${((ms / 3_600_000) * hourlyCost).toFixed(2)}`);
  return `This session: ${parts.join(', ')}.`;
}

/** ECS reasons are AWS text; keep them from breaking formatting or mentioning anyone. */
export function sanitize(text: string): string {
  return text.replace(/[`*_~|@<>]/g, '').slice(0, 200);
}

/** The budget guard: this session took the month's estimate to 80 % of the limit, or past it. */
export function budgetNotice(level: 'warn' | 'over', share: string): Notice {
  return level === 'over'
    ? {
        content: `💸 This month's estimated spend is now ${share}. \`/valheim start\` is refused until next month; an operator can still start one session with the button the refusal shows, or raise \`cost.monthlyLimitUsd\`.`,
        components: [],
      }
    : {
        content: `⚠️ This month's estimated spend is now ${share}. Past the limit, \`/valheim start\` needs an operator's override.`,
        components: [],
      };
}

/** The first of the month, in the notice channel: what last month was (ledger estimate). */
export function monthlySummaryNotice(summary: MonthToDate, chart: string, firstWorld?: string): Notice {
  const money = (value: number) => `$${value.toFixed(2)}`;
  const played =
    summary.hours < 1 ? `${Math.round(summary.hours * 60)} min` : `${summary.hours.toFixed(1)} h`;
  const lines = [
    `🗓️ **${summary.label}:** ${summary.sessions} ${summary.sessions === 1 ? 'session' : 'sessions'}, ${played} played, about **${money(summary.total)}** (${money(summary.playCost)} play + ${money(summary.fixedSoFar)} storage and backups, list prices).`,
  ];
  const worlds = perWorldLine(summary, firstWorld);
  if (worlds) lines.push(worlds);
  if (summary.hours > 0) lines.push('Play hours per day:', chart);
  lines.push('This month so far: `/valheim cost`.');
  return { content: lines.join('\n'), components: [] };
}

/** The monitor could not even start its snapshot task (e.g. ECS refused RunTask). */
export function snapshotNotStartedNotice(reason: 'session-end' | 'session', error: unknown): Notice {
  const what = reason === 'session-end' ? 'the end of this session' : 'this session so far';
  const why = error instanceof Error ? error.message : String(error);
  return {
    content: `⚠️ **Operators:** the automatic world snapshot of ${what} did not start (${sanitize(why)}). The world on the server is untouched and no older snapshot was deleted. Take one by hand with \`/valheim backup\`.`,
    components: [],
  };
}

/** The monitor could not start the upload of a pre-update copy: it waits on the file system. */
export function preUpdateNotStartedNotice(snapshotId: string, error: unknown): Notice {
  const why = error instanceof Error ? error.message : String(error);
  return {
    content: `⚠️ **Operators:** the upload of the world's pre-update copy \`${snapshotId}\` did not start (${sanitize(why)}). The copy stays on the server's file system and goes to S3 with the next snapshot (the end of this session, or \`/valheim backup\`).`,
    components: [],
  };
}

/** The outcome of a world snapshot (e.g. `/valheim backup`); other transfer modes report through the CLI. */
export function transferNotice(outcome: TransferOutcome): Notice | undefined {
  if (outcome.mode === 'pre-update') {
    // Quiet when it worked (the ready notice named the copy); a failure is for operators, the copy is kept.
    return outcome.ok
      ? undefined
      : {
          content: `⚠️ **Operators:** the upload of the pre-update copy${outcome.snapshotId ? ` \`${outcome.snapshotId}\`` : ''} failed (${sanitize(outcome.reason ?? 'unknown reason')}). The copy stays on the server's file system and goes to S3 with the next snapshot.`,
          components: [],
        };
  }
  if (outcome.mode !== 'snapshot') return undefined;
  // The monitor's own snapshots succeed quietly (the stop notice was enough); a failure is for operators.
  if (outcome.snapshotId && isAutomaticSnapshot(outcome.snapshotId)) {
    return outcome.ok
      ? undefined
      : {
          content: `⚠️ **Operators:** the automatic world snapshot \`${outcome.snapshotId}\` failed (${sanitize(outcome.reason ?? 'unknown reason')}). The world on the server is untouched and no older snapshot was deleted. Take one by hand with \`/valheim backup\`; the task's log (CloudWatch) says what went wrong.`,
          components: [],
        };
  }
  return outcome.ok
    ? {
        content: `📦 World snapshot \`${outcome.snapshotId ?? '?'}\` is saved in S3. Restore it with \`npx valheim world restore snapshot:${outcome.snapshotId ?? '?'}\`.`,
        components: [],
      }
    : {
        content: `❌ The world snapshot${outcome.snapshotId ? ` \`${outcome.snapshotId}\`` : ''} failed (${sanitize(outcome.reason ?? 'unknown reason')}). The world on the server is untouched.`,
        components: [],
      };
}
