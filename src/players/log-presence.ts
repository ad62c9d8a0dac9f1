import type { StartLogMarks } from '../monitor/start-phases.js';
import type { LogEvent } from './server-log.js';

/**
 * Who is on, according to the server log, folded from events as they arrive. Stored with the monitor's
 * state so each tick can read it. Timestamps are epoch milliseconds of the log events.
 *
 * One count, and the newest line wins: a count line (` Connections N ZDOS:`, crossplay's `now N player(s)`)
 * sets it, a connect or disconnect seen after it moves it by one, and a connect or disconnect older than
 * the last count line changes nothing (the count line already includes it). The peer list only tells a new
 * connection from a repeated line; it never overrules the count, so a missed "Closing socket" lasts until
 * the next count line at the latest (10 minutes).
 */
export interface LogPresence {
  /** Task the events came from: a new task starts with a clean slate. */
  readonly taskId: string;
  /** Peers connected and not yet disconnected, oldest first (Steam IDs, or PlayFab platform IDs). */
  readonly peers: readonly string[];
  /** The player count and the time of the line it comes from. */
  readonly count?: number;
  readonly countAt?: number;
  /** The last line that says somebody joined. */
  readonly lastJoinAt?: number;
  readonly joinCode?: string;
  /** When the current join code was logged. */
  readonly joinCodeAt?: number;
  /** When the server said it accepts players. */
  readonly readyAt?: number;
  /** The game build, from `Valheim version: …`. */
  readonly gameVersion?: string;
  readonly lastSaveAt?: number;
  /** The last failed save (the world is at risk). */
  readonly saveError?: { readonly at: number; readonly detail: string };
  /** When the game began shutting down (saves after this are the shutdown save). */
  readonly shutdownAt?: number;
  readonly lastEventAt?: number;
  /** What the log said about the start so far (cache, steamcmd, world load), for the start's phases. */
  readonly start?: StartLogMarks;
}

export function emptyPresence(taskId: string): LogPresence {
  return { taskId, peers: [] };
}

export function applyLogEvent(presence: LogPresence, event: LogEvent, at: number): LogPresence {
  const next: LogPresence = {
    ...presence,
    lastEventAt: Math.max(presence.lastEventAt ?? 0, at),
    // Players connecting or counted prove the server accepts them, should its readiness line be lost.
    ...((event.kind === 'player-count' || event.kind === 'connected') && { readyAt: presence.readyAt ?? at }),
  };
  // A line older than the last count is already part of it (batches can arrive out of order).
  const countIsNewer = presence.countAt !== undefined && presence.countAt > at;
  switch (event.kind) {
    case 'player-count': {
      const joined = event.change === 'joined' ? { lastJoinAt: Math.max(presence.lastJoinAt ?? 0, at) } : {};
      const code = event.joinCode ? joinCode(presence, event.joinCode, at) : {};
      if (countIsNewer) return { ...next, ...joined, ...code };
      return {
        ...next,
        ...joined,
        ...code,
        count: event.players,
        countAt: at,
        ...(event.players === 0 && { peers: [] }),
      };
    }
    case 'join-code':
      return { ...startCount(next, at), ...joinCode(presence, event.joinCode, at) };
    case 'ready':
      return startCount(next, at);
    case 'connected': {
      const withJoin = { ...next, lastJoinAt: Math.max(presence.lastJoinAt ?? 0, at) };
      const known = presence.peers.includes(event.peerId);
      const peers = known ? presence.peers : [...presence.peers, event.peerId];
      // A known peer is a repeated line, unless the count says some listed peers are gone: then it is back.
      const rejoined = known && presence.peers.length > (presence.count ?? 0);
      if (countIsNewer || (known && !rejoined)) return { ...withJoin, peers };
      return { ...withJoin, peers, count: (presence.count ?? 0) + 1, countAt: at };
    }
    case 'disconnected': {
      if (!presence.peers.includes(event.peerId)) return next;
      const peers = presence.peers.filter((peer) => peer !== event.peerId);
      return countIsNewer
        ? { ...next, peers }
        : { ...next, peers, count: Math.max(0, (presence.count ?? 1) - 1), countAt: at };
    }
    case 'world-saved':
      return { ...next, lastSaveAt: Math.max(presence.lastSaveAt ?? 0, at) };
    case 'save-failed':
      return { ...next, saveError: { at, detail: event.detail } };
    case 'version':
      return { ...next, gameVersion: event.version };
    case 'shutdown':
      return { ...next, peers: [], count: 0, countAt: at, shutdownAt: presence.shutdownAt ?? at };
  }
}

/** Readiness: nobody can be on before the server accepts players, so the count starts at 0 there. */
function startCount(presence: LogPresence, at: number): LogPresence {
  return {
    ...presence,
    readyAt: presence.readyAt ?? at,
    ...(presence.count === undefined && { count: 0, countAt: at }),
  };
}

function joinCode(presence: LogPresence, code: string, at: number): Partial<LogPresence> {
  // The later line wins: a "Created new join code" replaces the code players had.
  if (presence.joinCodeAt !== undefined && presence.joinCodeAt > at) return {};
  return { joinCode: code, joinCodeAt: at };
}

/**
 * A count older than this is no longer trusted: the ` Connections N ZDOS:` line comes every 10 minutes in
 * every mode, so two missed ones mean a hung game or a lost log.
 */
export const COUNT_MAX_AGE_MS = 20 * 60_000;

/** The player count the log supports right now, or 'unknown' (before readiness, or when it went stale). */
export function logPlayerCount(
  presence: LogPresence | undefined,
  now: number,
  maxAgeMs: number = COUNT_MAX_AGE_MS,
): number | 'unknown' {
  if (presence?.readyAt === undefined || presence.count === undefined || presence.countAt === undefined) {
    return 'unknown';
  }
  return now - presence.countAt <= maxAgeMs ? presence.count : 'unknown';
}

/** Whether a save line was logged after the game began shutting down (undefined: no shutdown seen). */
export function savedDuringShutdown(presence: LogPresence | undefined): boolean | undefined {
  if (presence?.shutdownAt === undefined) return undefined;
  return presence.lastSaveAt !== undefined && presence.lastSaveAt >= presence.shutdownAt;
}
