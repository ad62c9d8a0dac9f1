import { budgetCrossing, budgetShare } from '../cost/budget.js';
import { type MonthToDate, monthRange, monthToDate } from '../cost/month.js';
import { type GameRecords, recordGameStart } from '../game/game-record.js';
import type { Logger } from '../log.js';
import { characterMinutes } from '../players/log-characters.js';
import type { LogPresence } from '../players/log-presence.js';
import type { Action, LifecycleState } from '../records/lifecycle.js';
import type { StartReply } from '../records/notice.js';
import type { QueuedStart } from '../records/server-state.js';
import type { SessionRecord } from '../records/session.js';
import type { GameServer } from '../server/game-server.js';
import { type ServerStatus, taskIdOf } from '../server/server-status.js';
import { type BoardSettings, boardNotice } from './board.js';
import { claimBasis } from './claims.js';
import { type Decision, decide, type LifecycleSettings, type Observation } from './decide.js';
import { type DeliveryStore, deliverPending, type Notify, noticesOf, supersededBy } from './deliveries.js';
import { type FeedSettings, feedBatch, feedMessageAfter } from './feed.js';
import {
  applyLiveChange,
  deliverLive,
  type LiveDiscord,
  type LiveStore,
  liveChange,
} from './live-messages.js';
import {
  budgetNotice,
  type NoticeContext,
  preUpdateNotStartedNotice,
  snapshotNotStartedNotice,
  transferNotice,
} from './notices.js';
import { type ObserveSettings, observe, type PlayerQuery, queryHost } from './observe.js';
import { startQueued } from './queued-start.js';
import {
  readySummary,
  reportStartProgress,
  type StartProgress,
  type StartProgressPort,
  startProgressOf,
} from './start-progress.js';
import type { LiveChange, SaveOptions, StoredState } from './state-store.js';
import { type TransferOutcome, transferOutcome } from './transfer-event.js';

/**
 * One monitor tick: observe → decide → save (conditionally) → act. Runs on every ECS task state change of
 * the cluster and once a minute while a server is up (the minute schedule is switched off when it stops,
 * so an idle month costs no invocations).
 */

export interface MonitorStore extends DeliveryStore {
  load(signal?: AbortSignal): Promise<StoredState>;
  save(state: LifecycleState, expectedVersion: number, options?: SaveOptions): Promise<boolean>;
  loadPresence(signal?: AbortSignal): Promise<{ presence?: LogPresence; version: number }>;
  recordSession(session: Partial<SessionRecord> & { sessionId: string }): Promise<void>;
  loadBackupReply(snapshotId: string): Promise<StartReply | undefined>;
  /** A start queued behind a world transfer (src/bot/queued-start.ts), made when the transfer has stopped. */
  queuedStart?(signal?: AbortSignal): Promise<QueuedStart | undefined>;
  dropQueuedStart?(id: string, signal?: AbortSignal): Promise<boolean>;
  /** Ledger rows whose session started in [from, to) (the budget guard's month). */
  sessions(from: Date, to: Date, signal?: AbortSignal): Promise<SessionRecord[]>;
}

/** The monitor's own world snapshots (session ends, long sessions) and their retention. */
export interface SessionSnapshots {
  /**
   * Starts the world-transfer task in snapshot mode without waiting; resolves with the snapshot id, or
   * undefined when another transfer already runs (a snapshot, or a restore, which snapshots first: either
   * holds the same world).
   */
  take(reason: 'session-end' | 'session', at: number, worldName?: string): Promise<string | undefined>;
  /** Deletes the automatic snapshots the retention no longer keeps; resolves with their ids. */
  prune(now: number): Promise<readonly string[]>;
  /**
   * Starts the transfer task that uploads the pre-update copies the game task left (src/game/hooks.ts);
   * resolves false when another transfer runs (the next snapshot then takes them along). Absent: the next
   * snapshot takes them along.
   */
  uploadPreUpdate?(snapshotId: string): Promise<boolean>;
}

/** The worlds as the monitor needs them; absent on a stack without the active world's parameters. */
export interface MonitorWorlds {
  /** server.world: the owner of ledger rows from before worlds were switchable. */
  readonly firstWorld: string;
  /** The world the game runs, or the next start runs (its parameters). */
  active(signal?: AbortSignal): Promise<string>;
  /**
   * Applies a "Stop and switch" once the game has stopped (checked again against ECS, so never under a
   * player); the world switched to, if one was.
   */
  applyPendingSwitch(signal?: AbortSignal): Promise<string | undefined>;
  /** Runs `start` on a settled world (a pending switch made first, no switch in between); the world it runs. */
  startOnWorld(start: () => Promise<void>, signal?: AbortSignal): Promise<string>;
}

export interface MonitorPorts {
  readonly server: GameServer;
  readonly store: MonitorStore;
  readonly queryPlayers: PlayerQuery;
  readonly notify: Notify;
  /** The messages kept up to date in the notice channel (feed, board); absent without a notice channel. */
  readonly live?: { readonly discord: LiveDiscord; readonly channelId: string; readonly store: LiveStore };
  readonly dns?: { upsert(ip: string): Promise<void>; remove(ip: string): Promise<void> };
  readonly polling: { enable(): Promise<void>; disable(): Promise<void> };
  /** Edits the start reply through the start's phases and notifies the starter when ready. */
  readonly startProgress?: StartProgressPort;
  /** Absent when the stack has no world transfer wired to the monitor. */
  readonly snapshots?: SessionSnapshots;
  /** The GAME record (which build runs, the one before, the pre-update copies); absent: not kept. */
  readonly game?: GameRecords;
  /** The world-transfer tasks that run or are about to (a queued start waits for none to run). */
  readonly transfersInProgress?: (signal: AbortSignal) => Promise<readonly string[]>;
  /** Which world runs (the ledger and the snapshots name it) and the pending switch. */
  readonly worlds?: MonitorWorlds;
  readonly now: () => number;
  readonly log: Logger;
}

export interface MonitorSettings extends ObserveSettings {
  readonly lifecycle: LifecycleSettings;
  readonly task: { readonly cpu: number; readonly memoryMiB: number; readonly spot: boolean };
  readonly notices: NoticeContext;
  /** For the monthly summary: the always-on items per month (USD) and the region's prices. */
  readonly summary?: { readonly fixedMonthly: number; readonly region: string };
  /** The activity feed in the notice channel; absent when the group opted into none of it. */
  readonly feed?: FeedSettings;
  /** The live status board in the notice channel; absent when it is turned off. */
  readonly board?: BoardSettings;
  /** The budget guard: a notice when a session takes the month's estimate to 80 % or past the limit. */
  readonly budget?: {
    readonly monthlyLimitUsd: number;
    /** The always-on items per month (USD). */
    readonly fixedMonthly: number;
    readonly region: string;
  };
}

/** `log-news`: the log Lambda saw readiness, a join code or a failed save, and asks for a tick now. */
export type TickTrigger = 'task-event' | 'schedule' | 'log-news';

export interface TickResult {
  readonly actions: readonly Action[];
  readonly state: LifecycleState;
  /** False when another writer got there first: nothing was done, the next tick re-evaluates. */
  readonly applied: boolean;
  /** What the decision rested on (after the re-check, for a stop). */
  readonly observation: Observation;
}

/** Time for the AWS reads and the player query of one tick. */
const OBSERVE_BUDGET_MS = 8000;

export async function runMonitorTick(
  ports: MonitorPorts,
  settings: MonitorSettings,
  trigger: TickTrigger,
): Promise<TickResult> {
  const signal = AbortSignal.timeout(OBSERVE_BUDGET_MS);
  const [stored, status, { presence: loaded }] = await Promise.all([
    ports.store.load(signal),
    ports.server.status(signal),
    ports.store.loadPresence(signal),
  ]);
  const firstNow = ports.now();
  const firstLook = await observe(status, loaded, ports.queryPlayers, settings, firstNow, signal);
  const firstDecision = decide(stored.state, firstLook, firstNow, settings.lifecycle);
  // The moment of stopping: ask again, and read the newest log batch, so a join that arrived meanwhile counts.
  const { observation, presence, now, decided } = firstDecision.actions.some(isStop)
    ? await recheck(ports, settings, stored.state, status)
    : { observation: firstLook, presence: loaded, now: firstNow, decided: firstDecision };
  const progress = startProgressOf(
    stored.state,
    decided.state,
    decided.actions,
    status.task,
    presence,
    stored.startReply,
    now,
  );
  const withProgress = progress ? withStartProgress(decided, progress, now) : decided;
  const closes = withProgress.actions.some((action) => action.type === 'session-closed');
  // The feed's news due now, added to the session's feed message in the same write that covers it (a closing
  // session flushes it; once stopped, nothing is read until the next session). When the full message still
  // waits for Discord, the batch waits too: the watermark stays, and a later tick adds it.
  const sessionId = stored.state.sessionId ?? withProgress.state.sessionId;
  const batch =
    settings.feed && ports.live && stored.state.phase !== 'stopped'
      ? feedBatch(
          taskLog(presence, status),
          stored.state.feedPosted,
          settings.feed,
          stored.feedMuted ?? [],
          now,
          closes,
        )
      : undefined;
  const feedMessage = batch && feedMessageAfter(stored.live?.feed, batch, sessionId, now);
  const decision =
    feedMessage && withProgress.state.phase !== 'stopped'
      ? { ...withProgress, state: { ...withProgress.state, feedPosted: batch.watermark } }
      : withProgress;
  const board =
    settings.board && ports.live
      ? await boardChange(ports, settings, stored, decision, taskLog(presence, status), now)
      : undefined;
  const live: Partial<Record<'feed' | 'board', LiveChange>> = {
    ...(feedMessage?.change && { feed: feedMessage.change }),
    ...(board && { board }),
  };
  // The notices are stored with the decision, so whatever happens next they are delivered by some tick.
  const fresh = noticesOf(decision.actions, settings.notices, stored.startReply, now);
  const drop = supersededBy(fresh, stored.outbox ?? []);
  // An idle stop claims the change like /valheim stop does, so a member pressing Stop meanwhile is told it is
  // already stopping instead of scaling down a second time.
  const stops = decision.actions.some(isStop);
  const applied = await ports.store.save(decision.state, stored.version, {
    ...(closes && { startReply: null }),
    ...(stops && { claim: { desiredCount: 0, basis: claimBasis(status), at: now } }),
    ...(fresh.length > 0 && { enqueue: fresh }),
    ...(drop.length > 0 && { drop }),
    ...(Object.keys(live).length > 0 && { live }),
  });
  if (!applied) {
    ports.log.info('state changed meanwhile; leaving this tick to the next one', { trigger });
    return { actions: decision.actions, state: decision.state, applied, observation };
  }
  if (batch) {
    ports.log.info('feed batch', {
      lines: batch.lines.length,
      through: batch.watermark.seq,
      added: feedMessage !== undefined,
    });
  }
  ports.log.info('monitor tick', {
    trigger,
    phase: decision.state.phase,
    server: observation.server,
    players: observation.players,
    actions: decision.actions.map((action) => action.type),
  });

  for (const action of decision.actions) {
    if (action.type === 'stop-polling') continue; // after the deliveries, which may need more ticks
    try {
      await act(action, ports, settings, stored, decision.state, now, presence);
    } catch (error) {
      // One failed action (a DNS error, a ledger write) must not block the others, least of all a stop.
      ports.log.error('monitor action failed', { action: action.type, error });
    }
  }
  // The game is gone (the stop saved the world): a "Stop and switch" waiting for that is applied now.
  // After the session's end is recorded and its snapshot started (they name the world that ran).
  if (
    ports.worlds &&
    decision.state.phase === 'stopped' &&
    observation.server === 'stopped' &&
    observation.desiredCount === 0
  ) {
    await switchAfterStop(ports.worlds, ports.log);
  }
  const pending = [...(stored.outbox ?? []).filter((notice) => !drop.includes(notice.id)), ...fresh];
  const undelivered =
    (await deliverPending(pending, ports).catch((error: unknown) => {
      ports.log.error('notice delivery failed', { error });
      return pending.length;
    })) + (await deliverLiveMessages(ports, stored, live));
  if (decision.actions.some((action) => action.type === 'stop-polling')) {
    if (undelivered === 0) {
      await ports.polling
        .disable()
        .catch((error: unknown) =>
          ports.log.error('monitor action failed', { action: 'stop-polling', error }),
        );
    } else {
      ports.log.info('polling stays on until the pending notices are delivered', { undelivered });
    }
  }
  if (progress && ports.startProgress) {
    await reportStartProgress(ports.startProgress, progress, {
      reply: stored.startReply,
      sessionId: decision.state.sessionId,
      address: decision.state.address,
      now,
      log: ports.log,
    });
  }
  // A task event while a session runs makes sure the minute schedule is on (e.g. after a redeploy).
  if (
    trigger === 'task-event' &&
    decision.state.phase !== 'stopped' &&
    !decision.actions.some(isSessionOpened)
  ) {
    await ports.polling
      .enable()
      .catch((error: unknown) => ports.log.error('cannot enable polling', { error }));
  }
  return { actions: decision.actions, state: decision.state, applied, observation };
}

/**
 * The status board's new content, if what it shows changed: the decided state, who is on, the next opening
 * and this month's closed sessions (with the one this tick closes).
 */
async function boardChange(
  ports: MonitorPorts,
  settings: MonitorSettings,
  stored: StoredState,
  decision: Decision,
  presence: LogPresence | undefined,
  now: number,
): Promise<LiveChange | undefined> {
  if (!settings.board) return undefined;
  let month: MonthToDate | undefined;
  if (settings.summary) {
    const closing = decision.actions.find((action) => action.type === 'session-closed');
    const { from, to } = monthRange(new Date(now));
    try {
      const sessions = (await ports.store.sessions(from, to))
        .map((row) =>
          closing && row.sessionId === closing.sessionId ? { ...row, stoppedAt: closing.at } : row,
        )
        .filter((row) => row.stoppedAt !== undefined);
      month = monthToDate(sessions, new Date(now), settings.summary.region, settings.summary.fixedMonthly);
    } catch (error) {
      ports.log.warn('status board: the month could not be read', { error });
    }
  }
  const notice = boardNotice(
    { state: decision.state, lifecycle: settings.lifecycle, presence, ...(month && { month }), now },
    settings.board,
  );
  return liveChange(stored.live?.board, 'board', notice, now);
}

/**
 * Brings the live messages in Discord up to what this tick stored (and what earlier ticks left pending);
 * returns how many are still pending. The board is posted anew when a member deleted it; a deleted feed
 * message stays deleted (its next lines start a new one).
 */
async function deliverLiveMessages(
  ports: MonitorPorts,
  stored: StoredState,
  changes: Partial<Record<'feed' | 'board', LiveChange>>,
): Promise<number> {
  if (!ports.live) return 0;
  const livePorts = { ...ports.live, now: ports.now, log: ports.log };
  let pending = 0;
  for (const key of ['board', 'feed'] as const) {
    const change = changes[key];
    const message = change ? applyLiveChange(stored.live?.[key], change) : stored.live?.[key];
    if (!message) continue;
    const outcome = await deliverLive(key, message, livePorts, { recreateDeleted: key === 'board' }).catch(
      (error: unknown) => {
        ports.log.error('live message delivery failed', { key, error });
        return 'pending' as const;
      },
    );
    if (outcome === 'pending' || outcome === 'held') pending++;
  }
  return pending;
}

function isStop(action: Action): boolean {
  return action.type === 'stop-server';
}

/** Time for the re-check's query and read: the query's own timeout (3 s) and a read. */
const RECHECK_BUDGET_MS = 4000;

/**
 * A decision to stop is made again at the moment of stopping: the query asked again and, after its answer,
 * the newest log batch read (the log Lambda writes it to the same table), then decided anew from the same
 * stored state. Only a stop that still holds goes ahead; nothing is saved in between.
 */
async function recheck(
  ports: MonitorPorts,
  settings: MonitorSettings,
  state: LifecycleState,
  status: Awaited<ReturnType<GameServer['status']>>,
): Promise<{
  observation: Observation;
  presence: LogPresence | undefined;
  now: number;
  decided: Decision;
}> {
  const signal = AbortSignal.timeout(RECHECK_BUDGET_MS);
  const host = queryHost(status, settings);
  const answer =
    host === undefined
      ? undefined
      : await ports.queryPlayers(host, signal).then(
          (players) => ({ players }),
          (error: unknown) => ({ error }),
        );
  const { presence } = await ports.store.loadPresence(signal);
  const replay: PlayerQuery = async () => {
    if (!answer || 'error' in answer) throw answer?.error ?? new Error('not asked');
    return answer.players;
  };
  const now = ports.now();
  const observation = await observe(status, presence, replay, settings, now, signal);
  return { observation, presence, now, decided: decide(state, observation, now, settings.lifecycle) };
}

/**
 * The log of the task the tick is about (the running one, or the one that just stopped): the news of an
 * earlier task was flushed when its session closed.
 */
function taskLog(presence: LogPresence | undefined, status: ServerStatus): LogPresence | undefined {
  const task = status.task ?? status.lastStopped;
  return task && presence?.taskId === taskIdOf(task.taskArn) ? presence : undefined;
}

/** Remembers the phase the start reply shows, and gives the ready notice the start's duration. */
function withStartProgress(decision: Decision, progress: StartProgress, now: number): Decision {
  return {
    state: { ...decision.state, startProgress: progress.key },
    actions: decision.actions.map((action) =>
      action.type === 'announce-ready' ? { ...action, start: readySummary(progress.timeline, now) } : action,
    ),
  };
}

/** Minutes per character this session, from the log (only the current task's: the log starts afresh per task). */
function sessionCharacters(
  presence: LogPresence | undefined,
  startedAt: number | undefined,
  stoppedAt: number,
): { characterMinutes?: Record<string, number> } {
  const minutes = characterMinutes(
    presence?.characters,
    startedAt ?? Number.NEGATIVE_INFINITY,
    stoppedAt,
    presence?.shutdownAt,
  );
  return Object.keys(minutes).length > 0 ? { characterMinutes: minutes } : {};
}

function isSessionOpened(action: Action): boolean {
  return action.type === 'session-opened';
}

async function act(
  action: Action,
  ports: MonitorPorts,
  settings: MonitorSettings,
  before: StoredState,
  after: LifecycleState,
  now: number,
  presence?: LogPresence,
): Promise<void> {
  switch (action.type) {
    case 'session-opened': {
      await ports.polling.enable();
      const world = ports.worlds ? await activeWorld(ports.worlds, ports.log) : undefined;
      await ports.store.recordSession({
        sessionId: action.sessionId,
        startedAt: action.at,
        ...(world && { world }),
        cpu: settings.task.cpu,
        memoryMiB: settings.task.memoryMiB,
        spot: settings.task.spot,
      });
      return;
    }
    case 'stop-server':
      await ports.server.setDesiredCount(0, AbortSignal.timeout(5000));
      return;
    case 'upsert-dns':
      await ports.dns?.upsert(action.ip);
      return;
    case 'delete-dns': {
      const ip = before.state.address?.split(':')[0];
      if (ip) await ports.dns?.remove(ip);
      return;
    }
    case 'session-closed':
      await ports.store.recordSession({
        sessionId: action.sessionId,
        stoppedAt: action.at,
        stopReason: action.reason,
        peakPlayers: before.state.peakPlayers ?? 0,
        interruptions: before.state.interruptions ?? 0,
        ...sessionCharacters(presence, before.state.startedAt, action.at),
      });
      if (settings.budget) await warnAboutBudget(ports, settings.budget, action.sessionId, action.at);
      return;
    case 'announce-ready':
      if (after.sessionId) await ports.store.recordSession({ sessionId: after.sessionId, readyAt: now });
      return;
    case 'record-game': {
      const update = action.update;
      const copy =
        update?.snapshotId !== undefined
          ? {
              snapshotId: update.snapshotId,
              world: update.world,
              fromBuild: update.fromBuild,
              toBuild: update.toBuild,
              at: update.at,
            }
          : undefined;
      if (ports.game) {
        await recordGameStart(ports.game, {
          build: action.build,
          branch: action.branch,
          ...(action.version && { version: action.version }),
          at: update?.at ?? now,
          ...(copy && { preUpdate: copy }),
        });
      }
      if (copy && ports.snapshots) {
        // Uploaded while the game runs: the copy is not the live world. Busy: the next snapshot takes it along.
        try {
          const started = (await ports.snapshots.uploadPreUpdate?.(copy.snapshotId)) ?? false;
          ports.log.info(
            started ? 'pre-update copy upload started' : 'pre-update copy left to the next snapshot',
            {
              snapshotId: copy.snapshotId,
            },
          );
        } catch (error) {
          ports.log.error('pre-update copy upload not started', { snapshotId: copy.snapshotId, error });
          await ports.notify(preUpdateNotStartedNotice(copy.snapshotId, error), { editReply: false });
        }
      }
      return;
    }
    case 'snapshot-world': {
      if (!ports.snapshots) return;
      try {
        // Every snapshot holds every world; its manifest names the one this session ran.
        const world = ports.worlds ? await activeWorld(ports.worlds, ports.log) : undefined;
        const snapshotId = await ports.snapshots.take(action.reason, now, world);
        ports.log.info(
          snapshotId ? 'world snapshot started' : 'world snapshot left to the running transfer',
          {
            reason: action.reason,
            ...(snapshotId && { snapshotId }),
          },
        );
      } catch (error) {
        ports.log.error('world snapshot not started', { reason: action.reason, error });
        await ports.notify(snapshotNotStartedNotice(action.reason, error), { editReply: false });
      }
      return;
    }
    default:
      return; // notices are delivered from the outbox
  }
}

/** A start queued behind the transfer that just stopped: made now, unless another transfer runs. */
async function startQueuedAfter(ports: MonitorPorts, finished: TransferOutcome): Promise<void> {
  const { store, transfersInProgress } = ports;
  const { queuedStart, dropQueuedStart } = store;
  if (!transfersInProgress || !queuedStart || !dropQueuedStart) return;
  try {
    const outcome = await startQueued(
      {
        store: {
          load: (signal) => store.load(signal),
          save: (state, version, options) => store.save(state, version, options),
          queuedStart: queuedStart.bind(store),
          dropQueuedStart: dropQueuedStart.bind(store),
        },
        server: ports.server,
        transfersInProgress,
        ...(ports.worlds && {
          startOnWorld: async (start, signal) => {
            const world = await ports.worlds?.startOnWorld(start, signal);
            ports.log.info('queued start on its world', { world });
          },
        }),
        tell: async (notice, reply) => {
          await ports.notify(notice, { startReply: reply, editReply: true });
        },
        now: ports.now,
        log: ports.log,
      },
      finished,
    );
    if (outcome !== 'none') ports.log.info('queued start', { outcome });
  } catch (error) {
    ports.log.error('queued start not made', { error });
  }
}

/** The active world's name; undefined (and logged) when its parameters cannot be read. */
async function activeWorld(worlds: MonitorWorlds, log: Logger): Promise<string | undefined> {
  try {
    return await worlds.active(AbortSignal.timeout(3000));
  } catch (error) {
    log.error('active world not read', { error });
    return undefined;
  }
}

async function switchAfterStop(worlds: MonitorWorlds, log: Logger): Promise<void> {
  try {
    const to = await worlds.applyPendingSwitch(AbortSignal.timeout(4000));
    if (to) log.info('world switched after the stop', { to });
  } catch (error) {
    // It stays pending: the next tick, or the next start, applies it.
    log.error('pending world switch not applied', { error });
  }
}

/**
 * Posts a notice when the session just closed took the month's estimate to 80 % of the limit, or past it.
 * Compares the month with and without that session, so each crossing is announced once and nothing is stored.
 */
async function warnAboutBudget(
  ports: MonitorPorts,
  budget: NonNullable<MonitorSettings['budget']>,
  sessionId: string,
  at: number,
): Promise<void> {
  const now = new Date(at);
  const { from, to } = monthRange(now);
  const sessions = await ports.store.sessions(from, to);
  const closed = sessions.map((row) => (row.sessionId === sessionId ? { ...row, stoppedAt: at } : row));
  const month = monthToDate(closed, now, budget.region, budget.fixedMonthly);
  const without = monthToDate(
    closed.filter((row) => row.sessionId !== sessionId),
    now,
    budget.region,
    budget.fixedMonthly,
  );
  const crossed = budgetCrossing(without.total, month.total, budget.monthlyLimitUsd);
  if (crossed === 'warn' || crossed === 'over') {
    await ports.notify(budgetNotice(crossed, budgetShare(month, budget.monthlyLimitUsd)), {
      editReply: false,
    });
  }
}

/**
 * Reports a finished world-transfer task (e.g. the snapshot `/valheim backup` started), following up on the
 * reply that asked for it. Returns false when the event was not about a finished transfer task.
 */
export async function reportTransfer(ports: MonitorPorts, detail: unknown, family: string): Promise<boolean> {
  const outcome = transferOutcome(detail, family);
  if (!outcome) return false;
  ports.log.info('world transfer finished', { ...outcome });
  const notice = transferNotice(outcome);
  if (notice) {
    const reply = outcome.snapshotId ? await ports.store.loadBackupReply(outcome.snapshotId) : undefined;
    const delivered = await ports.notify(notice, { ...(reply && { startReply: reply }), editReply: false });
    if (delivered.status !== 'delivered') {
      ports.log.error('transfer notice not delivered', { reason: delivered.reason });
    }
  }
  await startQueuedAfter(ports, outcome);
  // Only after a snapshot that completed: a failed or interrupted one never costs an older one.
  if (outcome.mode === 'snapshot' && outcome.ok && ports.snapshots) {
    try {
      const pruned = await ports.snapshots.prune(ports.now());
      if (pruned.length > 0) ports.log.info('old automatic snapshots deleted', { pruned });
    } catch (error) {
      ports.log.error('snapshot retention failed; nothing else is affected', { error });
    }
  }
  return true;
}
