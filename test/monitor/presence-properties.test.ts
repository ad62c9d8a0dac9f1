import type { CloudWatchLogsDecodedData } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE, decide } from '../../src/monitor/decide.js';
import { observe, type PlayerQuery } from '../../src/monitor/observe.js';
import { ingestLogBatch, type PresenceStore } from '../../src/players/log-ingest.js';
import { COUNT_MAX_AGE_MS, type LogPresence } from '../../src/players/log-presence.js';
import { LOG_FILTER_PATTERN, parseLogLine } from '../../src/players/server-log.js';
import { INITIAL_STATE, type LifecycleState } from '../../src/records/lifecycle.js';
import { RUNNING } from '../support/fake-game-server.js';
import { forwardedBatches } from '../support/filter-replay.js';
import { type LogLine, syslog } from '../support/valheim-sessions.js';

/*
 * The promise, as properties over random sessions: random joins, leaves, wrong passwords and noise, lines
 * lost, batches delivered late and out of order, and a monitor tick every minute (the real filter, log
 * Lambda fold, observe and decide in between).
 */

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-23T19:00:00Z');
const TASK_ARN = RUNNING.task?.taskArn ?? '';
const STREAM = `valheim/Valheim/${TASK_ARN.split('/').pop()}`;
const SERVER = 'Vikings of the North';
const PEERS = ['76561198000000001', '76561198000000002', '76561198000000003', '76561198000000004'];

type Step = {
  readonly gapMs: number;
  readonly kind: 'join' | 'leave' | 'wrong-password' | 'noise';
  readonly peer: number;
};

interface Generated {
  readonly lines: LogLine[];
  /** Lines that say somebody joined. */
  readonly joins: LogLine[];
  readonly end: number;
}

/** A session's log from random steps: what a real server would print, minus the lines that got lost. */
function sessionLog(steps: readonly Step[], crossplay: boolean, lost: readonly boolean[]): Generated {
  const lines: LogLine[] = [];
  const joins: LogLine[] = [];
  let lineNo = 0;
  const print = (at: number, text: string, isJoin = false) => {
    const line = { at, message: syslog(at) + text };
    if (lost[lineNo++ % lost.length]) return;
    lines.push(line);
    if (isJoin) joins.push(line);
  };
  const ready = T0 + 2 * MINUTE;
  print(ready, 'Game server connected');
  if (crossplay) print(ready + 500, `Session "${SERVER}" registered with join code 012345`);
  const on = new Set<number>();
  let at = ready;
  const counted: Array<{ at: number; players: number }> = [];
  for (const step of steps) {
    at += step.gapMs;
    const id = PEERS[step.peer] ?? '';
    const platformId = `Steam_${id}`;
    if (step.kind === 'join' && !on.has(step.peer)) {
      on.add(step.peer);
      if (crossplay) {
        print(
          at - 800,
          `PlayFab socket with remote ID playfab/AB${step.peer} received local Platform ID ${platformId}`,
          true,
        );
        print(
          at,
          `Player joined server "${SERVER}" that has join code 012345, now ${on.size} player(s)`,
          true,
        );
      } else {
        print(at, `Got connection SteamID ${id}`, true);
      }
      print(at + 9000, `Got character ZDOID from Player${step.peer} : ${1000 + step.peer}:1`);
    } else if (step.kind === 'leave' && on.has(step.peer)) {
      on.delete(step.peer);
      if (crossplay)
        print(
          at,
          `Player connection lost server "${SERVER}" that has join code 012345, now ${on.size} player(s)`,
        );
      else print(at, `Closing socket ${id}`);
    } else if (step.kind === 'wrong-password' && !on.has(step.peer)) {
      if (crossplay)
        print(
          at,
          `PlayFab socket with remote ID playfab/CD${step.peer} received local Platform ID ${platformId}`,
          true,
        );
      else print(at, `Got connection SteamID ${id}`, true);
      print(at + 300, `Peer ${crossplay ? platformId : id} has wrong password`);
      if (!crossplay) print(at + 600, `Closing socket ${id}`);
    } else {
      print(at, `Got character ZDOID from Player${step.peer} : 0:0`);
      print(at + 100, `Connections ${3 + step.peer}`);
    }
    counted.push({ at, players: on.size });
  }
  const end = at + 60 * MINUTE;
  // The periodic line, every 10 minutes, with the true count at that moment.
  for (let tick = ready + 10 * MINUTE; tick < end; tick += 10 * MINUTE) {
    const players = [...counted].reverse().find((entry) => entry.at <= tick)?.players ?? 0;
    print(tick, ` Connections ${players} ZDOS:130588  sent:0 recv:0`);
  }
  lines.sort((a, b) => a.at - b.at);
  return { lines, joins, end };
}

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

const batchOf = (lines: readonly LogLine[]): CloudWatchLogsDecodedData => ({
  messageType: 'DATA_MESSAGE',
  owner: '111122223333',
  logGroup: '/valheim-ondemand/server',
  logStream: STREAM,
  subscriptionFilters: ['players'],
  logEvents: lines.map((line, i) => ({ id: String(i), timestamp: line.at, message: line.message })),
});

const noQuery: PlayerQuery = async () => {
  throw new Error('no answer');
};

interface TickRecord {
  readonly at: number;
  readonly stopped: boolean;
  /** The count lines delivered so far, with their log time. */
  readonly delivered: readonly LogLine[];
}

async function runSession(
  generated: Generated,
  crossplay: boolean,
  delaysMs: readonly number[],
  settings = DEFAULT_LIFECYCLE,
) {
  const batches = forwardedBatches(LOG_FILTER_PATTERN, generated.lines).map((batch, i) => ({
    batch,
    deliveredAt: (batch[0]?.at ?? 0) + (delaysMs[i % delaysMs.length] ?? 0),
  }));
  const store = new MemoryPresence();
  const pending = [...batches];
  const delivered: LogLine[] = [];
  const ticks: TickRecord[] = [];
  let state: LifecycleState = INITIAL_STATE;
  for (let at = T0 + MINUTE; at <= generated.end; at += MINUTE) {
    // Deliveries in the order they arrive, which need not be the order the lines were logged in.
    for (const item of pending
      .filter((entry) => entry.deliveredAt <= at)
      .sort((a, b) => a.deliveredAt - b.deliveredAt)) {
      await ingestLogBatch(batchOf(item.batch), store, silentLogger);
      delivered.push(...item.batch);
      pending.splice(pending.indexOf(item), 1);
    }
    const observation = await observe(
      RUNNING,
      store.presence,
      noQuery,
      { public: true, crossplay },
      at,
      AbortSignal.timeout(1000),
    );
    const decision = decide(state, observation, at, settings);
    state = decision.state;
    ticks.push({
      at,
      stopped: decision.actions.some((action) => action.type === 'stop-server'),
      delivered: [...delivered],
    });
    if (state.phase === 'stopping') break;
  }
  return ticks;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  gapMs: fc.integer({ min: 5_000, max: 25 * MINUTE }),
  kind: fc.constantFrom('join', 'join', 'leave', 'wrong-password', 'noise'),
  peer: fc.integer({ min: 0, max: PEERS.length - 1 }),
});
const lossArb = fc.array(
  fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  { minLength: 1, maxLength: 40 },
);
const delaysArb = fc.array(fc.integer({ min: 1_000, max: 90_000 }), { minLength: 1, maxLength: 20 });
const settingsArb = fc.record({
  idleStopMinutes: fc.integer({ min: 1, max: 30 }),
  emptyStopMinutes: fc.integer({ min: 1, max: 40 }),
  warnBeforeMinutes: fc.integer({ min: 1, max: 10 }),
});

/**
 * Sessions per property: 250 in npm test (about a CPU second each), 10,000 in `npm run test:truth`, which
 * .ci/run runs (VALHEIM_PRESENCE_RUNS).
 */
const RUNS = Number(process.env.VALHEIM_PRESENCE_RUNS ?? 250);

describe('presence and decide — properties over replayed random sessions', () => {
  it('with crossplay, never stops while the latest fresh count line says someone is on', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { maxLength: 25 }),
        lossArb,
        delaysArb,
        settingsArb,
        async (steps, lost, delays, chosen) => {
          const generated = sessionLog(steps, true, lost);
          const settings = { ...DEFAULT_LIFECYCLE, ...chosen };
          for (const tick of await runSession(generated, true, delays, settings)) {
            if (!tick.stopped) continue;
            const latest = tick.delivered
              .filter((line) => {
                const event = parseLogLine(line.message);
                return event?.kind === 'player-count';
              })
              .sort((a, b) => b.at - a.at)[0];
            if (!latest || tick.at - latest.at > COUNT_MAX_AGE_MS) continue;
            const event = parseLogLine(latest.message);
            expect(event?.kind === 'player-count' && event.players).toBe(0);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('never stops within warnBeforeMinutes of a join the log showed (Steam and crossplay)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { maxLength: 25 }),
        fc.boolean(),
        lossArb,
        delaysArb,
        settingsArb,
        async (steps, crossplay, lost, delays, chosen) => {
          const generated = sessionLog(steps, crossplay, lost);
          const settings = { ...DEFAULT_LIFECYCLE, ...chosen };
          for (const tick of await runSession(generated, crossplay, delays, settings)) {
            if (!tick.stopped) continue;
            const seen = new Set(tick.delivered);
            for (const join of generated.joins.filter((line) => seen.has(line))) {
              expect(tick.at - join.at).toBeGreaterThanOrEqual(settings.warnBeforeMinutes * MINUTE);
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
