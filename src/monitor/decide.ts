import type { ServerState } from '../server/server-status.js';

/**
 * The monitor's brain: a pure function of (state, observation, now) that says what the bot should do.
 * No I/O here, so its promises — never stop while anyone may be playing, always stop an empty server on
 * time, announce each start once — are checked with property-based tests.
 */

/** Where a session is in its life, as the bot sees it. */
export type Phase = 'stopped' | 'starting' | 'ready' | 'stopping';

export type StopReason = 'idle' | 'nobody-joined';

/** A player count: a number we trust, or 'unknown' (a failed query is never taken for zero). */
export type PlayerCount = number | 'unknown';

export interface LifecycleSettings {
  /** Stop this long after the last player left; 0 disables. @default 15 min */
  readonly idleStopMinutes: number;
  /** Stop this long after ready when nobody joined; 0 disables. @default 30 min */
  readonly emptyStopMinutes: number;
  /** Warn in Discord this long before an idle stop. @default 5 min */
  readonly warnBeforeMinutes: number;
  /** Announce a start taking longer than this. @default 15 min */
  readonly slowStartMinutes: number;
  /**
   * Snapshot the world to S3 every this many hours of a running session; 0 or absent = only at the end.
   * @default - only at the end of a session
   */
  readonly snapshotEveryHours?: number;
}

export const DEFAULT_LIFECYCLE: LifecycleSettings = {
  idleStopMinutes: 15,
  emptyStopMinutes: 30,
  warnBeforeMinutes: 5,
  slowStartMinutes: 15,
};

export interface LifecycleState {
  readonly phase: Phase;
  /** Identifies the session (start to stop) in the ledger. */
  readonly sessionId?: string;
  readonly startedAt?: number;
  /** When the current task began starting (differs from startedAt after a crash or Spot replacement). */
  readonly taskStartedAt?: number;
  readonly readyAt?: number;
  /** The task that was announced as ready, and its address. */
  readonly taskArn?: string;
  readonly address?: string;
  readonly joinCode?: string;
  /** Last moment anyone was (or may have been) playing; the idle clock runs from here. */
  readonly lastActivityAt?: number;
  readonly everJoined?: boolean;
  readonly players?: PlayerCount;
  readonly peakPlayers?: number;
  /** The stop time announced by an idle warning, so it is sent once. */
  readonly warnedStopAt?: number;
  readonly slowStartAnnounced?: boolean;
  /** Set when the bot itself stops the server, so the stop notice can say why. */
  readonly stopReason?: StopReason;
  readonly interruptions?: number;
  /** When the last snapshot during this session was asked for (the every-few-hours clock runs from here). */
  readonly lastSnapshotAt?: number;
}

export const INITIAL_STATE: LifecycleState = { phase: 'stopped' };

export interface Observation {
  /** ECS's view, as derived by the server module. */
  readonly server: ServerState;
  readonly desiredCount: number;
  /** The task meant to run (or running), if any. */
  readonly taskArn?: string;
  readonly publicIp?: string;
  /** The game answers (query protocol) or its log says it accepts players. */
  readonly serverAnswering: boolean;
  readonly players: PlayerCount;
  readonly joinCode?: string;
  /** Why the previously announced task stopped, when ECS still knows. */
  readonly lastStop?: { readonly spot: boolean; readonly reason?: string };
}

export type Action =
  | { readonly type: 'session-opened'; readonly sessionId: string; readonly at: number }
  | { readonly type: 'announce-ready'; readonly address: string; readonly joinCode?: string }
  | { readonly type: 'announce-slow-start'; readonly minutes: number }
  | { readonly type: 'announce-interrupted'; readonly spot: boolean; readonly reason?: string }
  | { readonly type: 'warn-idle'; readonly stopAt: number; readonly reason: StopReason }
  | { readonly type: 'cancel-idle-warning' }
  | { readonly type: 'stop-server'; readonly reason: StopReason }
  | {
      readonly type: 'announce-stopped';
      readonly reason: StopReason | 'requested';
      /** What the session was, for the stop notice's summary line. */
      readonly session?: { readonly startedAt: number; readonly peakPlayers: number };
    }
  | { readonly type: 'upsert-dns'; readonly ip: string }
  | { readonly type: 'delete-dns' }
  | {
      readonly type: 'session-closed';
      readonly sessionId: string;
      readonly at: number;
      readonly reason: string;
    }
  | { readonly type: 'stop-polling' }
  /**
   * Snapshot the world to the world bucket: at the end of a session, once the game task has stopped (and so
   * saved), or during a long one.
   */
  | { readonly type: 'snapshot-world'; readonly reason: 'session-end' | 'session' };

export interface Decision {
  readonly state: LifecycleState;
  readonly actions: readonly Action[];
}

const MINUTE = 60_000;

export function decide(
  state: LifecycleState,
  observation: Observation,
  now: number,
  settings: LifecycleSettings = DEFAULT_LIFECYCLE,
): Decision {
  const actions: Action[] = [];
  let next: LifecycleState = state;

  if (observation.desiredCount === 0) {
    if (observation.server === 'stopped') {
      if (next.phase !== 'stopped') {
        closeSession(next, now, actions);
        // Only here is the game task known to be gone (it saved on SIGTERM): the world holds the session's end.
        actions.push({ type: 'snapshot-world', reason: 'session-end' });
      }
      actions.push({ type: 'stop-polling' });
      return { state: INITIAL_STATE, actions };
    }
    if (next.phase !== 'stopped') next = { ...next, phase: 'stopping' };
    return { state: next, actions };
  }

  // Our stop did not take effect (the scale-down failed or was reversed) while the same task still runs:
  // carry on with the session; the idle rule below retries the stop if it still applies.
  if (next.phase === 'stopping' && observation.server === 'running' && observation.taskArn === next.taskArn) {
    const { stopReason: _reason, ...rest } = next;
    next = { ...rest, phase: 'ready' };
  }

  // Somebody wants the server up: open a session if none is running.
  if (next.phase === 'stopped' || next.phase === 'stopping') {
    if (next.phase === 'stopping') closeSession(next, now, actions);
    const sessionId = new Date(now).toISOString();
    next = {
      phase: 'starting',
      sessionId,
      startedAt: now,
      taskStartedAt: now,
      peakPlayers: 0,
      interruptions: 0,
    };
    actions.push({ type: 'session-opened', sessionId, at: now });
  }

  // The announced task is gone while we still want a server: a crash or a Spot interruption.
  if (next.phase === 'ready' && (observation.server !== 'running' || observation.taskArn !== next.taskArn)) {
    actions.push({
      type: 'announce-interrupted',
      spot: observation.lastStop?.spot ?? false,
      ...(observation.lastStop?.reason && { reason: observation.lastStop.reason }),
    });
    const { address: _address, taskArn: _taskArn, warnedStopAt: _warned, readyAt: _readyAt, ...rest } = next;
    next = {
      ...rest,
      phase: 'starting',
      taskStartedAt: now,
      slowStartAnnounced: false,
      interruptions: (next.interruptions ?? 0) + 1,
    };
  }

  if (next.phase === 'starting') {
    if (observation.server === 'running' && observation.publicIp && observation.serverAnswering) {
      const address = `${observation.publicIp}:2456`;
      next = {
        ...next,
        phase: 'ready',
        readyAt: now,
        address,
        lastActivityAt: now,
        ...(observation.taskArn && { taskArn: observation.taskArn }),
        ...(observation.joinCode && { joinCode: observation.joinCode }),
      };
      actions.push({
        type: 'announce-ready',
        address,
        ...(observation.joinCode && { joinCode: observation.joinCode }),
      });
      actions.push({ type: 'upsert-dns', ip: observation.publicIp });
    } else {
      const startedAt = next.taskStartedAt ?? next.startedAt ?? now;
      if (
        !next.slowStartAnnounced &&
        settings.slowStartMinutes > 0 &&
        now - startedAt >= settings.slowStartMinutes * MINUTE
      ) {
        actions.push({ type: 'announce-slow-start', minutes: Math.floor((now - startedAt) / MINUTE) });
        next = { ...next, slowStartAnnounced: true };
      }
      return { state: next, actions };
    }
  }

  if (next.phase !== 'ready') return { state: next, actions };

  const everyHours = settings.snapshotEveryHours ?? 0;
  if (everyHours > 0 && now - (next.lastSnapshotAt ?? next.readyAt ?? now) >= everyHours * 60 * MINUTE) {
    actions.push({ type: 'snapshot-world', reason: 'session' });
    next = { ...next, lastSnapshotAt: now };
  }

  const players = observation.players;
  next = {
    ...next,
    players,
    ...(observation.joinCode && { joinCode: observation.joinCode }),
  };
  if (players === 'unknown' || players > 0) {
    // Someone is (or may be) playing: the idle clock restarts and any warning is withdrawn.
    next = {
      ...next,
      lastActivityAt: now,
      ...(players !== 'unknown' && {
        everJoined: true,
        peakPlayers: Math.max(next.peakPlayers ?? 0, players),
      }),
    };
    if (next.warnedStopAt !== undefined) {
      const { warnedStopAt: _warned, ...rest } = next;
      next = rest;
      actions.push({ type: 'cancel-idle-warning' });
    }
    return { state: next, actions };
  }

  const reason: StopReason = next.everJoined ? 'idle' : 'nobody-joined';
  const windowMinutes = reason === 'idle' ? settings.idleStopMinutes : settings.emptyStopMinutes;
  if (windowMinutes <= 0) return { state: next, actions };
  const stopAt = (next.lastActivityAt ?? next.readyAt ?? now) + windowMinutes * MINUTE;
  if (now >= stopAt) {
    actions.push({ type: 'stop-server', reason });
    return { state: { ...next, phase: 'stopping', stopReason: reason }, actions };
  }
  const warnAt = stopAt - settings.warnBeforeMinutes * MINUTE;
  if (settings.warnBeforeMinutes > 0 && now >= warnAt && next.warnedStopAt === undefined) {
    actions.push({ type: 'warn-idle', stopAt, reason });
    next = { ...next, warnedStopAt: stopAt };
  }
  return { state: next, actions };
}

/** When the idle stop will happen if nobody joins, for status messages; undefined when none is pending. */
export function idleStopAt(
  state: LifecycleState,
  settings: LifecycleSettings = DEFAULT_LIFECYCLE,
): number | undefined {
  if (state.phase !== 'ready' || state.players !== 0) return undefined;
  const minutes = state.everJoined ? settings.idleStopMinutes : settings.emptyStopMinutes;
  if (minutes <= 0) return undefined;
  return (state.lastActivityAt ?? state.readyAt ?? 0) + minutes * MINUTE;
}

function closeSession(state: LifecycleState, now: number, actions: Action[]): void {
  actions.push({
    type: 'announce-stopped',
    reason: state.stopReason ?? 'requested',
    ...(state.startedAt !== undefined && {
      session: { startedAt: state.startedAt, peakPlayers: state.peakPlayers ?? 0 },
    }),
  });
  if (state.address) actions.push({ type: 'delete-dns' });
  if (state.sessionId) {
    actions.push({
      type: 'session-closed',
      sessionId: state.sessionId,
      at: now,
      reason: state.stopReason ?? 'requested',
    });
  }
}
