import type { Logger } from '../log.js';
import type { Notice } from '../records/notice.js';
import type { QueuedStart } from '../records/server-state.js';
import type { GameServer } from '../server/game-server.js';
import { claimBasis } from './claims.js';
import { sanitize } from './notices.js';
import type { StoredState } from './state-store.js';
import type { TransferOutcome } from './transfer-event.js';

/*
 * The monitor's half of a start queued behind a world transfer (src/bot/queued-start.ts is the command's):
 * when a transfer task has stopped and no other runs, the start is taken off the queue and made the way
 * `/valheim start` makes it (a claim in the state item, the start reply kept for the monitor to edit through
 * the start's phases, then the desired count). Only one taker: the queue item is removed conditionally.
 */

/** Discord's interaction token lasts 15 minutes: a start asked longer ago is not made on its behalf. */
export const QUEUED_START_MAX_AGE_MS = 15 * 60_000;

export interface QueuedStartPorts {
  readonly store: {
    load(signal?: AbortSignal): Promise<StoredState>;
    save(
      state: StoredState['state'],
      expectedVersion: number,
      options?: { startReply?: QueuedStart['reply']; claim?: StoredState['claim'] | null },
    ): Promise<boolean>;
    queuedStart(signal?: AbortSignal): Promise<QueuedStart | undefined>;
    dropQueuedStart(id: string, signal?: AbortSignal): Promise<boolean>;
  };
  readonly server: GameServer;
  /** ARNs of the world-transfer tasks that run or are about to. */
  readonly transfersInProgress: (signal: AbortSignal) => Promise<readonly string[]>;
  /**
   * Makes the start (`start`: the desired count to 1) on a settled world: a pending "Stop and switch" first,
   * no switch in between (src/worlds/worlds.ts, startOnSettledWorld). @default - just `start`
   */
  readonly startOnWorld?: (start: () => Promise<void>, signal: AbortSignal) => Promise<void>;
  /** Tells the member who asked (edits the queued reply) when the start is not made after all. */
  readonly tell: (notice: Notice, reply: QueuedStart['reply']) => Promise<void>;
  readonly now: () => number;
  readonly log: Logger;
}

export type QueuedStartOutcome =
  | 'none'
  /** Another transfer still runs: its own end takes the start. */
  | 'waiting'
  /** Someone else took it (another monitor invocation). */
  | 'taken'
  | 'started'
  /** The server runs or starts already (someone started it meanwhile). */
  | 'already'
  | 'expired'
  /** A transfer that changes the world on the file system failed: a person looks before the game starts. */
  | 'withheld';

/** Transfer modes that only read the server's files. */
const READ_ONLY_MODES = new Set(['snapshot', 'list-backups', 'fetch-backup']);

/** Time for the reads and writes of one queued start (the monitor Lambda has 30 s). */
const BUDGET_MS = 8000;

/**
 * Called when a world transfer has stopped (`finished`: how it went). Makes the queued start, if there is one
 * and nothing else holds the world.
 */
export async function startQueued(
  ports: QueuedStartPorts,
  finished?: Pick<TransferOutcome, 'mode' | 'ok' | 'reason'>,
): Promise<QueuedStartOutcome> {
  const signal = AbortSignal.timeout(BUDGET_MS);
  const queued = await ports.store.queuedStart(signal);
  if (!queued) return 'none';
  const running = await ports.transfersInProgress(signal);
  if (running.length > 0) {
    ports.log.info('queued start waits for the next transfer', { tasks: running });
    return 'waiting';
  }
  if (!(await ports.store.dropQueuedStart(queued.id, signal))) return 'taken';
  const age = ports.now() - queued.at;
  if (age > QUEUED_START_MAX_AGE_MS) {
    ports.log.info('queued start expired', { ageMs: age });
    await ports.tell(expiredNotice(queued.reply.userId), queued.reply);
    return 'expired';
  }
  // A snapshot only reads the world: whatever its outcome, the world on the file system is as the game left
  // it. A restore, import or delete that failed may have stopped halfway (its next run repairs the swap):
  // starting the game on that is not for the bot to decide.
  if (finished && !finished.ok && !READ_ONLY_MODES.has(finished.mode)) {
    ports.log.error('queued start withheld: a world transfer failed', { ...finished });
    await ports.tell(withheldNotice(queued.reply.userId, finished), queued.reply);
    return 'withheld';
  }
  const [stored, status] = await Promise.all([ports.store.load(signal), ports.server.status(signal)]);
  if (status.state !== 'stopped') {
    ports.log.info('queued start: the server is not stopped any more', { server: status.state });
    return 'already';
  }
  const at = ports.now();
  const claimed = await ports.store.save(stored.state, stored.version, {
    startReply: queued.reply,
    claim: { desiredCount: 1, basis: claimBasis(status), at },
  });
  if (!claimed) {
    // A member or a tick wrote meanwhile: they decided on a newer view; a start they made stands.
    ports.log.info('queued start: the state changed meanwhile, left to that change');
    return 'taken';
  }
  const start = () => ports.server.setDesiredCount(1, signal);
  try {
    let started = false;
    const counted = async () => {
      started = true;
      await start();
    };
    if (ports.startOnWorld) {
      // The start was promised when it was queued: without the worlds (or their lease), it is made anyway.
      await ports.startOnWorld(counted, signal).catch(async (error: unknown) => {
        if (started) throw error;
        ports.log.error('queued start made without the worlds', { error });
        await start();
      });
    } else {
      await start();
    }
  } catch (error) {
    await ports.store.save(stored.state, stored.version + 1, { claim: null }).catch(() => undefined);
    ports.log.error('queued start failed', { error });
    await ports.tell(failedNotice(queued.reply.userId, error), queued.reply);
    return 'withheld';
  }
  ports.log.info('queued start made', { userId: queued.reply.userId, waitedMs: at - queued.at });
  return 'started';
}

const who = (userId: string | undefined) => (userId ? `<@${userId}>` : 'You');

function expiredNotice(userId: string | undefined): Notice {
  return {
    content: `⌛ ${who(userId)}: the world transfer took longer than 15 minutes, so the start you asked for was not made. Start again with \`/valheim start\`.`,
    components: [],
  };
}

function withheldNotice(
  userId: string | undefined,
  finished: Pick<TransferOutcome, 'mode' | 'reason'>,
): Notice {
  return {
    content: `⚠️ ${who(userId)}: the server was not started: the world ${finished.mode} it waited for failed (${sanitize(finished.reason ?? 'unknown reason')}). Whoever set up the bot checks \`npx valheim world backups\` and the transfer's log first; then \`/valheim start\`.`,
    components: [],
  };
}

function failedNotice(userId: string | undefined, error: unknown): Notice {
  const why = error instanceof Error ? error.message : String(error);
  return {
    content: `❌ ${who(userId)}: the world transfer is done, but the server did not start (${sanitize(why)}). Try \`/valheim start\` again.`,
    components: [],
  };
}
