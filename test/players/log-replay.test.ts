import type { CloudWatchLogsDecodedData } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE, decide, SHUTDOWN_SAVE_WAIT_MS } from '../../src/monitor/decide.js';
import { noticeFor } from '../../src/monitor/notices.js';
import { type ObserveSettings, observe, type PlayerQuery } from '../../src/monitor/observe.js';
import { ingestLogBatch, type PresenceStore } from '../../src/players/log-ingest.js';
import { type LogPresence, logPlayerCount } from '../../src/players/log-presence.js';
import {
  isForwardedEvent,
  LOG_FILTER_PATTERN,
  logFilterPattern,
  parseLogLine,
  SPAWN_ALTERNATIVE,
} from '../../src/players/server-log.js';
import { isStartLine } from '../../src/players/start-lines.js';
import { FEED_KINDS, type FeedKind } from '../../src/records/feed.js';
import { type Action, INITIAL_STATE, type LifecycleState } from '../../src/records/lifecycle.js';
import type { ServerStatus } from '../../src/server/server-status.js';
import { filterMatcher } from '../support/cloudwatch-filter.js';
import { RUNNING } from '../support/fake-game-server.js';
import { FILTER_PATTERN_BEFORE_10, filterFigures, forwardedBatches } from '../support/filter-replay.js';
import {
  crossplaySession,
  type LogLine,
  type Session,
  steamSession,
  syslog,
} from '../support/valheim-sessions.js';

const MINUTE = 60_000;

/**
 * A line the log Lambda reads with these feed kinds: an event for the parser (the feed's own only of those
 * kinds), or a start-up line for the start's marks.
 */
const isReadWith = (line: string, kinds: readonly FeedKind[]) => {
  const event = parseLogLine(line);
  return (event !== undefined && isForwardedEvent(event, kinds)) || isStartLine(line);
};
const START = Date.parse('2026-11-23T19:00:00Z');
const TASK_ARN = RUNNING.task?.taskArn ?? '';
const STREAM = `valheim/Valheim/${TASK_ARN.split('/').pop()}`;

/** An in-memory presence store with the DynamoDB one's conditional writes. */
class MemoryPresence implements PresenceStore {
  presence: LogPresence | undefined;
  version = 0;
  async loadPresence() {
    return { ...(this.presence && { presence: this.presence }), version: this.version };
  }
  async savePresence(presence: LogPresence, expected: number) {
    if (expected !== this.version) return false;
    this.presence = presence;
    this.version++;
    return true;
  }
}

function batchOf(lines: readonly LogLine[]): CloudWatchLogsDecodedData {
  return {
    messageType: 'DATA_MESSAGE',
    owner: '111122223333',
    logGroup: '/valheim-ondemand/server',
    logStream: STREAM,
    subscriptionFilters: ['players'],
    logEvents: lines.map((line, i) => ({ id: String(i), timestamp: line.at, message: line.message })),
  };
}

const failingQuery: PlayerQuery = async () => {
  throw new Error('no answer');
};

interface Tick {
  readonly at: number;
  readonly count: number | 'unknown';
  readonly actions: readonly Action[];
  readonly state: LifecycleState;
}

/**
 * Replays a session as production runs it: CloudWatch's filter, one log-Lambda batch per 5-second
 * shipment (delivered 2 s later), and a monitor tick every minute (observe → decide) that sees what the
 * log Lambda stored by then.
 */
async function replay(session: Session, settings: ObserveSettings, query: PlayerQuery = failingQuery) {
  const batches = forwardedBatches(LOG_FILTER_PATTERN, session.lines);
  const store = new MemoryPresence();
  const ticks: Tick[] = [];
  let state: LifecycleState = INITIAL_STATE;
  let delivered = 0;
  let wakeUps = 0;
  for (let at = START + MINUTE; at <= session.shutdownAt; at += MINUTE) {
    while (delivered < batches.length && (batches[delivered]?.[0]?.at ?? Infinity) + 7000 <= at) {
      const result = await ingestLogBatch(batchOf(batches[delivered] ?? []), store, silentLogger);
      if (result.wakeMonitor) wakeUps++;
      delivered++;
    }
    const status: ServerStatus = { ...RUNNING };
    const observation = await observe(status, store.presence, query, settings, at, AbortSignal.timeout(1000));
    const decision = decide(state, observation, at, DEFAULT_LIFECYCLE);
    state = decision.state;
    ticks.push({ at, count: logPlayerCount(store.presence, at), actions: decision.actions, state });
  }
  return { ticks, presence: store.presence, wakeUps };
}

describe('the subscription filter, against real line shapes', () => {
  const sessions = { steam: steamSession(START), crossplay: crossplaySession(START) };

  const feeds = { 'no feed': [], 'every kind of the feed': [...FEED_KINDS] } as const;
  it.each(
    Object.entries(sessions).flatMap(([name, session]) =>
      Object.entries(feeds).map(([feed, kinds]) => [name, feed, session, kinds] as const),
    ),
  )(
    'forwards exactly the lines the log Lambda reads, prefix and all (%s session, %s)',
    (_name, _feed, session, kinds) => {
      // Given every line of a realistic session, When CloudWatch applies the filter for the feed kinds the group
      // opted into, Then the forwarded set is exactly the set the log Lambda reads (the parser's events those
      // kinds need, and the start-up lines it folds into the start's marks): nothing it needs is dropped, no
      // noise is paid for.
      const matches = filterMatcher(logFilterPattern(kinds));
      const forwarded = session.lines.filter((line) => matches(line.message)).map((line) => line.message);
      const read = session.lines
        .filter((line) => isReadWith(line.message, kinds))
        .map((line) => line.message);
      expect(forwarded).toEqual(read);
      expect(forwarded.length).toBeGreaterThan(20);
      // the start-up lines are among them, steamcmd's first progress line (with the total size) included
      expect(forwarded.filter((line) => isStartLine(line) && !parseLogLine(line))).toHaveLength(4);
    },
  );

  it.each(Object.entries(sessions))(
    'forwards the feed lines of the %s session only for its kinds',
    (_name, session) => {
      const kinds = (pattern: string) =>
        new Set(
          session.lines
            .filter((line) => filterMatcher(pattern)(line.message))
            .map((line) => parseLogLine(line.message)?.kind),
        );
      expect(kinds(LOG_FILTER_PATTERN)).not.toContain('death');
      expect(kinds(logFilterPattern(['deaths']))).toContain('death');
      expect(kinds(logFilterPattern(['deaths']))).not.toContain('random-event');
      expect(kinds(logFilterPattern(['raids', 'bosses']))).toEqual(
        new Set([...kinds(LOG_FILTER_PATTERN), 'random-event', 'boss-defeated']),
      );
    },
  );

  it('keeps the noise out: respawns, deaths, the dungeon generator, map points, save steps, the updater', () => {
    const matches = filterMatcher(LOG_FILTER_PATTERN);
    const noise = [
      'Got character ZDOID from Ragnar Lothbrok : 2146304912:57',
      'Got character ZDOID from Ragnar Lothbrok : 0:0', // a death: only the feed's, when opted into
      'Connections 12',
      'Saved 12 map points',
      'World save (2/5) Chunks writing done [275ms]',
      'World save (1/5) Cloud & Backup checks done [0ms] => Save number 47',
      'Destroying abandoned non persistent zdo 11:5 owner 11',
      'Got handshake from client 76561198000000001',
      'DungeonDB Start 1234',
    ];
    for (const text of noise) {
      const line = `Nov 23 19:04:50 supervisord: valheim-server 11/23/2026 19:04:50: ${text}`;
      expect([text, matches(line)]).toEqual([text, false]);
      expect([text, isReadWith(line, [])]).toEqual([text, false]);
    }
  });

  it('forwards the 2021 prefix and the BepInEx echo of the periodic line too', () => {
    const matches = filterMatcher(LOG_FILTER_PATTERN);
    const lines = [
      'Mar 31 12:01:13 /supervisord: valheim-server 03/31/2021 12:01:13: Got connection SteamID 76561198000000001',
      'Mar 31 12:01:13 supervisord: valheim-server Console: [Info   : Unity Log] 03/31/2025 12:01:13:  Connections 2 ZDOS:130588  sent:2 recv:3',
    ];
    for (const line of lines) {
      expect(matches(line)).toBe(true);
      expect(parseLogLine(line)).toBeDefined();
    }
  });

  it('costs far fewer log-Lambda invocations per play-hour than the filter before', () => {
    for (const session of Object.values(sessions)) {
      const hours = (session.shutdownAt - START) / (60 * MINUTE);
      const before = filterFigures(FILTER_PATTERN_BEFORE_10, session.lines);
      const after = filterFigures(LOG_FILTER_PATTERN, session.lines);
      // The start-up lines (steamcmd starting, its first progress line, its end, the launch) are a fixed
      // cost per start, not per play-hour: the shipments that carry only them, counted apart.
      const startOnly = forwardedBatches(LOG_FILTER_PATTERN, session.lines).filter((batch) =>
        batch.every((line) => !parseLogLine(line.message)),
      ).length;
      expect(startOnly).toBeLessThanOrEqual(3);
      // The old one forwarded every spawn, death, dungeon and map-point line; the new one only what counts.
      expect((after.invocations - startOnly) / hours).toBeLessThan((before.invocations / hours) * 0.75);
      // and with the start's lines, still fewer than before
      expect(after.invocations).toBeLessThan(before.invocations * 0.8);
    }
  });

  it('pays at most one log-Lambda invocation per connection for the character names', () => {
    for (const session of Object.values(sessions)) {
      // Given the same session through the filter with and without its spawn alternative
      const withoutSpawns = LOG_FILTER_PATTERN.replace(`|${SPAWN_ALTERNATIVE}`, '');
      expect(withoutSpawns).not.toBe(LOG_FILTER_PATTERN);
      const connections = session.lines.filter((line) => parseLogLine(line.message)?.kind === 'connected');
      const spawns = session.lines.filter((line) => parseLogLine(line.message)?.kind === 'character');
      // Then only a connection's first spawn gets through (no respawns or deaths), one shipment each at most
      expect(spawns.length).toBe(connections.length);
      const added =
        filterFigures(LOG_FILTER_PATTERN, session.lines).invocations -
        filterFigures(withoutSpawns, session.lines).invocations;
      expect(added).toBeGreaterThan(0);
      expect(added).toBeLessThanOrEqual(connections.length);
    }
  });
});

describe('replayed sessions: the right count at every step', () => {
  it('Steam: counts connects and disconnects, and the periodic line corrects a lost "Closing socket"', async () => {
    const session = steamSession(START);
    const { ticks } = await replay(session, { public: false, crossplay: false });
    const lostCloseAt = session.readyAt + 35 * MINUTE;
    const correctedAt = session.readyAt + 40 * MINUTE; // the next ` Connections N ZDOS:` line
    for (const tick of ticks) {
      if (tick.at < session.readyAt + 7000) {
        expect([tick.at, tick.count]).toEqual([tick.at, 'unknown']);
        continue;
      }
      // Lines reach the monitor up to 7 s after they were logged (shipment + delivery).
      const seen = tick.at - 7000;
      const lost = seen >= lostCloseAt && tick.at < correctedAt + 7000 ? 1 : 0;
      expect([tick.at, tick.count]).toEqual([tick.at, session.playersAt(seen) + lost]);
    }
  });

  it('Steam: never stops under a player, and stops on the first count line after the idle time once all left', async () => {
    // Given the evening, with the server left running (no shutdown) and its count lines going on
    const evening = steamSession(START);
    const countLine = (at: number) => `${syslog(at)} Connections 0 ZDOS:130588  sent:0 recv:0`;
    const session: Session = {
      ...evening,
      lines: [
        ...evening.lines.filter((line) => line.at < evening.shutdownAt - 1000),
        ...[80, 90].map((minutes) => {
          const at = evening.readyAt + minutes * MINUTE;
          return { at, message: countLine(at) };
        }),
      ],
      shutdownAt: evening.readyAt + 100 * MINUTE,
    };
    const { ticks } = await replay(session, { public: false, crossplay: false });
    const stops = ticks.filter((tick) => tick.actions.some((action) => action.type === 'stop-server'));
    for (const tick of stops) expect(session.playersAt(tick.at)).toBe(0);
    // Then the idle warning announces a stop 15 minutes after the last player left (ticks come once a minute:
    // the idle clock starts at the last tick that still saw a player)…
    const warning = ticks.flatMap((tick) => tick.actions).find((action) => action.type === 'warn-idle');
    const announced = warning?.type === 'warn-idle' ? warning.stopAt : Number.NaN;
    expect(announced).toBeGreaterThanOrEqual(
      session.emptyAt + (DEFAULT_LIFECYCLE.idleStopMinutes - 1) * MINUTE,
    );
    expect(announced).toBeLessThanOrEqual(session.emptyAt + (DEFAULT_LIFECYCLE.idleStopMinutes + 1) * MINUTE);
    // …and the stop comes on the game's own count after that time: the ` Connections 0` line at ready+80
    // (the one at ready+70 came before it), delivered 7 s later, at the next tick
    expect(stops[0]?.at).toBe(
      START + Math.ceil((session.readyAt + 80 * MINUTE + 7000 - START) / MINUTE) * MINUTE,
    );
  });

  it('crossplay: the "now N player(s)" lines give the count at once, not 10 minutes later', async () => {
    const session = crossplaySession(START);
    const { ticks, wakeUps } = await replay(session, { public: true, crossplay: true });
    for (const tick of ticks) {
      if (tick.at < session.readyAt + 7000) continue;
      expect([tick.at, tick.count]).toEqual([tick.at, session.playersAt(tick.at - 7000)]);
    }
    // Readiness with the first join code (one shipment), the renewed code, and each of the game's own counts
    // of nobody after the last player left (her "connection lost … now 0" line, the periodic line at ready+70)
    // woke the monitor at once.
    expect(wakeUps).toBe(4);
  });

  it('crossplay: announces ready with the join code, then the renewed code, and never stops under a player', async () => {
    const session = crossplaySession(START);
    const { ticks } = await replay(session, { public: true, crossplay: true });
    const actions = ticks.flatMap((tick) => tick.actions.map((action) => ({ at: tick.at, action })));
    const ready = actions.find(({ action }) => action.type === 'announce-ready');
    expect(ready?.action).toMatchObject({ joinCode: '012345' });
    expect(
      actions.filter(({ action }) => action.type === 'announce-join-code').map(({ action }) => action),
    ).toEqual([{ type: 'announce-join-code', joinCode: '654321' }]);
    for (const { at, action } of actions) {
      if (action.type === 'stop-server') expect(session.playersAt(at - 7000)).toBe(0);
    }
    expect(ticks.at(-1)?.state.gameVersion).toBe('l-1.0.14');
  });

  it('says "world saved" only when the log showed a save during shutdown', async () => {
    const session = crossplaySession(START);
    const context = { crossplay: true, idleStopMinutes: 15, emptyStopMinutes: 30 };
    for (const [lines, saved] of [
      [session.lines, true],
      [
        session.lines.filter(
          (line) => !/World save \(\d\/5\)/.test(line.message) || line.at < session.shutdownAt,
        ),
        false,
      ],
    ] as const) {
      const store = new MemoryPresence();
      for (const batch of forwardedBatches(LOG_FILTER_PATTERN, lines)) {
        await ingestLogBatch(batchOf(batch), store, silentLogger);
      }
      const stopped: ServerStatus = {
        state: 'stopped',
        desiredCount: 0,
        runningCount: 0,
        pendingCount: 0,
        lastStopped: { taskArn: TASK_ARN, lastStatus: 'STOPPED', desiredStatus: 'STOPPED' },
      };
      const at = session.shutdownAt + 2 * MINUTE;
      const observation = await observe(
        stopped,
        store.presence,
        failingQuery,
        { public: true, crossplay: true },
        at,
        AbortSignal.timeout(1000),
      );
      // (waited out: without a shutdown save in the log, the notice comes 90 s after the stop)
      const stopping = {
        phase: 'stopping',
        sessionId: 's',
        stoppedSeenAt: at - SHUTDOWN_SAVE_WAIT_MS,
      } as const;
      const { actions } = decide(stopping, observation, at);
      const announced = actions.find((action) => action.type === 'announce-stopped');
      expect(announced).toMatchObject({ worldSaved: saved });
      const text = announced && noticeFor(announced, context, at)?.content;
      expect(text?.includes('The world is saved.')).toBe(saved);
      expect(text?.includes('did not see the world being saved')).toBe(!saved);
    }
  });
});
