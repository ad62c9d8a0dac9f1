import { answersQueries } from '../players/a2s.js';
import { type LogPresence, logPlayerCount } from '../players/log-presence.js';
import { type ServerStatus, taskIdOf } from '../server/server-status.js';
import type { Observation, PlayerCount } from './decide.js';

export interface ObserveSettings {
  /** The server answers the query protocol only when public; crossplay makes its count always 0. */
  readonly public: boolean;
  readonly crossplay: boolean;
}

/** Asks the server how many players are on (A2S_INFO); throws when it does not answer. */
export type PlayerQuery = (host: string, signal: AbortSignal) => Promise<number>;

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
  const logCount = logPlayerCount(log, now, { crossplay: settings.crossplay });

  let queried: number | undefined;
  const queryable = answersQueries(settings);
  if (queryable && status.state === 'running' && status.publicIp) {
    try {
      queried = await query(status.publicIp, signal);
    } catch {
      queried = undefined;
    }
  }

  let players: PlayerCount;
  if (queryable && status.state === 'running') {
    // The query is the source of truth; the log can only add players the query missed.
    const fromLog = typeof logCount === 'number' ? logCount : 0;
    players = queried === undefined ? (fromLog > 0 ? fromLog : 'unknown') : Math.max(queried, fromLog);
  } else {
    players = logCount;
  }

  const lastStop = status.lastStopped;
  return {
    server: status.state,
    desiredCount: status.desiredCount,
    ...(task && { taskArn: task.taskArn }),
    ...(status.publicIp && { publicIp: status.publicIp }),
    serverAnswering: queried !== undefined || log?.readyAt !== undefined,
    players,
    ...(log?.joinCode && { joinCode: log.joinCode }),
    ...(lastStop && {
      lastStop: {
        spot: lastStop.stopCode === 'SpotInterruption',
        ...(lastStop.stoppedReason && { reason: lastStop.stoppedReason }),
      },
    }),
  };
}
