import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIFECYCLE,
  decide,
  EMPTY_PROOF_MAX_AGE_MS,
  idleStopAt,
  type LifecycleSettings,
  type Observation,
  STOP_SETTLE_MS,
} from '../../src/monitor/decide.js';
import {
  type Action,
  INITIAL_STATE,
  type LifecycleState,
  type PlayerCount,
} from '../../src/records/lifecycle.js';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-23T19:00:00Z');
const TASK = 'arn:aws:ecs:eu-central-1:111122223333:task/valheim/one';

const up = (players: PlayerCount, extra: Partial<Observation> = {}): Observation => ({
  server: 'running',
  desiredCount: 1,
  taskArn: TASK,
  publicIp: '3.120.45.67',
  serverAnswering: true,
  players,
  ...extra,
});

const types = (actions: readonly Action[]) => actions.map((action) => action.type);

/**
 * Runs observations through decide like the monitor does, collecting every action with its time. A count of 0
 * is the query's answer at that moment (the server's own count), unless the observation says otherwise.
 */
function simulate(steps: Array<{ at: number; observation: Observation }>, settings = DEFAULT_LIFECYCLE) {
  let state: LifecycleState = INITIAL_STATE;
  const log: Array<{ at: number; action: Action }> = [];
  for (const { at, observation } of steps) {
    const counted = observation.players === 0 && !('emptyAt' in observation) ? { emptyAt: at } : {};
    const decision = decide(state, { ...observation, ...counted }, at, settings);
    state = decision.state;
    for (const action of decision.actions) log.push({ at, action });
  }
  return { state, log };
}

const playerCount = fc.oneof(fc.constant<PlayerCount>('unknown'), fc.integer({ min: 0, max: 10 }));
const settingsArb = fc.record<LifecycleSettings>({
  idleStopMinutes: fc.integer({ min: 0, max: 60 }),
  emptyStopMinutes: fc.integer({ min: 0, max: 90 }),
  warnBeforeMinutes: fc.integer({ min: 0, max: 10 }),
  slowStartMinutes: fc.integer({ min: 0, max: 30 }),
  // The blind and session limits stop on purpose (after a warning); their own properties are below.
  unknownLimitMinutes: fc.constant(0),
  maxSessionHours: fc.constant(0),
  keepRunningHours: fc.integer({ min: 1, max: 4 }),
});
const stateArb: fc.Arbitrary<LifecycleState> = fc.record(
  {
    phase: fc.constantFrom('stopped', 'starting', 'ready', 'stopping'),
    sessionId: fc.string(),
    startedAt: fc.integer({ min: T0 - 600 * MINUTE, max: T0 }),
    readyAt: fc.integer({ min: T0 - 600 * MINUTE, max: T0 }),
    taskArn: fc.constantFrom(TASK, 'arn:other'),
    address: fc.constant('3.120.45.67:2456'),
    lastActivityAt: fc.integer({ min: T0 - 600 * MINUTE, max: T0 }),
    everJoined: fc.boolean(),
    players: playerCount,
    warnedStopAt: fc.integer({ min: T0 - 600 * MINUTE, max: T0 + 600 * MINUTE }),
  },
  { requiredKeys: ['phase'] },
);
const observationArb: fc.Arbitrary<Observation> = fc.record({
  server: fc.constantFrom('stopped', 'starting', 'running', 'stopping'),
  desiredCount: fc.constantFrom(0, 1),
  taskArn: fc.constantFrom(TASK, 'arn:other'),
  publicIp: fc.constant('3.120.45.67'),
  serverAnswering: fc.boolean(),
  players: playerCount,
});

describe('decide — properties', () => {
  it('never stops the server while the player count is above zero or unknown', () => {
    fc.assert(
      fc.property(
        stateArb,
        observationArb,
        fc.oneof(fc.constant<PlayerCount>('unknown'), fc.integer({ min: 1, max: 10 })),
        fc.integer({ min: T0, max: T0 + 1000 * MINUTE }),
        settingsArb,
        (state, observation, players, now, settings) => {
          const { actions } = decide(state, { ...observation, players }, now, settings);
          expect(types(actions)).not.toContain('stop-server');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never stops during a whole session in which someone may always be playing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant<PlayerCount>('unknown'), fc.integer({ min: 1, max: 10 })), {
          maxLength: 300,
        }),
        settingsArb,
        (counts, settings) => {
          const steps = counts.map((players, i) => ({ at: T0 + i * MINUTE, observation: up(players) }));
          expect(simulate(steps, settings).log.map((entry) => entry.action.type)).not.toContain(
            'stop-server',
          );
        },
      ),
    );
  });

  it('stops within idle (or, when shorter, the warning window) + settle + 2 minutes of the last player leaving when the count is reliably zero', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }), // idle minutes
        fc.integer({ min: 1, max: 120 }), // minutes played
        fc.integer({ min: 0, max: 59_999 }), // when within a minute the last player left
        fc.array(fc.integer({ min: 20_000, max: 60_000 }), { minLength: 1, maxLength: 50 }), // tick gaps ≤ 1 min
        (idleStopMinutes, played, leaveOffset, gaps) => {
          const settings = { ...DEFAULT_LIFECYCLE, idleStopMinutes };
          const leftAt = T0 + played * MINUTE + leaveOffset;
          // A stop always comes a full warning window after its warning, so a short idle time waits for it.
          const wait = Math.max(idleStopMinutes, settings.warnBeforeMinutes + 1);
          const steps: Array<{ at: number; observation: Observation }> = [];
          let at = T0;
          for (let i = 0; at <= leftAt + (wait + 7) * MINUTE; i++) {
            steps.push({ at, observation: up(at < leftAt ? 2 : 0) });
            at += gaps[i % gaps.length] ?? MINUTE;
          }
          const stops = simulate(steps, settings).log.filter((entry) => entry.action.type === 'stop-server');
          // (the simulation keeps the service up, so later ticks retry the stop: the first one counts)
          expect(stops.length).toBeGreaterThanOrEqual(1);
          const stoppedAt = stops[0]?.at ?? Number.NaN;
          // (a stop comes STOP_SETTLE_MS after the announced time at the earliest)
          expect(stoppedAt).toBeLessThanOrEqual(leftAt + (wait + 2) * MINUTE + STOP_SETTLE_MS);
          // and never before the idle time has passed since the last time anyone was seen
          expect(stoppedAt).toBeGreaterThanOrEqual(leftAt - MINUTE + idleStopMinutes * MINUTE);
          expect(stops[0]?.action).toEqual({ type: 'stop-server', reason: 'idle' });
        },
      ),
    );
  });

  it('announces ready once per start, however the observations wobble', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            server: fc.constantFrom<Observation['server']>('starting', 'running'),
            answering: fc.boolean(),
            players: playerCount,
          }),
          { maxLength: 100 },
        ),
        (ticks) => {
          // a task that, once running, stays running: no interruption, so one start
          let running = false;
          const steps = ticks.map((tick, i) => {
            running ||= tick.server === 'running';
            return {
              at: T0 + i * MINUTE,
              observation: up(tick.players, {
                server: running ? 'running' : 'starting',
                serverAnswering: tick.answering,
              }),
            };
          });
          const ready = simulate(steps, {
            ...DEFAULT_LIFECYCLE,
            idleStopMinutes: 0,
            emptyStopMinutes: 0,
          }).log.filter((entry) => entry.action.type === 'announce-ready');
          const couldBeReady = steps.some(
            (s) => s.observation.server === 'running' && s.observation.serverAnswering,
          );
          expect(ready).toHaveLength(couldBeReady ? 1 : 0);
        },
      ),
    );
  });
});

describe('decide — properties with the limits on and every state field in play', () => {
  const limitsOn = fc.record<LifecycleSettings>({
    idleStopMinutes: fc.integer({ min: 0, max: 60 }),
    emptyStopMinutes: fc.integer({ min: 0, max: 90 }),
    warnBeforeMinutes: fc.integer({ min: 0, max: 10 }),
    slowStartMinutes: fc.integer({ min: 0, max: 30 }),
    unknownLimitMinutes: fc.integer({ min: 0, max: 120 }),
    maxSessionHours: fc.integer({ min: 0, max: 14 }),
    keepRunningHours: fc.integer({ min: 1, max: 4 }),
  });
  const at = fc.integer({ min: T0 - 900 * MINUTE, max: T0 + 60 * MINUTE });
  const fullState: fc.Arbitrary<LifecycleState> = fc.record(
    {
      phase: fc.constantFrom('stopped', 'starting', 'ready', 'stopping'),
      sessionId: fc.string(),
      startedAt: at,
      taskStartedAt: at,
      readyAt: at,
      taskArn: fc.constantFrom(TASK, 'arn:other'),
      address: fc.constant('3.120.45.67:2456'),
      lastActivityAt: at,
      everJoined: fc.boolean(),
      players: playerCount,
      warnedStopAt: at,
      unknownSince: at,
      limitWarning: fc.record({
        kind: fc.constantFrom('blind' as const, 'max-session' as const),
        stopAt: at,
      }),
      keepRunningAt: at,
      blindAcknowledgedAt: at,
      sessionExtensionHours: fc.integer({ min: 0, max: 6 }),
    },
    { requiredKeys: ['phase'] },
  );
  const fullObservation = (players: fc.Arbitrary<PlayerCount>): fc.Arbitrary<Observation> =>
    fc.record(
      {
        server: fc.constantFrom('stopped', 'starting', 'running', 'stopping'),
        desiredCount: fc.constantFrom(0, 1),
        taskArn: fc.constantFrom(TASK, 'arn:other'),
        publicIp: fc.constant('3.120.45.67'),
        serverAnswering: fc.boolean(),
        players,
        lastJoinAt: at,
        emptyAt: at,
      },
      { requiredKeys: ['server', 'desiredCount', 'serverAnswering', 'players'] },
    );

  it('never stops while players are known to be on, whatever the limits and the state', () => {
    fc.assert(
      fc.property(
        fullState,
        fullObservation(fc.integer({ min: 1, max: 10 })),
        fc.integer({ min: T0, max: T0 + 1000 * MINUTE }),
        limitsOn,
        (state, observation, now, settings) => {
          expect(types(decide(state, observation, now, settings).actions)).not.toContain('stop-server');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("stops an empty server only on the server's own count, taken after the announced time, fresh, with no join since", () => {
    fc.assert(
      fc.property(
        fullState,
        fullObservation(fc.constant<PlayerCount>(0)),
        fc.integer({ min: T0, max: T0 + 1000 * MINUTE }),
        limitsOn,
        (state, observation, now, settings) => {
          const { actions } = decide(state, observation, now, settings);
          if (!types(actions).includes('stop-server')) return;
          // The stop time that was announced: the idle warning's, or the limit warning's
          const announced =
            state.limitWarning && now >= state.limitWarning.stopAt
              ? state.limitWarning.stopAt
              : state.warnedStopAt;
          expect(announced).toBeDefined();
          const emptyAt = observation.emptyAt ?? Number.NEGATIVE_INFINITY;
          expect(emptyAt).toBeGreaterThanOrEqual(announced ?? Number.POSITIVE_INFINITY);
          expect(now - emptyAt).toBeLessThanOrEqual(EMPTY_PROOF_MAX_AGE_MS);
          expect(now).toBeGreaterThanOrEqual((announced ?? 0) + STOP_SETTLE_MS);
          expect(observation.lastJoinAt ?? Number.NEGATIVE_INFINITY).toBeLessThan(emptyAt);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('stops with the count unknown only by a limit that warned (blind, or the session limit), never as idle', () => {
    fc.assert(
      fc.property(
        fullState,
        fullObservation(fc.constant<PlayerCount>('unknown')),
        fc.integer({ min: T0, max: T0 + 1000 * MINUTE }),
        limitsOn,
        (state, observation, now, settings) => {
          const stop = decide(state, observation, now, settings).actions.find(
            (a) => a.type === 'stop-server',
          );
          if (stop?.type !== 'stop-server') return;
          expect(['blind', 'max-session']).toContain(stop.reason);
          // a warning of that kind was standing, and its time has come
          expect(state.limitWarning?.kind).toBe(stop.reason);
          expect(now).toBeGreaterThanOrEqual(state.limitWarning?.stopAt ?? Number.POSITIVE_INFINITY);
          expect(state.keepRunningAt).toBeUndefined();
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe("decide — the stop rests on the server's own count", () => {
  // An empty server warned for minute 30 (nobody joined): the stop waits for a proof from after that time.
  const warned = () =>
    simulate(Array.from({ length: 26 }, (_, i) => ({ at: T0 + i * MINUTE, observation: up(0) }))).state;
  const due = T0 + 32 * MINUTE;

  it('does not stop on a count of 0 the server did not give (a count derived from the log lines)', () => {
    const state = warned();
    expect(state.warnedStopAt).toBe(T0 + 30 * MINUTE);
    expect(types(decide(state, up(0), due).actions)).not.toContain('stop-server');
    expect(decide(state, up(0), due).state).toMatchObject({ phase: 'ready', warnedStopAt: T0 + 30 * MINUTE });
  });

  it('does not stop on a count line from before the announced time, a stale one, or one a join came after', () => {
    const state = warned();
    const stops = (extra: Partial<Observation>, now = due) =>
      types(decide(state, up(0, extra), now).actions).includes('stop-server');
    expect(stops({ emptyAt: T0 + 30 * MINUTE - 1000 })).toBe(false); // before the announced time
    expect(stops({ emptyAt: T0 + 30 * MINUTE }, T0 + 30 * MINUTE + 60_000)).toBe(false); // not settled yet
    expect(stops({ emptyAt: T0 + 30 * MINUTE }, T0 + 34 * MINUTE)).toBe(false); // 4 minutes old
    expect(stops({ emptyAt: T0 + 31 * MINUTE, lastJoinAt: T0 + 31 * MINUTE + 500 })).toBe(false); // a join since
    // and stops on a fresh one, from after the announced time, with nobody connecting since
    expect(stops({ emptyAt: T0 + 31 * MINUTE })).toBe(true);
  });

  it('waits for the proof as long as it takes, and withdraws the warning when somebody joins meanwhile', () => {
    const state = warned();
    // minutes 30–39: due, no proof; at 39 a join shows in the log
    let current = state;
    for (let minute = 30; minute < 39; minute++) {
      current = decide(current, up(0), T0 + minute * MINUTE).state;
      expect(current.phase).toBe('ready');
    }
    const joined = decide(current, up(1, { lastJoinAt: T0 + 38 * MINUTE }), T0 + 39 * MINUTE);
    expect(types(joined.actions)).toContain('cancel-idle-warning');
    expect(joined.state.warnedStopAt).toBeUndefined();
  });
});

describe('decide — the blind limit and the log', () => {
  it('restarts the blind clock at a join the log shows, and withdraws a pending blind warning for it', () => {
    // Given the count unknown from minute 10 (a query that stopped answering, a log without count lines)
    let state: LifecycleState = INITIAL_STATE;
    const log: Array<{ minute: number; type: string }> = [];
    for (let minute = 0; minute <= 150 && state.phase !== 'stopping'; minute++) {
      const now = T0 + minute * MINUTE;
      // and a join line at minute 72, while the blind warning (given at 70) is pending
      const observation =
        minute < 10 ? up(2) : up('unknown', minute >= 72 ? { lastJoinAt: T0 + 72 * MINUTE } : {});
      const decision = decide(state, observation, now);
      state = decision.state;
      for (const action of decision.actions) log.push({ minute, type: action.type });
    }
    const limitActions = log.filter((entry) => entry.type.includes('limit') || entry.type === 'stop-server');
    // Then the warning is withdrawn at 72, given again 60 minutes after the join, and only then stops
    expect(limitActions).toEqual([
      { minute: 70, type: 'warn-limit' },
      { minute: 72, type: 'cancel-limit-warning' },
      { minute: 132, type: 'warn-limit' },
      { minute: 137, type: 'stop-server' },
    ]);
  });
});

describe('decide — scenarios', () => {
  it('opens a session, announces ready with the address, and records it', () => {
    const { log, state } = simulate([
      {
        at: T0,
        observation: up('unknown', { server: 'starting', publicIp: undefined, serverAnswering: false }),
      },
      { at: T0 + MINUTE, observation: up('unknown', { serverAnswering: false }) },
      { at: T0 + 4 * MINUTE, observation: up(0, { joinCode: '123456' }) },
    ]);
    expect(log.map((e) => e.action)).toEqual([
      { type: 'session-opened', sessionId: new Date(T0).toISOString(), at: T0 },
      { type: 'announce-ready', address: '3.120.45.67:2456', joinCode: '123456' },
      { type: 'upsert-dns', ip: '3.120.45.67' },
    ]);
    expect(state).toMatchObject({ phase: 'ready', readyAt: T0 + 4 * MINUTE, address: '3.120.45.67:2456' });
  });

  it('stops 30 minutes after ready when nobody joined, warning 5 minutes before, once settled', () => {
    const steps = Array.from({ length: 33 }, (_, i) => ({ at: T0 + i * MINUTE, observation: up(0) }));
    const { log, state } = simulate(steps);
    const timeline = log.filter(
      (e) => !['session-opened', 'announce-ready', 'upsert-dns'].includes(e.action.type),
    );
    expect(timeline).toEqual([
      {
        at: T0 + 25 * MINUTE,
        action: { type: 'warn-idle', stopAt: T0 + 30 * MINUTE, reason: 'nobody-joined' },
      },
      // the first tick STOP_SETTLE_MS (90 s) after the announced time, on a count of 0 taken then
      { at: T0 + 32 * MINUTE, action: { type: 'stop-server', reason: 'nobody-joined' } },
    ]);
    expect(state.phase).toBe('stopping');
  });

  it('retries the stop when the scale-down did not take effect, within the same session', () => {
    const steps = Array.from({ length: 35 }, (_, i) => ({ at: T0 + i * MINUTE, observation: up(0) }));
    const { log, state } = simulate(steps);
    expect(log.filter((e) => e.action.type === 'stop-server').map((e) => e.at)).toEqual([
      T0 + 32 * MINUTE,
      T0 + 33 * MINUTE,
      T0 + 34 * MINUTE,
    ]);
    expect(types(log.map((e) => e.action)).filter((t) => t === 'session-opened')).toHaveLength(1);
    expect(types(log.map((e) => e.action)).filter((t) => t === 'announce-ready')).toHaveLength(1);
    expect(state.sessionId).toBe(new Date(T0).toISOString());
  });

  it('withdraws the warning when somebody joins', () => {
    const steps = [
      ...Array.from({ length: 27 }, (_, i) => ({ at: T0 + i * MINUTE, observation: up(0) })),
      { at: T0 + 27 * MINUTE, observation: up(1) },
      { at: T0 + 28 * MINUTE, observation: up(1) },
    ];
    const { log, state } = simulate(steps);
    expect(types(log.map((e) => e.action))).toContain('warn-idle');
    expect(log.at(-1)?.action).toEqual({ type: 'cancel-idle-warning' });
    expect(state.warnedStopAt).toBeUndefined();
    expect(state.everJoined).toBe(true);
  });

  it('does nothing about idleness when idle stop is disabled', () => {
    const steps = Array.from({ length: 200 }, (_, i) => ({ at: T0 + i * MINUTE, observation: up(0) }));
    const { log } = simulate(steps, { ...DEFAULT_LIFECYCLE, emptyStopMinutes: 0 });
    expect(types(log.map((e) => e.action))).toEqual(['session-opened', 'announce-ready', 'upsert-dns']);
  });

  it('announces the stop with its reason, removes the DNS record, closes the session and stops polling', () => {
    const ready = simulate(
      Array.from({ length: 33 }, (_, i) => ({ at: T0 + i * MINUTE, observation: up(0) })),
    ).state;
    const stopping = decide(ready, up(0, { desiredCount: 0, server: 'stopping' }), T0 + 33 * MINUTE);
    expect(stopping.actions).toEqual([]);
    const stopped = decide(
      stopping.state,
      { ...up(0), desiredCount: 0, server: 'stopped', shutdownSaved: true },
      T0 + 35 * MINUTE,
    );
    expect(stopped.actions).toEqual([
      {
        type: 'announce-stopped',
        reason: 'nobody-joined',
        worldSaved: true,
        session: { startedAt: T0, peakPlayers: 0 },
      },
      { type: 'delete-dns' },
      {
        type: 'session-closed',
        sessionId: new Date(T0).toISOString(),
        at: T0 + 35 * MINUTE,
        reason: 'nobody-joined',
      },
      { type: 'snapshot-world', reason: 'session-end' },
      { type: 'stop-polling' },
    ]);
    expect(stopped.state).toEqual(INITIAL_STATE);
  });

  it('says "requested" when somebody else stopped the server, with what the session was', () => {
    const ready = simulate([{ at: T0, observation: up(2) }]).state;
    const stopped = { ...up(0), desiredCount: 0, server: 'stopped' as const, shutdownSaved: true };
    const { actions } = decide(ready, stopped, T0 + MINUTE);
    expect(actions[0]).toEqual({
      type: 'announce-stopped',
      reason: 'requested',
      worldSaved: true,
      session: { startedAt: T0, peakPlayers: 2 },
    });
  });

  it('waits up to 90 s for the shutdown save in the log, then announces the stop with a warning', () => {
    // Given a stopped task whose log has not shown a shutdown save (yet)
    const ready = simulate([{ at: T0, observation: up(2) }]).state;
    const stopped = { ...up(0), desiredCount: 0, server: 'stopped' as const };
    // When the monitor first sees it, Then it waits (polling stays on)
    const first = decide(ready, stopped, T0 + MINUTE);
    expect(first.actions).toEqual([]);
    expect(first.state).toMatchObject({ phase: 'stopping', stoppedSeenAt: T0 + MINUTE });
    // And a save arriving meanwhile makes the notice say so
    const saved = decide(first.state, { ...stopped, shutdownSaved: true }, T0 + 2 * MINUTE);
    expect(saved.actions[0]).toMatchObject({ type: 'announce-stopped', worldSaved: true });
    // But without one, after 90 s it announces the stop and warns that no save was seen
    expect(decide(first.state, stopped, T0 + MINUTE + 60_000).actions).toEqual([]);
    const late = decide(first.state, stopped, T0 + MINUTE + 90_000);
    expect(late.actions[0]).toMatchObject({
      type: 'announce-stopped',
      reason: 'requested',
      worldSaved: false,
    });
    expect(late.state).toEqual(INITIAL_STATE);
  });

  it('snapshots the world at the end of every session, only once the game task has stopped', () => {
    // Given a session with players
    const ready = simulate([{ at: T0, observation: up(3) }]).state;
    // When the server is asked to stop, Then nothing is snapshotted while the task still runs and saves
    const stopping = decide(ready, up(0, { desiredCount: 0, server: 'stopping' }), T0 + MINUTE);
    expect(types(stopping.actions)).not.toContain('snapshot-world');
    // When the task has stopped, Then the world is snapshotted once, as the session's end
    const stopped = decide(
      stopping.state,
      { ...up(0), desiredCount: 0, server: 'stopped', shutdownSaved: true },
      T0 + 2 * MINUTE,
    );
    expect(stopped.actions.filter((action) => action.type === 'snapshot-world')).toEqual([
      { type: 'snapshot-world', reason: 'session-end' },
    ]);
    // And a further stopped observation does not snapshot again
    const again = decide(
      stopped.state,
      { ...up(0), desiredCount: 0, server: 'stopped', shutdownSaved: true },
      T0 + 3 * MINUTE,
    );
    expect(types(again.actions)).not.toContain('snapshot-world');
  });

  it('snapshots a long session every snapshotEveryHours, counted from when it became ready', () => {
    // Given snapshots every 4 hours and players on all evening
    const settings = { ...DEFAULT_LIFECYCLE, snapshotEveryHours: 4 };
    const steps = Array.from({ length: 9 * 60 + 1 }, (_, i) => ({ at: T0 + i * MINUTE, observation: up(2) }));
    // When 9 hours pass
    const { log } = simulate(steps, settings);
    // Then there are snapshots at 4 h and 8 h, no more
    expect(log.filter((entry) => entry.action.type === 'snapshot-world')).toEqual([
      { at: T0 + 240 * MINUTE, action: { type: 'snapshot-world', reason: 'session' } },
      { at: T0 + 480 * MINUTE, action: { type: 'snapshot-world', reason: 'session' } },
    ]);
  });

  it('takes no snapshot during a session when snapshotEveryHours is 0', () => {
    const steps = Array.from({ length: 10 * 60 }, (_, i) => ({ at: T0 + i * MINUTE, observation: up(2) }));
    const { log } = simulate(steps, { ...DEFAULT_LIFECYCLE, snapshotEveryHours: 0 });
    expect(log.map((entry) => entry.action.type)).not.toContain('snapshot-world');
  });

  it('announces a Spot interruption and the replacement once it is ready at its new address', () => {
    const ready = simulate([{ at: T0, observation: up(2) }]).state;
    const replaced = decide(
      ready,
      up('unknown', {
        server: 'starting',
        taskArn: 'arn:new',
        publicIp: undefined,
        lastStop: { spot: true },
      }),
      T0 + MINUTE,
    );
    expect(replaced.actions).toEqual([{ type: 'announce-interrupted', spot: true }]);
    expect(replaced.state.phase).toBe('starting');
    const back = decide(replaced.state, up(0, { taskArn: 'arn:new', publicIp: '18.1.2.3' }), T0 + 5 * MINUTE);
    expect(back.actions).toEqual([
      { type: 'announce-ready', address: '18.1.2.3:2456' },
      { type: 'upsert-dns', ip: '18.1.2.3' },
    ]);
    expect(back.state.interruptions).toBe(1);
  });

  it('announces a slow start once, with a hint of how long it has taken', () => {
    const steps = Array.from({ length: 20 }, (_, i) => ({
      at: T0 + i * MINUTE,
      observation: up('unknown', { server: 'starting', serverAnswering: false }),
    }));
    const slow = simulate(steps).log.filter((e) => e.action.type === 'announce-slow-start');
    expect(slow).toEqual([{ at: T0 + 15 * MINUTE, action: { type: 'announce-slow-start', minutes: 15 } }]);
  });

  it('tells status when the idle stop will happen', () => {
    const state = simulate(
      Array.from({ length: 3 }, (_, i) => ({ at: T0 + i * MINUTE, observation: up(0) })),
    ).state;
    expect(idleStopAt(state)).toBe(T0 + 30 * MINUTE);
    expect(idleStopAt({ ...state, players: 'unknown' })).toBeUndefined();
    expect(idleStopAt({ ...state, everJoined: true, lastActivityAt: T0 + 2 * MINUTE })).toBe(
      T0 + 17 * MINUTE,
    );
  });
});
