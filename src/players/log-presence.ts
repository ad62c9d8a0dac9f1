import type { StartLogMarks } from '../monitor/start-phases.js';
import type { LogEvent } from './server-log.js';

/**
 * Who is on, according to the server log, folded from events as they arrive. Stored with the monitor's
 * state so each tick can read it. Timestamps are epoch milliseconds of the log events.
 */
export interface LogPresence {
  /** Task the events came from: a new task starts with a clean slate. */
  readonly taskId: string;
  /** Steam peers connected and not yet disconnected. */
  readonly peers: readonly string[];
  /** Last authoritative count (crossplay session line or periodic connections line) and when it was logged. */
  readonly reportedCount?: number;
  readonly reportedAt?: number;
  readonly joinCode?: string;
  /** When the server said it accepts players. */
  readonly readyAt?: number;
  readonly lastEventAt?: number;
  /** What the log said about the start so far (cache, steamcmd, world load), for the start's phases. */
  readonly start?: StartLogMarks;
}

export function emptyPresence(taskId: string): LogPresence {
  return { taskId, peers: [] };
}

export function applyLogEvent(presence: LogPresence, event: LogEvent, at: number): LogPresence {
  const next = { ...presence, lastEventAt: Math.max(presence.lastEventAt ?? 0, at) };
  switch (event.kind) {
    case 'session-active':
      return {
        ...next,
        reportedCount: event.players,
        reportedAt: at,
        joinCode: event.joinCode,
        readyAt: presence.readyAt ?? at,
      };
    case 'join-code':
      return { ...next, joinCode: event.joinCode, readyAt: presence.readyAt ?? at };
    case 'ready':
      return { ...next, readyAt: presence.readyAt ?? at };
    case 'connected':
      return presence.peers.includes(event.peerId)
        ? next
        : { ...next, peers: [...presence.peers, event.peerId] };
    case 'disconnected':
      return { ...next, peers: presence.peers.filter((peer) => peer !== event.peerId) };
    case 'connections':
      // The periodic count wins over connect/disconnect lines we may have missed.
      return { ...next, reportedCount: event.count, reportedAt: at, ...(event.count === 0 && { peers: [] }) };
    case 'shutdown':
      return { ...next, peers: [] };
    default:
      return next;
  }
}

export interface LogCountOptions {
  /** An authoritative count older than this no longer counts. @default 20 min */
  readonly maxAgeMs?: number;
  /** Crossplay players appear only in the periodic session line, never as Steam connections. */
  readonly crossplay: boolean;
}

/**
 * The player count the log supports right now, or 'unknown'. Without crossplay every player connects
 * through Steam, so connect/disconnect lines give the count; with crossplay only a fresh session line does
 * (and a Steam connection seen since still counts).
 */
export function logPlayerCount(
  presence: LogPresence | undefined,
  now: number,
  options: LogCountOptions,
): number | 'unknown' {
  if (!presence?.readyAt) return 'unknown';
  const maxAge = options.maxAgeMs ?? 20 * 60_000;
  const fresh = presence.reportedAt !== undefined && now - presence.reportedAt <= maxAge;
  if (options.crossplay) {
    return fresh ? Math.max(presence.reportedCount ?? 0, presence.peers.length) : 'unknown';
  }
  return presence.peers.length;
}
