import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIFECYCLE,
  decide,
  type LifecycleSettings,
  type Observation,
  requestKeepRunning,
} from '../../src/monitor/decide.js';
import { noticeFor } from '../../src/monitor/notices.js';
import {
  type Action,
  INITIAL_STATE,
  type LifecycleState,
  type PlayerCount,
} from '../../src/records/lifecycle.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.parse('2026-11-23T19:00:00Z');
const TASK = 'arn:aws:ecs:eu-central-1:111122223333:task/valheim/one';
const CONTEXT = {
  crossplay: false,
  idleStopMinutes: 15,
  emptyStopMinutes: 30,
  unknownLimitMinutes: 60,
  maxSessionHours: 12,
};

const up = (players: PlayerCount): Observation => ({
  server: 'running',
  desiredCount: 1,
  taskArn: TASK,
  publicIp: '3.120.45.67',
  serverAnswering: true,
  players,
});

/** A monitor that ticks every minute; `press` says at which minutes somebody presses Keep running. */
function run(
  minutes: number,
  players: (minute: number) => PlayerCount,
  press: (minute: number) => boolean = () => false,
  settings: LifecycleSettings = DEFAULT_LIFECYCLE,
) {
  let state: LifecycleState = INITIAL_STATE;
  const log: Array<{ minute: number; action: Action }> = [];
  for (let minute = 0; minute <= minutes; minute++) {
    const at = T0 + minute * MINUTE;
    if (press(minute)) state = requestKeepRunning(state, at) ?? state;
    // (a count of 0 is the query's answer, the server's own count, at that moment)
    const count = players(minute);
    const decision = decide(state, { ...up(count), ...(count === 0 && { emptyAt: at }) }, at, settings);
    state = decision.state;
    for (const action of decision.actions) log.push({ minute, action });
    if (state.phase === 'stopping') break;
  }
  return { state, log };
}

const at = (log: ReturnType<typeof run>['log'], type: Action['type']) =>
  log.filter((entry) => entry.action.type === type);

describe('bounded when blind', () => {
  it('says it cannot see who is playing after 60 minutes, with Keep running, and stops 5 minutes later without an answer', () => {
    // Given a server whose count is unknown from minute 10 on (a hung game, a query that never answers)
    const { log, state } = run(120, (minute) => (minute < 10 ? 2 : 'unknown'));
    // Then at minute 70 it warns, with a Keep running button and the time it went blind
    const [warning] = at(log, 'warn-limit');
    expect(warning).toEqual({
      minute: 70,
      action: { type: 'warn-limit', kind: 'blind', since: T0 + 10 * MINUTE, stopAt: T0 + 75 * MINUTE },
    });
    const notice = warning && noticeFor(warning.action, CONTEXT, T0 + 70 * MINUTE);
    expect(notice?.content).toContain(`I can't see who is playing since <t:${(T0 + 10 * MINUTE) / 1000}:t>`);
    expect(
      notice?.components[0]?.components.map((button) => 'custom_id' in button && button.custom_id),
    ).toEqual(['valheim:keep-running', 'valheim:status']);
    // And with nobody pressing it, it stops at minute 75, saying why
    expect(at(log, 'stop-server')).toEqual([
      { minute: 75, action: { type: 'stop-server', reason: 'blind' } },
    ]);
    expect(state.stopReason).toBe('blind');
  });

  it('keeps running when somebody presses Keep running, and asks again after another 60 blind minutes', () => {
    const { log } = run(
      200,
      (minute) => (minute < 10 ? 2 : 'unknown'),
      (minute) => minute === 72,
    );
    expect(at(log, 'warn-limit').map((entry) => entry.minute)).toEqual([70, 132]);
    expect(at(log, 'stop-server')).toEqual([
      { minute: 137, action: { type: 'stop-server', reason: 'blind' } },
    ]);
  });

  it('withdraws the warning when the count is visible again', () => {
    const { log } = run(100, (minute) => (minute < 10 || minute >= 72 ? 1 : 'unknown'));
    expect(at(log, 'warn-limit')).toHaveLength(1);
    expect(at(log, 'cancel-limit-warning')).toEqual([
      { minute: 72, action: { type: 'cancel-limit-warning', kind: 'blind' } },
    ]);
    expect(at(log, 'stop-server')).toEqual([]);
  });

  it('bounds a start that never gets ready the same way', () => {
    let state: LifecycleState = INITIAL_STATE;
    const actions: Array<{ minute: number; action: Action }> = [];
    for (let minute = 0; minute <= 70 && state.phase !== 'stopping'; minute++) {
      const decision = decide(state, { ...up('unknown'), serverAnswering: false }, T0 + minute * MINUTE);
      state = decision.state;
      actions.push(...decision.actions.map((action) => ({ minute, action })));
    }
    expect(at(actions, 'warn-limit').map((entry) => entry.minute)).toEqual([60]);
    expect(at(actions, 'stop-server').map((entry) => entry.minute)).toEqual([65]);
  });

  it('is off with unknownLimitMinutes 0', () => {
    const { log } = run(
      300,
      () => 'unknown',
      () => false,
      { ...DEFAULT_LIFECYCLE, unknownLimitMinutes: 0 },
    );
    expect(at(log, 'warn-limit')).toEqual([]);
  });
});

describe('maximum session length', () => {
  it('never stops players the bot knows are on: three people playing all night run past 12 hours', () => {
    // Given three people playing all night (the count is known all along)
    const { log, state } = run(15 * 60, () => 3);
    // Then no limit warning and no stop: the limit is for forgotten and blind servers
    expect(at(log, 'warn-limit')).toEqual([]);
    expect(at(log, 'stop-server')).toEqual([]);
    expect(state.phase).toBe('ready');
  });

  it('warns 5 minutes before 12 hours when the count is unknown, Keep running extends by keepRunningHours, no answer stops it', () => {
    // Given a session whose count is unknown from 11:00 on, with the blind limit off (the session limit alone)
    const settings = { ...DEFAULT_LIFECYCLE, unknownLimitMinutes: 0 };
    const { log } = run(
      15 * 60,
      (minute) => (minute < 11 * 60 ? 2 : 'unknown'),
      (minute) => minute === 12 * 60 - 3,
      settings,
    );
    // Then it warns at 11:55, is kept running, warns again at 13:55 and stops at 14:00
    expect(at(log, 'warn-limit').map((entry) => [entry.minute, entry.action])).toEqual([
      [12 * 60 - 5, { type: 'warn-limit', kind: 'max-session', since: T0, stopAt: T0 + 12 * HOUR }],
      [14 * 60 - 5, { type: 'warn-limit', kind: 'max-session', since: T0, stopAt: T0 + 14 * HOUR }],
    ]);
    expect(at(log, 'stop-server')).toEqual([
      { minute: 14 * 60, action: { type: 'stop-server', reason: 'max-session' } },
    ]);
    const stopped = noticeFor(
      { type: 'announce-stopped', reason: 'max-session', worldSaved: true },
      CONTEXT,
      T0,
    );
    expect(stopped?.content).toContain('the session reached its time limit and nobody pressed Keep running');
  });

  it('withdraws a session-limit warning when players show up, and warns again once nobody is on', () => {
    // Given the count unknown around the limit, then two players seen from 11:58 to 12:30, then nobody
    const settings = { ...DEFAULT_LIFECYCLE, unknownLimitMinutes: 0, idleStopMinutes: 0 };
    const players = (minute: number): PlayerCount =>
      minute < 11 * 60 + 50 ? 2 : minute < 11 * 60 + 58 ? 'unknown' : minute < 12 * 60 + 30 ? 2 : 0;
    const { log } = run(13 * 60, players, () => false, settings);
    // Then the warning given at 11:55 is withdrawn at 11:58, and given again when they have left
    expect(at(log, 'warn-limit').map((entry) => entry.minute)).toEqual([12 * 60 - 5, 12 * 60 + 30]);
    expect(at(log, 'cancel-limit-warning')).toEqual([
      { minute: 12 * 60 - 2, action: { type: 'cancel-limit-warning', kind: 'max-session' } },
    ]);
    expect(noticeFor({ type: 'cancel-limit-warning', kind: 'max-session' }, CONTEXT, T0)?.content).toBe(
      '👍 Players are on, so the server keeps running past the session limit: I stop it only once nobody is on.',
    );
    // And the stop, on an empty server, comes on the server's own count after the announced time
    expect(at(log, 'stop-server')).toEqual([
      { minute: 12 * 60 + 37, action: { type: 'stop-server', reason: 'max-session' } },
    ]);
  });

  it('ignores Keep running when no such warning is pending', () => {
    expect(requestKeepRunning({ ...INITIAL_STATE, phase: 'ready' }, T0)).toBeUndefined();
    const warned: LifecycleState = { phase: 'ready', limitWarning: { kind: 'max-session', stopAt: T0 } };
    expect(requestKeepRunning(warned, T0)).toMatchObject({ keepRunningAt: T0 });
    expect(requestKeepRunning({ ...warned, phase: 'stopping' }, T0)).toBeUndefined();
  });

  it('is off with maxSessionHours 0', () => {
    const { log } = run(
      20 * 60,
      () => 2,
      () => false,
      { ...DEFAULT_LIFECYCLE, maxSessionHours: 0 },
    );
    expect(at(log, 'warn-limit')).toEqual([]);
  });
});

describe('no automatic stop without a prior warning', () => {
  it('warns at least warnBeforeMinutes (≥ 1) before every stop the bot makes by itself', () => {
    const countArb = fc.oneof(fc.constant<PlayerCount>('unknown'), fc.integer({ min: 0, max: 3 }));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(countArb, fc.integer({ min: 1, max: 30 })), { minLength: 1, maxLength: 40 }),
        fc.record({
          idleStopMinutes: fc.integer({ min: 0, max: 30 }),
          emptyStopMinutes: fc.integer({ min: 0, max: 30 }),
          warnBeforeMinutes: fc.integer({ min: 0, max: 10 }),
          slowStartMinutes: fc.constant(15),
          unknownLimitMinutes: fc.integer({ min: 0, max: 90 }),
          maxSessionHours: fc.integer({ min: 0, max: 3 }),
          keepRunningHours: fc.integer({ min: 1, max: 3 }),
        }),
        fc.array(fc.integer({ min: 20_000, max: 4 * MINUTE }), { minLength: 1, maxLength: 10 }),
        (segments, settings, gaps) => {
          // Counts held for a number of minutes each; ticks at irregular intervals (a late or missed tick).
          const counts = segments.flatMap(([count, minutes]) => Array<PlayerCount>(minutes).fill(count));
          let state: LifecycleState = INITIAL_STATE;
          let now = T0;
          // When each kind of warning still standing was given.
          const warnings = { idle: [] as number[], limit: [] as number[] };
          for (let i = 0; i < counts.length * 2 && state.phase !== 'stopping'; i++) {
            const count = counts[Math.min(counts.length - 1, Math.floor((now - T0) / MINUTE))] ?? 0;
            const decision = decide(state, up(count), now, settings);
            for (const action of decision.actions) {
              if (action.type === 'warn-idle') warnings.idle.push(now);
              if (action.type === 'warn-limit') warnings.limit.push(now);
              if (action.type === 'cancel-idle-warning') warnings.idle = [];
              if (action.type === 'cancel-limit-warning') warnings.limit = [];
              if (action.type === 'stop-server') {
                const window = Math.max(1, settings.warnBeforeMinutes) * MINUTE;
                const limit = action.reason === 'blind' || action.reason === 'max-session';
                const given = limit ? warnings.limit : warnings.idle;
                expect(given.some((warnedAt) => now - warnedAt >= window)).toBe(true);
              }
            }
            state = decision.state;
            now += gaps[i % gaps.length] ?? MINUTE;
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
