import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import { COUNT_MAX_AGE_MS } from '../../src/players/log-presence.js';
import {
  type Faults,
  MINUTE,
  type Mode,
  type Scenario,
  type SimResult,
  simulate,
  T0,
  type Timeline,
  type Visit,
} from '../support/valheim-truth.js';

/*
 * The idle stop judged against the truth: who is really on at the instant the monitor calls UpdateService(0),
 * with the real filter, log Lambda fold, observe, decide and tick in between (test/support/valheim-truth.ts).
 */

const READY = T0 + 95_000;
const NO_FAULTS: Faults = {
  logSkewMs: 0,
  lineLoss: 0,
  maxDelayMs: 0,
  outages: [],
  queryFailure: 0,
  querySlowMs: 0,
};
/** A tick every minute on the minute, as the schedule runs. */
const EVERY_MINUTE = { tickGapsMs: [MINUTE], keepRunningAfterMs: [undefined] };

const visit = (player: number, joinAt: number, leaveAt: number, extra: Partial<Visit> = {}): Visit => ({
  player,
  joinAt,
  leaveAt,
  reconnects: [],
  queryDelayMs: 20_000,
  ...extra,
});

function scenario(timeline: Partial<Timeline>, extra: Partial<Scenario> = {}): Scenario {
  return {
    timeline: {
      mode: 'steam-private',
      readyAt: READY,
      countPhaseMs: 10 * MINUTE,
      visits: [],
      wrongPasswords: [],
      ...timeline,
    },
    faults: NO_FAULTS,
    clock: EVERY_MINUTE,
    lifecycle: DEFAULT_LIFECYCLE,
    seed: 1,
    // Shipments reach the log Lambda 2 s after they leave the container unless a test says otherwise.
    overrides: { delayMs: () => 2000 },
    ...extra,
  };
}

const stopsUnderPlayers = (result: SimResult) => result.stops.filter((stop) => stop.on.length > 0);

describe('the three sequences that stopped under a player', () => {
  it('a player joins 20 s before the announced stop and his line arrives 25 s later: no stop under him', async () => {
    // Given an empty private server: nobody joined, so it warns for a stop 30 minutes after it became ready
    const empty = await simulate(scenario({}), T0 + 3 * 60 * MINUTE);
    const warned = empty.notices.find((notice) => notice.kind === 'warn-idle');
    const announced = Number(/<t:(\d+):R>/.exec(warned?.notice.content ?? '')?.[1]) * 1000;
    expect(announced).toBeGreaterThan(READY + 29 * MINUTE);
    // When a player joins 20 s before that time and the batch with his "Got connection" line is 25 s late
    const joinAt = announced - 20_000;
    const late = scenario(
      { visits: [visit(0, joinAt, joinAt + 40 * MINUTE)] },
      {
        overrides: {
          delayMs: (batch) =>
            batch.some((line) => line.message.includes('Got connection')) ? 25_000 - 5000 : 2000,
        },
      },
    );
    const result = await simulate(late, joinAt + 2 * 60 * MINUTE);
    // Then the server is not stopped under him; it stops after he left
    expect(stopsUnderPlayers(result)).toEqual([]);
    expect(result.stops[0]?.at).toBeGreaterThan(joinAt + 40 * MINUTE);
  });

  it('one lost "Got connection" line (count lines at +12/+22/+32): no stop under the player', async () => {
    // Given count lines at ready+2, +12, +22, +32 minutes, and a player who joins at ready+23 min
    const joinAt = READY + 23 * MINUTE;
    const lost = scenario(
      { countPhaseMs: 2 * MINUTE, visits: [visit(0, joinAt, joinAt + 45 * MINUTE)] },
      { overrides: { lost: (line) => line.message.includes('Got connection'), delayMs: () => 2000 } },
    );
    // When his "Got connection" line is lost
    const result = await simulate(lost, joinAt + 3 * 60 * MINUTE);
    // Then the nobody-joined stop does not hit him (the count line at +32 shows him); it stops after he left
    expect(stopsUnderPlayers(result)).toEqual([]);
    expect(result.stops[0]?.at).toBeGreaterThan(joinAt + 45 * MINUTE);
  });

  it('a client that reconnects before its old "Closing socket" line, with idleStopMinutes 5: no stop', async () => {
    // Given a player on from ready+2 min to ready+90 min, whose client reconnects at ready+20¼ min, the old
    // socket closing 30 s after the new connection, and count lines at +10, +20, +30…
    const reconnecting = scenario(
      {
        visits: [
          visit(0, READY + 2 * MINUTE, READY + 90 * MINUTE, {
            reconnects: [{ at: READY + 20 * MINUTE + 15_000, closeAfterMs: 30_000 }],
          }),
        ],
      },
      { lifecycle: { ...DEFAULT_LIFECYCLE, idleStopMinutes: 5 } },
    );
    const result = await simulate(reconnecting, READY + 3 * 60 * MINUTE);
    // Then he is never stopped on; the stop comes after he left
    expect(stopsUnderPlayers(result)).toEqual([]);
    expect(result.stops[0]?.at).toBeGreaterThan(READY + 90 * MINUTE);
  });
});

describe('found by the property', () => {
  it('a connection the log showed a moment before the count line said 0 still protects its player', async () => {
    // Given a crossplay server nobody joined for an hour (the empty-server stop off), so the one-hour session
    // limit is pending on a count of 0; and a player whose PlayFab line is logged 0.3 s before the game's
    // periodic count at ready+60 (0: he has not joined yet), whose "Player joined … now 1" line is lost
    const joinAt = READY + 60 * MINUTE + 500;
    const crossplay = scenario(
      { mode: 'crossplay', visits: [visit(0, joinAt, joinAt + 40 * MINUTE)] },
      {
        lifecycle: { ...DEFAULT_LIFECYCLE, emptyStopMinutes: 0, maxSessionHours: 1 },
        overrides: { lost: (line) => line.message.includes('Player joined'), delayMs: () => 2000 },
      },
    );
    const result = await simulate(crossplay, joinAt + 3 * 60 * MINUTE);
    expect(result.notices.some((notice) => notice.kind === 'warn-limit')).toBe(true);
    // Then that count line proves nothing about him: no stop until he has left
    expect(stopsUnderPlayers(result)).toEqual([]);
    expect(result.stops[0]?.at).toBeGreaterThan(joinAt + 40 * MINUTE);
  });

  it('a start the log never showed ready (a log outage) is stopped at the session limit only as a blind one', async () => {
    // Given a private server whose log is dark for its first hour, and a player on from minute 25 to 60
    const dark = scenario(
      { visits: [visit(0, READY + 25 * MINUTE, READY + 60 * MINUTE + 25_000)], countPhaseMs: 0 },
      {
        faults: { ...NO_FAULTS, outages: [{ from: READY, to: READY + 60 * MINUTE + 1 }] },
        clock: { tickGapsMs: [55_000], keepRunningAfterMs: [undefined] },
        lifecycle: {
          ...DEFAULT_LIFECYCLE,
          idleStopMinutes: 4,
          emptyStopMinutes: 13,
          warnBeforeMinutes: 2,
          maxSessionHours: 1,
        },
      },
    );
    const result = await simulate(dark, READY + 3 * 60 * MINUTE);
    // Then the stop is the session limit's, on a count the bot could not see, after its warning in Discord
    expect(result.stops).toHaveLength(1);
    expect(result.stops[0]).toMatchObject({
      reason: 'max-session',
      players: 'unknown',
      queryAnswered: false,
    });
    expect(result.stops[0]?.newestCountLineAt).toBeUndefined();
    expect(result.notices.some((notice) => notice.kind === 'warn-limit')).toBe(true);
  });
});

/*
 * The promise, against the truth, over generated evenings. Within its assumptions it says: whoever joined
 * before the stop time Discord announced (or whose join the bot saw) is never stopped on; only a count that
 * stays invisible (the blind limit, or the session limit while blind) can stop a server with players on, after
 * a warning with Keep running, and only when the bot really had no count to see.
 */

/** The container's clock may be this far off the monitor's (the generator's bound). */
const SKEW_MS = 5000;
const RUNS = Number(process.env.VALHEIM_TRUTH_RUNS ?? 150);

const visitArb = (near: number) =>
  fc.record({
    // Gaps and stays spread over the evening, with a bias to the moments that matter: just before and after
    // an announced stop (the idle and empty windows) and reconnects.
    gapMs: fc.oneof(
      fc.integer({ min: 5_000, max: 90 * MINUTE }),
      fc.integer({ min: near - 3 * MINUTE, max: near + 3 * MINUTE }),
      fc.integer({ min: 25 * MINUTE, max: 35 * MINUTE }),
    ),
    stayMs: fc.oneof(
      fc.integer({ min: 20_000, max: 150 * MINUTE }),
      fc.integer({ min: 20_000, max: 5 * MINUTE }),
    ),
    reconnects: fc.array(
      fc.record({
        share: fc.double({ min: 0.02, max: 0.98, noNaN: true }),
        closeAfterMs: fc.integer({ min: 200, max: 60_000 }),
      }),
      { maxLength: 2 },
    ),
    queryDelayMs: fc.integer({ min: 0, max: 60_000 }),
  });

const lifecycleArb = fc.oneof(
  fc.constant(DEFAULT_LIFECYCLE),
  fc.record({
    idleStopMinutes: fc.oneof(fc.constantFrom(5, 15), fc.integer({ min: 1, max: 30 })),
    emptyStopMinutes: fc.integer({ min: 1, max: 40 }),
    warnBeforeMinutes: fc.integer({ min: 0, max: 10 }),
    slowStartMinutes: fc.constant(15),
    unknownLimitMinutes: fc.constantFrom(60, 20, 40),
    maxSessionHours: fc.constantFrom(12, 1, 2),
    keepRunningHours: fc.constantFrom(1, 2),
  }),
);

const scenarioArb: fc.Arbitrary<Scenario> = lifecycleArb.chain((lifecycle) =>
  fc
    .record({
      mode: fc.constantFrom<Mode>('steam-private', 'steam-public', 'crossplay'),
      readyAfterMs: fc.integer({ min: 60_000, max: 5 * MINUTE }),
      countPhaseMs: fc.integer({ min: 0, max: 10 * MINUTE - 1 }),
      players: fc.array(fc.array(visitArb(lifecycle.idleStopMinutes * MINUTE), { maxLength: 3 }), {
        maxLength: 5,
      }),
      wrongPasswords: fc.array(
        fc.record({
          player: fc.integer({ min: 0, max: 6 }),
          afterMs: fc.integer({ min: 0, max: 4 * 60 * MINUTE }),
        }),
        { maxLength: 3 },
      ),
      faults: fc.record({
        logSkewMs: fc.integer({ min: -SKEW_MS, max: SKEW_MS }),
        lineLoss: fc.constantFrom(0, 0.1, 0.1, 0.1),
        maxDelayMs: fc.constantFrom(0, 10_000, 90_000, 90_000),
        outage: fc.option(
          fc.record({
            afterMs: fc.integer({ min: 0, max: 3 * 60 * MINUTE }),
            lastsMs: fc.oneof(
              fc.integer({ min: MINUTE, max: 30 * MINUTE }),
              fc.integer({ min: 60 * MINUTE, max: 150 * MINUTE }),
            ),
          }),
          { freq: 5 },
        ),
        queryFailure: fc.constantFrom(0, 0.1, 0.5, 1),
        querySlowMs: fc.constantFrom(50, 2500),
      }),
      tickGapsMs: fc.array(
        fc.oneof(
          { weight: 6, arbitrary: fc.integer({ min: 55_000, max: 65_000 }) },
          { weight: 2, arbitrary: fc.integer({ min: 1_000, max: 30_000 }) },
          { weight: 1, arbitrary: fc.integer({ min: 2 * MINUTE, max: 5 * MINUTE }) },
        ),
        { minLength: 1, maxLength: 12 },
      ),
      keepRunningAfterMs: fc.array(fc.option(fc.integer({ min: 0, max: 12 * MINUTE })), {
        minLength: 1,
        maxLength: 4,
      }),
      seed: fc.integer(),
    })
    .map((drawn): Scenario => {
      const readyAt = T0 + drawn.readyAfterMs;
      const visits: Visit[] = [];
      drawn.players.forEach((stays, player) => {
        let at = readyAt;
        for (const stay of stays) {
          const joinAt = at + stay.gapMs;
          const leaveAt = joinAt + stay.stayMs;
          visits.push({
            player,
            joinAt,
            leaveAt,
            reconnects: stay.reconnects
              .map((r) => ({ at: Math.floor(joinAt + r.share * stay.stayMs), closeAfterMs: r.closeAfterMs }))
              .sort((a, b) => a.at - b.at),
            queryDelayMs: stay.queryDelayMs,
          });
          at = leaveAt;
        }
      });
      const { outage, ...faults } = drawn.faults;
      return {
        timeline: {
          mode: drawn.mode,
          readyAt,
          countPhaseMs: drawn.countPhaseMs,
          visits,
          wrongPasswords: drawn.wrongPasswords.map((w) => ({ player: w.player, at: readyAt + w.afterMs })),
        },
        faults: {
          ...faults,
          outages: outage
            ? [{ from: readyAt + outage.afterMs, to: readyAt + outage.afterMs + outage.lastsMs }]
            : [],
        },
        clock: {
          tickGapsMs: drawn.tickGapsMs,
          keepRunningAfterMs: drawn.keepRunningAfterMs.map((after) => after ?? undefined),
        },
        lifecycle,
        seed: drawn.seed,
      };
    }),
);

/** How far the simulation runs: long after the last player left, so the idle stop comes. */
const horizon = (scenario: Scenario) =>
  Math.max(
    scenario.timeline.readyAt + 3 * 60 * MINUTE,
    ...scenario.timeline.visits.map((visit) => visit.leaveAt + 90 * MINUTE),
  );

const tally = {
  sessions: 0,
  ticks: 0,
  stops: 0,
  stopsWithPlayersOn: 0,
  blindStops: 0,
  blindStopsWithPlayersOn: 0,
  lateJoinersCaught: 0,
  keepRunningPresses: 0,
  fields: new Set<string>(),
};

describe('the idle stop against the truth (generated evenings, limits on)', () => {
  it(
    `never stops under a player who joined before the announced stop time, or whom it saw (${RUNS} evenings)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, async (scenario) => {
          const result = await simulate(scenario, horizon(scenario));
          tally.sessions++;
          tally.ticks += result.ticks;
          tally.keepRunningPresses += result.presses;
          for (const field of result.fieldsInPlay) tally.fields.add(field);
          for (const stop of result.stops) {
            tally.stops++;
            // No automatic stop without a warning standing in Discord, and never before its time.
            expect(stop.announced).toBeDefined();
            expect(stop.at).toBeGreaterThanOrEqual(stop.announced ?? Number.POSITIVE_INFINITY);
            const blind =
              stop.reason === 'blind' || (stop.reason === 'max-session' && stop.players === 'unknown');
            if (blind) {
              // Only a count the bot really could not see: no query answer at the moment of stopping, and no
              // count or connection line of the last 20 minutes had reached it (the log's count goes stale then)…
              tally.blindStops++;
              expect(stop.queryAnswered).toBe(false);
              expect(stop.at - (stop.newestCountLineAt ?? Number.NEGATIVE_INFINITY)).toBeGreaterThan(
                COUNT_MAX_AGE_MS,
              );
              // …and, for the blind limit, no join it saw within the unknown limit (a join restarts its clock).
              if (stop.reason === 'blind') {
                expect(stop.at - (stop.newestJoinLineAt ?? Number.NEGATIVE_INFINITY)).toBeGreaterThanOrEqual(
                  scenario.lifecycle.unknownLimitMinutes * MINUTE,
                );
              }
              if (stop.on.length > 0) tally.blindStopsWithPlayersOn++;
              continue;
            }
            if (stop.on.length === 0) continue;
            tally.stopsWithPlayersOn++;
            for (const i of stop.on) {
              const visit = scenario.timeline.visits[i] as Visit;
              // Whoever joined before the announced time (give or take the clocks' skew) is protected…
              expect({
                joinedBeforeAnnounced: visit.joinAt <= (stop.announced ?? 0) - 2 * SKEW_MS,
                visit,
              }).toMatchObject({
                joinedBeforeAnnounced: false,
              });
              // …and so is anyone whose connection the bot saw, or whom the query showed.
              expect(stop.seen).not.toContain(i);
            }
            tally.lateJoinersCaught++;
          }
        }),
        { numRuns: RUNS },
      );
      // The generated evenings put every part of the state in play.
      for (const field of ['limitWarning', 'keepRunningAt', 'unknownSince', 'warnedStopAt', 'lastJoinAt']) {
        expect([field, tally.fields.has(field)]).toEqual([field, true]);
      }
      console.info(`idle truth: ${JSON.stringify({ ...tally, fields: [...tally.fields].sort() })}`);
    },
    // About 10 ms of CPU an evening; a loaded machine takes a lot longer.
    Math.max(60_000, RUNS * 500),
  );
});
