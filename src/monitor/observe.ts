import { answersQueries } from '../players/a2s.js';
import { type LogPresence, logPlayerCount, savedDuringShutdown } from '../players/log-presence.js';
import type { PlayerCount } from '../records/lifecycle.js';
import { type ServerStatus, taskIdOf } from '../server/server-status.js';
import type { Observation } from './decide.js';

export interface ObserveSettings {
  /** The server answers the query protocol only when public; crossplay makes its count always 0. */
  readonly public: boolean;
  readonly crossplay: boolean;
}

/**
 * How long a join in the log counts on top of a query that answered: the query may not show a player who is
 * still loading in. After that the query wins, so a missed disconnect in the log cannot pin the count. For the
 * same reason neither a query nor a count line taken this soon after a connection proves the server empty.
 */
export const LOG_JOIN_GRACE_MS = 3 * 60_000;

/** With crossplay, how long the ready notice waits for the join code once the server is ready. */
export const JOIN_CODE_WAIT_MS = 2 * 60_000;

/** Asks the server how many players are on (A2S_INFO); throws when it does not answer. */
export type PlayerQuery = (host: string, signal: AbortSignal) => Promise<number>;

/** Where to ask the server for its player count, when it answers such queries and runs. */
export function queryHost(status: ServerStatus, settings: ObserveSettings): string | undefined {
  return answersQueries(settings) && status.state === 'running' ? status.publicIp : undefined;
}

/**
 * Turns what ECS, the query protocol and the server log say into one observation for `decide`.
 * The rule that keeps games alive: when the source we rely on fails, the count is 'unknown', never 0.
 */
export async function observe(
  status: ServerStatus,
  presence: LogPresence | undefined,
  query: PlayerQuery,
  settings: ObserveSettings,
  now: number,
  signal: AbortSignal,
): Promise<Observation> {
  const task = status.task;
  // Log presence belongs to one task; a replacement starts from nothing.
  const log = task && presence?.taskId === taskIdOf(task.taskArn) ? presence : undefined;
  const logCount = logPlayerCount(log, now);
  // The stop notice needs the log of the task that just stopped.
  const stoppedLog =
    !task && status.lastStopped && presence?.taskId === taskIdOf(status.lastStopped.taskArn)
      ? presence
      : undefined;

  let queried: number | undefined;
  const queryable = answersQueries(settings);
  const host = queryHost(status, settings);
  if (host !== undefined) {
    try {
      queried = await query(host, signal);
    } catch {
      queried = undefined;
    }
  }

  let players: PlayerCount;
  if (queryable && status.state === 'running') {
    // The query is the source of truth while it answers; the log adds only a player who just joined. When the
    // query fails, a fresh log count stands in (and a stale one is 'unknown', never 0).
    const recentJoin = log?.lastJoinAt !== undefined && now - log.lastJoinAt <= LOG_JOIN_GRACE_MS;
    if (queried === undefined) players = logCount;
    else players = recentJoin && typeof logCount === 'number' ? Math.max(queried, logCount) : queried;
  } else {
    players = logCount;
  }

  const emptyAt = players === 0 ? emptySince(queried, log, now) : undefined;
  const sessionLog = log ?? stoppedLog;
  const shutdownSaved = savedDuringShutdown(sessionLog);
  const lastStop = status.lastStopped;
  return {
    server: status.state,
    desiredCount: status.desiredCount,
    ...(task && { taskArn: task.taskArn }),
    ...(status.publicIp && { publicIp: status.publicIp }),
    serverAnswering: queried !== undefined || log?.readyAt !== undefined,
    players,
    ...(log?.joinCode && { joinCode: log.joinCode }),
    ...(log?.lastJoinAt !== undefined && { lastJoinAt: log.lastJoinAt }),
    ...(emptyAt !== undefined && { emptyAt }),
    ...(settings.crossplay &&
      log?.readyAt !== undefined &&
      !log.joinCode &&
      now - log.readyAt < JOIN_CODE_WAIT_MS && { joinCodePending: true }),
    ...(log?.gameVersion && { gameVersion: log.gameVersion }),
    ...(log?.gameBuild && { gameBuild: { build: log.gameBuild.build, branch: log.gameBuild.branch } }),
    ...(log?.preUpdate && { gameUpdate: log.preUpdate }),
    ...(log?.mismatches &&
      log.mismatches.length > 0 && {
        versionMismatches: log.mismatches.map((refused) => {
          const name = log.characters?.connections.findLast(
            (c) => c.peerId === refused.peerId && c.name,
          )?.name;
          return {
            peerId: refused.peerId,
            mine: refused.mine,
            remote: refused.remote,
            ...(name && { name }),
          };
        }),
      }),
    ...(sessionLog?.saveError && { saveError: sessionLog.saveError }),
    // The running task's: a refused install stops this task, and a replacement starts from nothing.
    ...(log?.mods && { mods: log.mods }),
    ...(shutdownSaved !== undefined && { shutdownSaved }),
    ...(lastStop && {
      lastStop: {
        spot: lastStop.stopCode === 'SpotInterruption',
        ...(lastStop.stoppedReason && { reason: lastStop.stoppedReason }),
      },
    }),
  };
}

/**
 * The newest moment the server itself said nobody was on: a query that answered 0 (now), or the game's own
 * count line saying 0 (its log time), either taken more than LOG_JOIN_GRACE_MS after the last connection the
 * log showed (a player still connecting or loading in may not be in the game's count yet; one who connected
 * after it certainly is not). A count derived from connect and disconnect lines is no such proof: a lost
 * "Got connection" line would make it 0 with a player on.
 */
function emptySince(
  queried: number | undefined,
  log: LogPresence | undefined,
  now: number,
): number | undefined {
  const joinedAt = log?.lastJoinAt ?? Number.NEGATIVE_INFINITY;
  const proofs: number[] = [];
  if (queried === 0 && now - joinedAt > LOG_JOIN_GRACE_MS) proofs.push(now);
  if (log?.base?.count === 0 && log.base.at - joinedAt > LOG_JOIN_GRACE_MS) proofs.push(log.base.at);
  return proofs.length > 0 ? Math.max(...proofs) : undefined;
}
