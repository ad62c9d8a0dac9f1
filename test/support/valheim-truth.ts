import type { CloudWatchLogsDecodedData } from 'aws-lambda';
import { keepRunningReply } from '../../src/bot/keep-running.js';
import { silentLogger } from '../../src/log.js';
import type { LifecycleSettings } from '../../src/monitor/decide.js';
import { type MonitorPorts, type MonitorSettings, runMonitorTick } from '../../src/monitor/monitor.js';
import type { SaveOptions, StoredState } from '../../src/monitor/state-store.js';
import { ingestLogBatch, type PresenceStore } from '../../src/players/log-ingest.js';
import type { LogPresence } from '../../src/players/log-presence.js';
import { LOG_FILTER_PATTERN, parseLogLine } from '../../src/players/server-log.js';
import {
  INITIAL_STATE,
  type LifecycleState,
  type PlayerCount,
  type StopReason,
} from '../../src/records/lifecycle.js';
import type { Notice, PendingNotice } from '../../src/records/notice.js';
import type { ServerStatus } from '../../src/server/server-status.js';
import { RUNNING } from './fake-game-server.js';
import { forwardedBatches } from './filter-replay.js';
import { syslog } from './valheim-sessions.js';

/*
 * What really happens on a Valheim server, and the bot watching it.
 *
 * - A ground-truth timeline: who is on from when to when, clients that reconnect (the new connection logged
 *   before the old one's "Closing socket"), wrong passwords, Steam (private or public) and crossplay.
 * - The lines the server prints for it, syslog prefix and all (shapes from shared/reference/valheim-log-lines.md),
 *   with the noise of a real session, on the container's clock (which may be a few seconds off).
 * - The way there: lines lost, the stack's own subscription filter, 5-second shipments, each delivered to the
 *   log Lambda's fold 0–90 s late (so reordered across batches), and log outages.
 * - A query responder that answers (showing a player only once he has loaded in), times out, or is slow.
 * - The real monitor tick (observe → decide → save → act, with its re-check) against an in-memory state table,
 *   on an irregular clock, with Keep running pressed through the bot's own handler now and then.
 *
 * The oracle is the timeline: who is really on at the instant the monitor calls UpdateService(0).
 */

export const MINUTE = 60_000;
export const T0 = Date.parse('2026-11-23T19:00:00Z');
const TASK_ARN = RUNNING.task?.taskArn ?? '';
const STREAM = `valheim/Valheim/${TASK_ARN.split('/').pop()}`;
const SERVER_NAME = 'Vikings of the North';
const JOIN_CODE = '012345';
/** From the log Lambda's wake-up event to the monitor's tick (EventBridge). */
const WAKE_LATENCY_MS = 1000;
/** The A2S client's timeout in the monitor (src/monitor/aws-ports.ts). */
const QUERY_TIMEOUT_MS = 3000;

export type Mode = 'steam-private' | 'steam-public' | 'crossplay';

/** One stretch of a player being on (a reconnect does not end it: the player never left). */
export interface Visit {
  readonly player: number;
  readonly joinAt: number;
  readonly leaveAt: number;
  /** Reconnects: the new connection at `at`, the old one's disconnect logged `closeAfterMs` later. */
  readonly reconnects: ReadonlyArray<{ readonly at: number; readonly closeAfterMs: number }>;
  /** How long after connecting the query starts to show the player (loading in). */
  readonly queryDelayMs: number;
}

export interface Timeline {
  readonly mode: Mode;
  /** When the game logs that it accepts players. */
  readonly readyAt: number;
  /** When the first periodic ` Connections N ZDOS:` line comes after readiness (then every 10 minutes). */
  readonly countPhaseMs: number;
  readonly visits: readonly Visit[];
  readonly wrongPasswords: ReadonlyArray<{ readonly player: number; readonly at: number }>;
}

/** A line the server prints, with what it says about the truth (for the oracle). */
export interface TruthLine {
  /** On the container's clock. */
  readonly at: number;
  readonly message: string;
  /** The visit (index into `visits`) this line shows a connection of. */
  readonly joinOf?: number;
}

export interface Faults {
  /** The container's clock minus the true time (the monitor's clock is true). */
  readonly logSkewMs: number;
  /** Each line is lost with this probability. */
  readonly lineLoss: number;
  /** Each shipment is delivered this late, at most. */
  readonly maxDelayMs: number;
  /** Lines logged and queries made in [from, to) are lost / time out: the log route or the game went dark. */
  readonly outages: ReadonlyArray<{ readonly from: number; readonly to: number }>;
  /** Public servers: each query times out with this probability. */
  readonly queryFailure: number;
  /** Public servers: an answering query takes up to this long (a lagging server). */
  readonly querySlowMs: number;
}

export interface Clockwork {
  /** The gaps between monitor ticks, cycled (the schedule, task events, log wake-ups, missed minutes). */
  readonly tickGapsMs: readonly number[];
  /** After a limit warning, whether (and how long after it) an operator presses Keep running; cycled. */
  readonly keepRunningAfterMs: ReadonlyArray<number | undefined>;
}

export interface Scenario {
  readonly timeline: Timeline;
  readonly faults: Faults;
  readonly clock: Clockwork;
  readonly lifecycle: LifecycleSettings;
  /** Seeds the per-line loss and per-batch delay draws (and the per-query ones). */
  readonly seed: number;
  /** Explicit per-line overrides for hand-written sequences: lost lines and fixed delays, by message text. */
  readonly overrides?: {
    readonly lost?: (line: TruthLine) => boolean;
    readonly delayMs?: (batch: readonly TruthLine[]) => number | undefined;
  };
}

export interface StopRecord {
  /** True time of the UpdateService(0) call. */
  readonly at: number;
  readonly reason: StopReason;
  /** The state the monitor held when it decided (after the decision). */
  readonly state: LifecycleState;
  /** The player count the stop decision rested on. */
  readonly players: PlayerCount;
  /** Who was really on. */
  readonly on: readonly number[];
  /** The stop time Discord last showed (a warning not withdrawn since), if any. */
  readonly announced?: number;
  /** Visits on at the stop whose connection the bot had a line of, or the last query showed. */
  readonly seen: readonly number[];
  /** The query answered at the moment of stopping. */
  readonly queryAnswered: boolean;
  /** Log time of the newest count line or connection line the bot had (what a count rests on). */
  readonly newestCountLineAt?: number;
  /** Log time of the newest line the bot had that says somebody connected. */
  readonly newestJoinLineAt?: number;
}

export interface SimResult {
  readonly stops: readonly StopRecord[];
  readonly notices: ReadonlyArray<{ readonly at: number; readonly kind: string; readonly notice: Notice }>;
  readonly ticks: number;
  readonly presses: number;
  /** Every state the monitor saved, with its time. */
  readonly states: ReadonlyArray<{ readonly at: number; readonly state: LifecycleState }>;
  /** The state fields (and `lastJoinAt` of the log) that were set when a tick began: which were in play. */
  readonly fieldsInPlay: ReadonlySet<string>;
}

/** Who is really on at `at` (visit indices). */
export function visitsOn(timeline: Timeline, at: number): number[] {
  return timeline.visits.flatMap((visit, i) => (visit.joinAt <= at && at < visit.leaveAt ? [i] : []));
}

/** The server's own count at `at`: open connections (a reconnecting client briefly holds two). */
function connectionsAt(timeline: Timeline, at: number): number {
  let open = 0;
  for (const visit of timeline.visits) {
    if (visit.joinAt <= at && at < visit.leaveAt) open++;
    for (const reconnect of visit.reconnects) {
      if (reconnect.at <= at && at < reconnect.at + reconnect.closeAfterMs && at < visit.leaveAt) open++;
    }
  }
  return open;
}

const steamId = (player: number) => `765611980000${String(10_000 + player).padStart(5, '0')}`;
const platformId = (player: number) =>
  player % 3 === 2 ? `Xbox_25354164014${String(60_000 + player)}` : `Steam_${steamId(player)}`;

/** The lines the server prints for a timeline, on its own clock, oldest first. */
export function renderLog(timeline: Timeline, logSkewMs: number, until: number): TruthLine[] {
  const lines: TruthLine[] = [];
  const print = (at: number, text: string, joinOf?: number) =>
    lines.push({
      at: at + logSkewMs,
      message: syslog(at + logSkewMs) + text,
      ...(joinOf !== undefined && { joinOf }),
    });
  const crossplay = timeline.mode === 'crossplay';
  const ready = timeline.readyAt;
  print(ready - 15_000, 'Valheim version: 0.220.5 (network version 35)');
  print(ready - 14_000, 'Load world: Dedicated (Dedicated)');
  for (let i = 0; i < 4; i++) print(ready - 12_000 + i * 300, `Connections ${4 + i}`); // dungeon generator
  print(ready, 'Game server connected');
  if (crossplay) print(ready + 900, `Session "${SERVER_NAME}" registered with join code ${JOIN_CODE}`);
  const count = (at: number) => connectionsAt(timeline, at);
  const countLine = (at: number, change: 'joined' | 'lost') =>
    `${change === 'joined' ? 'Player joined' : 'Player connection lost'} server "${SERVER_NAME}" that has join code ${JOIN_CODE}, now ${count(at)} player(s)`;

  timeline.visits.forEach((visit, i) => {
    const name = `Viking ${visit.player}`;
    const owner = 2_146_304_912 + i * 7;
    const connect = (at: number, nth: number) => {
      if (crossplay) {
        print(
          at - 800,
          `PlayFab socket with remote ID playfab/${(i * 16 + nth).toString(16).toUpperCase()}AB received local Platform ID ${platformId(visit.player)}`,
          i,
        );
        print(at, countLine(at, 'joined'), i);
      } else {
        print(at - 3000, `Got handshake from client ${steamId(visit.player)}`);
        print(at, `Got connection SteamID ${steamId(visit.player)}`, i);
      }
      print(at + 15_000, `Got character ZDOID from ${name} : ${owner + nth}:1`);
    };
    const disconnect = (at: number) => {
      if (crossplay) print(at, countLine(at, 'lost'));
      else print(at, `Closing socket ${steamId(visit.player)}`);
    };
    connect(visit.joinAt, 0);
    visit.reconnects.forEach((reconnect, nth) => {
      connect(reconnect.at, nth + 1);
      disconnect(Math.min(reconnect.at + reconnect.closeAfterMs, visit.leaveAt - 1));
    });
    for (let at = visit.joinAt + 9 * MINUTE; at < visit.leaveAt; at += 11 * MINUTE) {
      print(at, `Got character ZDOID from ${name} : 0:0`); // a death
      print(at + 20_000, `Got character ZDOID from ${name} : ${owner}:${at % 89}`); // the respawn
    }
    disconnect(visit.leaveAt);
  });
  for (const attempt of timeline.wrongPasswords) {
    if (crossplay) {
      print(
        attempt.at,
        `PlayFab socket with remote ID playfab/FF${attempt.player}0 received local Platform ID ${platformId(attempt.player)}`,
      );
      print(attempt.at + 300, `Peer ${platformId(attempt.player)} has wrong password`);
    } else {
      print(attempt.at, `Got connection SteamID ${steamId(attempt.player)}`);
      print(attempt.at + 300, `Peer ${steamId(attempt.player)} has wrong password`);
      print(attempt.at + 600, `Closing socket ${steamId(attempt.player)}`);
    }
  }
  for (let at = ready + timeline.countPhaseMs; at < until; at += 10 * MINUTE) {
    const n = count(at);
    print(at, ` Connections ${n} ZDOS:130588  sent:${n * 12} recv:${n * 30}`);
  }
  for (let at = ready + 20 * MINUTE; at < until; at += 20 * MINUTE) {
    print(at, 'World saved ( 1956.263ms )');
    print(at + 10, 'Saved 269116 zdos');
    print(at + 5000, 'Saved 12 map points'); // ValheimPlus
  }
  return lines.sort((a, b) => a.at - b.at);
}

/** A small, fast, seeded PRNG (mulberry32): the same scenario always draws the same faults. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Delivery {
  readonly batch: readonly TruthLine[];
  /** True time. */
  readonly at: number;
}

/** What reaches the log Lambda, and when: loss, the filter, shipments, delays. */
export function deliveries(lines: readonly TruthLine[], scenario: Scenario, draw: () => number): Delivery[] {
  const { faults } = scenario;
  const inOutage = (at: number) => faults.outages.some((outage) => outage.from <= at && at < outage.to);
  const kept = lines.filter((line) => {
    const lost = scenario.overrides?.lost?.(line) ?? draw() < faults.lineLoss;
    return !lost && !inOutage(line.at - faults.logSkewMs);
  });
  return forwardedBatches(LOG_FILTER_PATTERN, kept).map((batch) => {
    const shipped = (batch[0]?.at ?? 0) - faults.logSkewMs + 5000;
    const delay = scenario.overrides?.delayMs?.(batch) ?? Math.floor(draw() * faults.maxDelayMs);
    return { batch: batch as TruthLine[], at: shipped + delay };
  });
}

/** The bot's DynamoDB table in memory: the state item (versioned, with claim and outbox) and the log item. */
export class MemoryTable implements PresenceStore {
  stored: {
    state: LifecycleState;
    version: number;
    outbox: Map<string, PendingNotice & { claimToken?: string }>;
  } = {
    state: INITIAL_STATE,
    version: 0,
    outbox: new Map(),
  };
  presence: LogPresence | undefined;
  presenceVersion = 0;
  /** What each notice the monitor stored announces (its action), to read Discord's view back. */
  readonly kinds = new Map<Notice, string>();

  async load(): Promise<StoredState> {
    const outbox = [...this.stored.outbox.values()];
    return {
      state: this.stored.state,
      version: this.stored.version,
      ...(outbox.length > 0 && { outbox }),
    };
  }
  async save(state: LifecycleState, expectedVersion: number, options: SaveOptions = {}): Promise<boolean> {
    if (expectedVersion !== this.stored.version) return false;
    this.stored.state = state;
    this.stored.version++;
    for (const notice of options.enqueue ?? []) {
      this.stored.outbox.set(notice.id, notice);
      this.kinds.set(notice.notice, notice.kind);
    }
    for (const id of options.drop ?? []) this.stored.outbox.delete(id);
    return true;
  }
  async claimDelivery(id: string, token: string, now: number, leaseMs: number): Promise<boolean> {
    const notice = this.stored.outbox.get(id);
    if (!notice) return false;
    if (notice.claimedUntil !== undefined && notice.claimedUntil >= now && notice.claimToken !== token)
      return false;
    this.stored.outbox.set(id, { ...notice, claimedUntil: now + leaseMs, claimToken: token });
    return true;
  }
  async markEditGone(id: string): Promise<void> {
    const notice = this.stored.outbox.get(id);
    if (notice) this.stored.outbox.set(id, { ...notice, editGone: true });
  }
  async completeDelivery(id: string): Promise<void> {
    this.stored.outbox.delete(id);
  }
  async loadPresence(): Promise<{ presence?: LogPresence; version: number }> {
    return { ...(this.presence && { presence: this.presence }), version: this.presenceVersion };
  }
  async savePresence(presence: LogPresence, expected: number): Promise<boolean> {
    if (expected !== this.presenceVersion) return false;
    this.presence = presence;
    this.presenceVersion++;
    return true;
  }
  async recordSession(): Promise<void> {}
  async loadBackupReply(): Promise<undefined> {
    return undefined;
  }
  async sessions(): Promise<[]> {
    return [];
  }
}

const batchOf = (lines: readonly TruthLine[]): CloudWatchLogsDecodedData => ({
  messageType: 'DATA_MESSAGE',
  owner: '111122223333',
  logGroup: '/valheim-ondemand/server',
  logStream: STREAM,
  subscriptionFilters: ['players'],
  logEvents: lines.map((line, i) => ({ id: String(i), timestamp: line.at, message: line.message })),
});

/** The stop time in a warning as Discord shows it (`<t:…:R>`). */
function shownStopTime(notice: Notice): number | undefined {
  const match = /<t:(\d+):R>/.exec(notice.content);
  return match ? Number(match[1]) * 1000 : undefined;
}

/**
 * Runs a scenario until the monitor stops the server (or `until`): returns every stop with who was really on,
 * every notice Discord got, and every state the monitor saved.
 */
export async function simulate(scenario: Scenario, until: number): Promise<SimResult> {
  const { timeline, faults, clock: clockwork, lifecycle } = scenario;
  const draw = random(scenario.seed);
  const lines = renderLog(timeline, faults.logSkewMs, until);
  const pending = deliveries(lines, scenario, draw).sort((a, b) => a.at - b.at);
  const delivered = new Set<TruthLine>();
  const table = new MemoryTable();
  const clock = { t: T0 };
  let next = 0;
  /** Wake-ups the log Lambda asked for (EventBridge delivers them about a second later), oldest first. */
  const wakes: number[] = [];
  /** The log Lambda runs while time passes: every batch due by then is folded in, in arrival order. */
  const deliverNext = async () => {
    const item = pending[next++] as Delivery;
    clock.t = Math.max(clock.t, item.at);
    const { wakeMonitor } = await ingestLogBatch(batchOf(item.batch), table, silentLogger, () => clock.t);
    for (const line of item.batch) delivered.add(line);
    if (wakeMonitor) wakes.push(clock.t + WAKE_LATENCY_MS);
  };
  const advance = async (ms: number) => {
    const target = clock.t + ms;
    while (next < pending.length && (pending[next]?.at ?? Number.POSITIVE_INFINITY) <= target) {
      await deliverNext();
    }
    clock.t = target;
  };
  const inOutage = (at: number) => faults.outages.some((outage) => outage.from <= at && at < outage.to);
  let lastAnswer: { at: number; shows: number[] } | undefined;
  const status: ServerStatus = { ...RUNNING };
  let stopCall: number | undefined;
  const ports: MonitorPorts = {
    server: {
      status: async () => status,
      setDesiredCount: async (count) => {
        if (count === 0) stopCall = clock.t;
      },
    },
    store: table,
    queryPlayers: async () => {
      // The responder: nothing before the game is up, nothing during an outage, a timeout now and then.
      if (clock.t < timeline.readyAt || inOutage(clock.t) || draw() < faults.queryFailure) {
        await advance(QUERY_TIMEOUT_MS);
        throw new Error('no answer within 3000 ms');
      }
      await advance(Math.floor(20 + draw() * faults.querySlowMs));
      const shows = visitsOn(timeline, clock.t).filter(
        (i) => clock.t >= (timeline.visits[i]?.joinAt ?? 0) + (timeline.visits[i]?.queryDelayMs ?? 0),
      );
      lastAnswer = { at: clock.t, shows };
      return shows.length;
    },
    notify: async (notice) => {
      notices.push({ at: clock.t, kind: table.kinds.get(notice) ?? 'unknown', notice });
      return { status: 'delivered', via: 'channel' };
    },
    polling: { enable: async () => {}, disable: async () => {} },
    now: () => clock.t,
    log: silentLogger,
  };
  const notices: Array<{ at: number; kind: string; notice: Notice }> = [];
  const settings: MonitorSettings = {
    public: timeline.mode === 'steam-public',
    crossplay: timeline.mode === 'crossplay',
    lifecycle,
    task: { cpu: 2048, memoryMiB: 8192, spot: false },
    notices: {
      crossplay: timeline.mode === 'crossplay',
      idleStopMinutes: lifecycle.idleStopMinutes,
      emptyStopMinutes: lifecycle.emptyStopMinutes,
    },
  };

  const stops: StopRecord[] = [];
  const states: Array<{ at: number; state: LifecycleState }> = [];
  const presses: number[] = [];
  let pressed = 0;
  let warningsSeen = 0;
  let ticks = 0;
  const fieldsInPlay = new Set<string>();
  let scheduled = clock.t;
  while (clock.t < until) {
    // The next tick: the schedule's, or a wake-up from the log Lambda, whichever comes first; the batches
    // that arrive before it are folded in first (and may ask for an earlier wake-up).
    const wake = wakes[0] ?? Number.POSITIVE_INFINITY;
    const tickAt = Math.min(scheduled, wake);
    if (next < pending.length && (pending[next]?.at ?? Number.POSITIVE_INFINITY) <= tickAt) {
      await deliverNext();
      continue;
    }
    clock.t = Math.max(clock.t, tickAt);
    const trigger = wake <= scheduled ? 'log-news' : 'schedule';
    if (trigger === 'log-news') wakes.shift();
    else {
      scheduled += Math.max(1, clockwork.tickGapsMs[ticks % clockwork.tickGapsMs.length] ?? MINUTE);
    }
    // Keep running presses due by now go first, through the bot's own handler.
    while (presses.length > 0 && (presses[0] ?? Number.POSITIVE_INFINITY) <= clock.t) {
      presses.shift();
      const version = table.stored.version;
      await keepRunningReply(
        table,
        '345678901234567890',
        new Date(clock.t),
        silentLogger,
        AbortSignal.timeout(1000),
      );
      // A press that took replaces the warning: its stop time no longer stands.
      if (table.stored.version !== version) {
        pressed++;
        notices.push({ at: clock.t, kind: 'keep-running', notice: { content: '', components: [] } });
      }
    }
    for (const [field, value] of Object.entries(table.stored.state)) {
      if (value !== undefined) fieldsInPlay.add(field);
    }
    if (table.presence?.lastJoinAt !== undefined) fieldsInPlay.add('lastJoinAt');
    const result = await runMonitorTick(ports, settings, trigger);
    ticks++;
    if (result.applied) states.push({ at: clock.t, state: result.state });
    // A new limit warning: maybe somebody presses Keep running a while later.
    for (const notice of notices.slice(warningsSeen)) {
      if (notice.kind !== 'warn-limit') continue;
      const after = clockwork.keepRunningAfterMs[presses.length % clockwork.keepRunningAfterMs.length];
      if (after !== undefined) presses.push(notice.at + after);
    }
    warningsSeen = notices.length;
    if (stopCall !== undefined) {
      const at = stopCall;
      const action = result.actions.find((a) => a.type === 'stop-server');
      const reason: StopReason = action?.type === 'stop-server' ? action.reason : 'idle';
      const on = visitsOn(timeline, at);
      const seen = on.filter(
        (i) =>
          lines.some((line) => line.joinOf === i && delivered.has(line)) ||
          (lastAnswer !== undefined && lastAnswer.at === at && lastAnswer.shows.includes(i)),
      );
      const announced = announcedStop(notices, at, reason === 'blind' || reason === 'max-session');
      const had = lines.filter((line) => delivered.has(line));
      const newest = (kinds: ReadonlySet<string>) =>
        Math.max(
          Number.NEGATIVE_INFINITY,
          ...had.filter((line) => kinds.has(eventKind(line))).map((l) => l.at),
        );
      const newestCountLineAt = newest(COUNT_KINDS);
      const newestJoinLineAt = newest(JOIN_KINDS);
      stops.push({
        at,
        reason,
        state: result.state,
        players: result.observation.players,
        on,
        ...(announced !== undefined && { announced }),
        seen,
        queryAnswered: lastAnswer?.at === at,
        ...(Number.isFinite(newestCountLineAt) && { newestCountLineAt }),
        ...(Number.isFinite(newestJoinLineAt) && { newestJoinLineAt }),
      });
      break;
    }
  }
  return { stops, notices, ticks, presses: pressed, states, fieldsInPlay };
}

/** Lines a count rests on: the game's count lines and connections (each moves the count's time). */
const COUNT_KINDS: ReadonlySet<string> = new Set(['player-count', 'connected']);
const JOIN_KINDS: ReadonlySet<string> = new Set(['connected']);

function eventKind(line: TruthLine): string {
  const event = parseLogLine(line.message);
  if (event?.kind === 'player-count' && event.change === 'joined') return 'connected';
  return event?.kind ?? 'none';
}

/**
 * The stop time the last warning still standing showed in Discord: an idle warning (withdrawn when someone
 * joins) or a limit warning (withdrawn, or answered by Keep running).
 */
function announcedStop(
  notices: ReadonlyArray<{ at: number; kind: string; notice: Notice }>,
  at: number,
  limit: boolean,
): number | undefined {
  let announced: number | undefined;
  for (const entry of notices) {
    if (entry.at > at) break;
    if (entry.kind === (limit ? 'warn-limit' : 'warn-idle')) announced = shownStopTime(entry.notice);
    if (entry.kind === (limit ? 'cancel-limit-warning' : 'cancel-idle-warning')) announced = undefined;
    if (limit && entry.kind === 'keep-running') announced = undefined;
  }
  return announced;
}
