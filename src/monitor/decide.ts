import type { ModsPresence } from '../players/log-presence.js';
import {
  type Action,
  type GameShown,
  type GameUpdate,
  INITIAL_STATE,
  type LifecycleState,
  type LimitKind,
  type PlayerCount,
  type StopReason,
} from '../records/lifecycle.js';
import type { ServerState } from '../server/server-status.js';

/**
 * The monitor's brain: a pure function of (state, observation, now) that says what the bot should do.
 * No I/O here, so its promises — never stop under anyone who joined before the announced stop time, always
 * stop an empty server, announce each start once — are checked with property-based tests (and against the
 * truth of who is on, in test/monitor/idle-truth.test.ts).
 *
 * How a stop avoids players. The count the bot keeps can be wrong for a while (a lost "Got connection"
 * line, a client that reconnected, a query that does not show a player loading in), so an idle (or
 * empty-session) stop never rests on it alone. It waits until the server itself says nobody is on, in a
 * count taken after the stop time Discord was told: a query answering 0 (at least STOP_SETTLE_MS after that
 * time, so a player who joined just before it has loaded in), or the game's own count line saying 0, at
 * most EMPTY_PROOF_MAX_AGE_MS old, either taken more than 3 minutes after the last connection the log showed
 * (src/monitor/observe.ts). Whoever joined before the announced time is in that count. Late and lost lines only make the stop later (until the next count line, 10 minutes).
 */

export interface LifecycleSettings {
  /** Stop this long after the last player left; 0 disables. @default 15 min */
  readonly idleStopMinutes: number;
  /** Stop this long after ready when nobody joined; 0 disables. @default 30 min */
  readonly emptyStopMinutes: number;
  /** Warn in Discord this long before an idle stop. @default 5 min */
  readonly warnBeforeMinutes: number;
  /** Announce a start taking longer than this. @default 15 min */
  readonly slowStartMinutes: number;
  /** Warn, then stop, when the player count stayed unknown this long; 0 disables. @default 60 min */
  readonly unknownLimitMinutes: number;
  /** Warn, then stop, when a session ran this long; 0 disables. @default 12 h */
  readonly maxSessionHours: number;
  /** How much longer Keep running lets a session run past `maxSessionHours`. @default 2 h */
  readonly keepRunningHours: number;
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
  unknownLimitMinutes: 60,
  maxSessionHours: 12,
  keepRunningHours: 2,
};

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
  /** The last time the log saw somebody join (a join the count may not show yet). */
  readonly lastJoinAt?: number;
  /**
   * The newest moment the server itself said nobody was on (a query answering 0, or the game's own count line
   * saying 0), taken well after the last connection the log showed; only when `players` is 0. What an idle
   * stop rests on.
   */
  readonly emptyAt?: number;
  /** Crossplay: the server is ready but its join code is not logged yet; the ready notice waits briefly. */
  readonly joinCodePending?: boolean;
  readonly gameVersion?: string;
  /** The last failed save the log reported. */
  readonly saveError?: { readonly at: number; readonly detail: string };
  /** Whether the game logged a save while shutting down (undefined: its log said nothing of a shutdown). */
  readonly shutdownSaved?: boolean;
  /** The build and branch the task's start hook logged. */
  readonly gameBuild?: { readonly build: string; readonly branch: string };
  /** The world's copy before a new build loaded it (or its failure), from the start hook. */
  readonly gameUpdate?: GameUpdate;
  /** Peers the game turned away for another version (this task's log). */
  readonly versionMismatches?: ReadonlyArray<{
    readonly peerId: string;
    readonly mine: string;
    readonly remote: string;
    readonly name?: string;
  }>;
  /** What the running task's mod install said, and the players it turned away (src/players/mod-lines.ts). */
  readonly mods?: ModsPresence;
}

export interface Decision {
  readonly state: LifecycleState;
  readonly actions: readonly Action[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** How long the stop notice waits for the shutdown save to show up in the log. */
export const SHUTDOWN_SAVE_WAIT_MS = 90_000;

/**
 * How old the server's own "nobody is on" may be when a stop rests on it. Longer than a count line takes to
 * arrive (up to 90 s) plus a tick (a minute); shorter, so a player who connected after it with a lost line is
 * exposed for as short a time as can be.
 */
export const EMPTY_PROOF_MAX_AGE_MS = 3 * MINUTE;

/**
 * A stop comes at the earliest this long after the time Discord was told: a player who joined just before
 * that time has loaded in (the query shows him) and his lines have arrived.
 */
export const STOP_SETTLE_MS = 90_000;

/**
 * How long before any automatic stop the group is warned. Never zero: no automatic stop happens without a
 * warning in Discord first (scheduled stops aside, which the group set up itself).
 */
function warningWindow(settings: LifecycleSettings): number {
  return Math.max(1, settings.warnBeforeMinutes) * MINUTE;
}

export function decide(
  state: LifecycleState,
  observation: Observation,
  now: number,
  settings: LifecycleSettings = DEFAULT_LIFECYCLE,
): Decision {
  const actions: Action[] = [];
  let next: LifecycleState = noteSaveError(state, observation, actions);

  if (observation.desiredCount === 0) {
    if (observation.server === 'stopped') {
      // The shutdown save's log lines may arrive a little after ECS reports the task stopped: the stop
      // notice waits for them a moment rather than wrongly warning that the world was not saved.
      const firstSeen = next.stoppedSeenAt ?? now;
      // A refused mod install never started the game: no save to wait for, no world to snapshot.
      const gameNeverRan = next.stopReason === 'mods-refused';
      if (
        next.phase !== 'stopped' &&
        !gameNeverRan &&
        observation.shutdownSaved !== true &&
        now - firstSeen < SHUTDOWN_SAVE_WAIT_MS
      ) {
        return { state: { ...next, phase: 'stopping', stoppedSeenAt: firstSeen }, actions };
      }
      if (next.phase !== 'stopped') {
        closeSession(next, observation, now, actions);
        // Only here is the game task known to be gone (it saved on SIGTERM): the world holds the session's end.
        if (!gameNeverRan) actions.push({ type: 'snapshot-world', reason: 'session-end' });
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
    if (next.phase === 'stopping') closeSession(next, observation, now, actions);
    const sessionId = new Date(now).toISOString();
    next = {
      phase: 'starting',
      sessionId,
      startedAt: now,
      taskStartedAt: now,
      peakPlayers: 0,
      interruptions: 0,
      ...(observation.saveError && { saveErrorAnnouncedAt: observation.saveError.at }),
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
    const {
      address: _address,
      taskArn: _taskArn,
      warnedStopAt: _warned,
      readyAt: _readyAt,
      unknownSince: _unknownSince,
      ...rest
    } = next;
    next = {
      ...rest,
      phase: 'starting',
      taskStartedAt: now,
      slowStartAnnounced: false,
      interruptions: (next.interruptions ?? 0) + 1,
    };
  }

  next = applyKeepRunning(next, settings);
  if (observation.gameVersion) next = { ...next, gameVersion: observation.gameVersion };
  next = noteGame(next, observation, actions);
  next = noteMods(next, observation, actions);
  if (next.phase === 'stopping') return { state: next, actions };

  if (next.phase === 'starting') {
    if (
      observation.server === 'running' &&
      observation.publicIp &&
      observation.serverAnswering &&
      !observation.joinCodePending
    ) {
      const address = `${observation.publicIp}:2456`;
      const mods = observation.mods?.installed?.mods;
      next = {
        ...next,
        phase: 'ready',
        readyAt: now,
        address,
        lastActivityAt: now,
        ...(observation.taskArn && { taskArn: observation.taskArn }),
        ...(observation.joinCode && { joinCode: observation.joinCode }),
      };
      const game = gameShown(next);
      actions.push({
        type: 'announce-ready',
        address,
        ...(observation.joinCode && { joinCode: observation.joinCode }),
        ...(game && { game }),
        ...(mods !== undefined && mods > 0 && { mods }),
      });
      if (next.gameUpdate) next = { ...next, gameUpdate: { ...next.gameUpdate, announced: true } };
      if (next.gameBuild && next.gameBranch) {
        actions.push({
          type: 'record-game',
          build: next.gameBuild,
          branch: next.gameBranch,
          ...(next.gameVersion && { version: next.gameVersion }),
        });
      }
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
      // A start that never gets ready is as blind as a hung game: bounded the same way.
      return limits(next, startedAt, now, settings, actions, observation, observation.players);
    }
  }

  if (next.phase !== 'ready') return { state: next, actions };

  // The update's lines came after the ready notice (a late log batch): told on their own, once.
  if (next.gameUpdate && !next.gameUpdate.announced) {
    const game = gameShown(next);
    if (game) actions.push({ type: 'announce-game-update', game });
    next = { ...next, gameUpdate: { ...next.gameUpdate, announced: true } };
  }

  const everyHours = settings.snapshotEveryHours ?? 0;
  if (everyHours > 0 && now - (next.lastSnapshotAt ?? next.readyAt ?? now) >= everyHours * 60 * MINUTE) {
    actions.push({ type: 'snapshot-world', reason: 'session' });
    next = { ...next, lastSnapshotAt: now };
  }

  const players = observation.players;
  if (observation.joinCode && next.joinCode && observation.joinCode !== next.joinCode) {
    // PlayFab handed out a new code: the one in the ready notice no longer works.
    actions.push({ type: 'announce-join-code', joinCode: observation.joinCode });
  }
  next = {
    ...next,
    players,
    ...(observation.joinCode && { joinCode: observation.joinCode }),
  };
  if (players === 'unknown') {
    next = { ...next, unknownSince: next.unknownSince ?? now };
  } else if (next.unknownSince !== undefined) {
    const { unknownSince: _since, ...rest } = next;
    next = rest;
  }

  // A join the count does not show (yet) still counts as activity: the idle clock restarts from it.
  const joinedAt = observation.lastJoinAt;
  if (joinedAt !== undefined && joinedAt <= now && joinedAt > (next.lastActivityAt ?? 0)) {
    // Whoever was warned that nobody is on is told otherwise; a new warning comes in full if it applies.
    next = withdrawIdleWarning({ ...next, lastActivityAt: joinedAt, everJoined: true }, actions);
  }

  const limited = limits(next, next.unknownSince, now, settings, actions, observation, players);
  next = limited.state;
  if (next.phase !== 'ready') return limited;

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
    return { state: withdrawIdleWarning(next, actions), actions };
  }

  const reason: StopReason = next.everJoined ? 'idle' : 'nobody-joined';
  const windowMinutes = reason === 'idle' ? settings.idleStopMinutes : settings.emptyStopMinutes;
  if (windowMinutes <= 0) return { state: withdrawIdleWarning(next, actions), actions };
  const stopAt = (next.lastActivityAt ?? next.readyAt ?? now) + windowMinutes * MINUTE;
  // A warning for an earlier stop time is out of date (somebody joined since): withdraw it, warn anew.
  if (next.warnedStopAt !== undefined && next.warnedStopAt < stopAt)
    next = withdrawIdleWarning(next, actions);
  if (next.warnedStopAt !== undefined && now >= next.warnedStopAt) {
    // Due; but only the server's own count, taken after the announced time, says nobody is on.
    if (!confirmedEmpty(observation, next.warnedStopAt, now)) return { state: next, actions };
    actions.push({ type: 'stop-server', reason });
    return { state: { ...next, phase: 'stopping', stopReason: reason }, actions };
  }
  const window = warningWindow(settings);
  if (next.warnedStopAt === undefined && now >= stopAt - window) {
    // Late (e.g. no tick ran for a while)? The stop still comes a full warning window after the warning.
    const announcedStop = Math.max(stopAt, now + window);
    actions.push({ type: 'warn-idle', stopAt: announcedStop, reason });
    next = { ...next, warnedStopAt: announcedStop };
  }
  return { state: next, actions };
}

/** The server itself said nobody is on, in a fresh count taken after the stop time Discord was told. */
function confirmedEmpty(observation: Observation, announcedAt: number, now: number): boolean {
  const at = observation.emptyAt;
  if (at === undefined || observation.players !== 0) return false;
  return (
    at >= announcedAt &&
    now - at <= EMPTY_PROOF_MAX_AGE_MS &&
    now >= announcedAt + STOP_SETTLE_MS &&
    (observation.lastJoinAt ?? Number.NEGATIVE_INFINITY) < at
  );
}

function withdrawIdleWarning(state: LifecycleState, actions: Action[]): LifecycleState {
  if (state.warnedStopAt === undefined) return state;
  const { warnedStopAt: _warned, ...rest } = state;
  actions.push({ type: 'cancel-idle-warning' });
  return rest;
}

/** A pressed Keep running: the unknown clock restarts, or the session gets `keepRunningHours` more. */
function applyKeepRunning(state: LifecycleState, settings: LifecycleSettings): LifecycleState {
  if (state.keepRunningAt === undefined) return state;
  const { keepRunningAt, limitWarning, ...rest } = state;
  if (limitWarning?.kind === 'blind') return { ...rest, blindAcknowledgedAt: keepRunningAt };
  if (limitWarning?.kind === 'max-session') {
    return { ...rest, sessionExtensionHours: (rest.sessionExtensionHours ?? 0) + settings.keepRunningHours };
  }
  return rest;
}

/**
 * The two bounds on a session nobody ends: the count unknown for `unknownLimitMinutes` (from `blindSince`, or
 * the last Keep running or join the log showed, whichever is later), and `maxSessionHours` in all. Each first
 * warns with a Keep running button, and stops a warning window later if nobody pressed it. Neither stops
 * players the bot knows are on: the session limit waits while the count is above zero (and an empty server
 * stops like an idle one, on the server's own count); only a count that stays unknown (the blind limit, or the
 * session limit while blind) can stop a server with players the bot cannot see.
 */
function limits(
  state: LifecycleState,
  blindSince: number | undefined,
  now: number,
  settings: LifecycleSettings,
  actions: Action[],
  observation: Observation,
  players: PlayerCount,
): Decision {
  const window = warningWindow(settings);
  let next = state;
  const pending = next.limitWarning;
  const joinedAt =
    observation.lastJoinAt !== undefined && observation.lastJoinAt <= now
      ? observation.lastJoinAt
      : undefined;
  // Blind is a count that is unknown now: a known count (while starting too) withdraws a blind warning.
  const blindFrom =
    blindSince === undefined || players !== 'unknown'
      ? undefined
      : Math.max(blindSince, next.blindAcknowledgedAt ?? blindSince, joinedAt ?? blindSince);
  const blindDue =
    settings.unknownLimitMinutes > 0 && blindFrom !== undefined
      ? blindFrom + settings.unknownLimitMinutes * MINUTE
      : undefined;
  const playersOn = typeof players === 'number' && players > 0;
  const sessionEnd =
    settings.maxSessionHours > 0 && next.startedAt !== undefined
      ? next.startedAt + (settings.maxSessionHours + (next.sessionExtensionHours ?? 0)) * HOUR
      : undefined;

  if (pending) {
    // The count is visible again (or a join showed somebody is on), or players are known to be on: withdrawn.
    const stale = pending.kind === 'blind' ? blindDue === undefined || now < blindDue : playersOn;
    if (stale) {
      const { limitWarning: _warning, ...rest } = next;
      actions.push({ type: 'cancel-limit-warning', kind: pending.kind });
      return { state: rest, actions };
    }
    if (now < pending.stopAt) return { state: next, actions };
    // Due. A count of 0 is an empty server: it stops like an idle one, on the server's own count.
    if (players === 0 && !confirmedEmpty(observation, pending.stopAt, now)) return { state: next, actions };
    actions.push({ type: 'stop-server', reason: pending.kind });
    const { limitWarning: _warning, ...rest } = next;
    return { state: { ...rest, phase: 'stopping', stopReason: pending.kind }, actions };
  }

  const due: Array<{ kind: LimitKind; warnAt: number; stopAt: number; since: number }> = [];
  if (sessionEnd !== undefined && next.startedAt !== undefined && !playersOn) {
    due.push({ kind: 'max-session', warnAt: sessionEnd - window, stopAt: sessionEnd, since: next.startedAt });
  }
  if (blindDue !== undefined && blindFrom !== undefined) {
    due.push({ kind: 'blind', warnAt: blindDue, stopAt: blindDue + window, since: blindFrom });
  }
  const first = due.filter((limit) => now >= limit.warnAt).sort((a, b) => a.warnAt - b.warnAt)[0];
  if (first) {
    const stopAt = Math.max(first.stopAt, now + window);
    actions.push({ type: 'warn-limit', kind: first.kind, stopAt, since: first.since });
    next = { ...next, limitWarning: { kind: first.kind, stopAt } };
  }
  return { state: next, actions };
}

/**
 * What the start hook and the game logged about the build: kept in the state; a new update is recorded (and
 * its pre-update copy uploaded) once; each peer refused for another version is announced once a session.
 */
function noteGame(state: LifecycleState, observation: Observation, actions: Action[]): LifecycleState {
  let next = state;
  const build = observation.gameBuild;
  if (build && (next.gameBuild !== build.build || next.gameBranch !== build.branch)) {
    next = { ...next, gameBuild: build.build, gameBranch: build.branch };
  }
  const update = observation.gameUpdate;
  if (update && next.gameUpdate?.at !== update.at) {
    next = { ...next, gameUpdate: { ...update, announced: false } };
    actions.push({
      type: 'record-game',
      build: update.toBuild,
      branch: next.gameBranch ?? build?.branch ?? 'public',
      ...(next.gameVersion && { version: next.gameVersion }),
      update,
    });
  }
  const told = new Set(next.mismatchesAnnounced ?? []);
  for (const refused of observation.versionMismatches ?? []) {
    if (told.has(refused.peerId)) continue;
    told.add(refused.peerId);
    actions.push({
      type: 'announce-version-mismatch',
      peerId: refused.peerId,
      mine: refused.mine,
      remote: refused.remote,
      ...(next.gameBranch && { branch: next.gameBranch }),
      ...(refused.name && { name: refused.name }),
    });
  }
  if (told.size !== (next.mismatchesAnnounced ?? []).length)
    next = { ...next, mismatchesAnnounced: [...told] };
  return next;
}

/** What a notice says about the game that runs, or undefined when nothing is known yet. */
function gameShown(state: LifecycleState): GameShown | undefined {
  const update = state.gameUpdate && withoutAnnounced(state.gameUpdate);
  // The update's own line names the new build when the build line has not arrived (yet).
  const build = state.gameBuild ?? update?.toBuild;
  if (!state.gameVersion && !build) return undefined;
  return {
    ...(state.gameVersion && { version: state.gameVersion }),
    ...(build && { build }),
    ...(state.gameBranch && { branch: state.gameBranch }),
    ...(update && { update }),
  };
}

function withoutAnnounced({
  announced: _announced,
  ...update
}: GameUpdate & { announced?: boolean }): GameUpdate {
  return update;
}

/** A failed save is announced once, at once, whatever the phase: the world is at risk. */
function noteSaveError(state: LifecycleState, observation: Observation, actions: Action[]): LifecycleState {
  const error = observation.saveError;
  if (!error || state.phase === 'stopped' || error.at <= (state.saveErrorAnnouncedAt ?? 0)) return state;
  actions.push({ type: 'announce-save-error', detail: error.detail });
  return { ...state, saveErrorAnnouncedAt: error.at };
}

/**
 * The mod install's news, each announced once (by its log time). A refused install stops the starting task at
 * once: its game never starts (the install step exits before it), so nobody can be on, and a task that waits
 * for a fix only costs money. A Valheim update since the mods last ran, and each player turned away for a mod
 * or game version, are told in Discord with what to install.
 */
function noteMods(state: LifecycleState, observation: Observation, actions: Action[]): LifecycleState {
  const mods = observation.mods;
  if (!mods || state.phase === 'stopped') return state;
  let next = state;
  const refused = mods.refused;
  if (refused && refused.at > (next.modsRefusedAnnouncedAt ?? 0)) {
    actions.push({ type: 'announce-mods-refused', detail: refused.detail });
    next = { ...next, modsRefusedAnnouncedAt: refused.at };
  }
  const changed = mods.gameChanged;
  if (changed && changed.at > (next.modsGameChangedAnnouncedAt ?? 0)) {
    actions.push({ type: 'announce-mods-game-changed', from: changed.from, to: changed.to });
    next = { ...next, modsGameChangedAnnouncedAt: changed.at };
  }
  const fresh = (mods.kicks ?? []).filter((kick) => kick.at > (next.modKickAnnouncedAt ?? 0));
  if (fresh.length > 0) {
    // A player who retries is turned away again and again: told once per MOD_KICK_REPEAT_MS.
    const told: Record<string, number> = {};
    const newest = Math.max(...fresh.map((kick) => kick.at));
    for (const [key, at] of Object.entries(next.modKicksTold ?? {})) {
      if (newest - at < MOD_KICK_REPEAT_MS) told[key] = at;
    }
    const kicks = [];
    for (const { at, ...kick } of fresh) {
      const key = `${kick.peer} ${kick.reason} ${kick.mod ?? ''}`;
      const last = told[key];
      if (last !== undefined && at - last < MOD_KICK_REPEAT_MS) continue;
      told[key] = at;
      kicks.push(kick);
    }
    if (kicks.length > 0) actions.push({ type: 'announce-mod-kicks', kicks });
    next = { ...next, modKickAnnouncedAt: newest, modKicksTold: told };
  }
  if (refused && next.phase === 'starting' && observation.desiredCount > 0) {
    actions.push({ type: 'stop-server', reason: 'mods-refused' });
    next = { ...next, phase: 'stopping', stopReason: 'mods-refused' };
  }
  return next;
}

/** How long a player turned away for the same mod is not announced again. */
export const MOD_KICK_REPEAT_MS = 15 * MINUTE;

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

function closeSession(state: LifecycleState, observation: Observation, now: number, actions: Action[]): void {
  actions.push({
    type: 'announce-stopped',
    reason: state.stopReason ?? 'requested',
    worldSaved: observation.shutdownSaved === true,
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

/**
 * The Keep running button: marks the pending blind or session-limit warning as answered (the next tick
 * applies it). Undefined when no such warning is pending, e.g. it was already answered or the server stopped.
 */
export function requestKeepRunning(state: LifecycleState, now: number): LifecycleState | undefined {
  if (state.limitWarning === undefined || state.keepRunningAt !== undefined) return undefined;
  if (state.phase !== 'ready' && state.phase !== 'starting') return undefined;
  return { ...state, keepRunningAt: now };
}
