import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIFECYCLE, decide } from '../../src/monitor/decide.js';
import { noticeFor } from '../../src/monitor/notices.js';
import { observe } from '../../src/monitor/observe.js';
import { applyLogEvent, emptyPresence, type LogPresence } from '../../src/players/log-presence.js';
import { LOG_FILTER_PATTERN, parseLogLine } from '../../src/players/server-log.js';
import { type Action, INITIAL_STATE, type LifecycleState } from '../../src/records/lifecycle.js';
import type { ServerStatus } from '../../src/server/server-status.js';
import { filterMatcher } from '../support/cloudwatch-filter.js';

/*
 * A start whose build changed, and players refused for another version, from the log lines the game task
 * prints (the start hook's, src/game/hooks.ts, and Valheim's own) through the stack's log filter, the parser,
 * the stored presence, observe and decide, tick after tick, with the lines in any order: what is recorded and
 * what Discord is told, and how often.
 */

const T0 = Date.parse('2026-12-01T19:00:00Z');
const TASK_ID = 'task1';
const TASK = `arn:aws:ecs:eu-central-1:111122223333:task/valheim/${TASK_ID}`;
const PREFIX = 'Dec 01 19:00:00 supervisord: valheim-updater ';
const COPY = '20261201T190130Z-pre-update';
const ALICE = '76561198058880519';
const BOB = '76561198000000002';

const LINES = {
  build: `${PREFIX}valheim-ondemand: game build 200 on branch public (cached 100; world Midgard last ran on 100)`,
  copy: `${PREFIX}valheim-ondemand: pre-update copy ${COPY} of world Midgard made in 4 s (build 100 -> 200)`,
  version:
    'Dec 01 19:02:00 supervisord: valheim-server 12/01/2026 19:02:00: Valheim version: l-1.0.16 (network version 40)',
  ready: 'Dec 01 19:02:30 supervisord: valheim-server 12/01/2026 19:02:30: Game server connected',
  refused: (peer: string) =>
    `Dec 01 19:05:00 supervisord: valheim-server 12/01/2026 19:05:00: Peer ${peer} has incompatible version, mine:1.0.16 (network version 40)   remote 1.0.15 (network version 39)`,
};

const forwarded = filterMatcher(LOG_FILTER_PATTERN);

function fold(presence: LogPresence, line: string, at: number): LogPresence {
  // Only what the subscription filter forwards reaches the parser.
  if (!forwarded(line)) return presence;
  const event = parseLogLine(line);
  return event ? applyLogEvent(presence, event, at) : presence;
}

const running: ServerStatus = {
  state: 'running',
  desiredCount: 1,
  task: { taskArn: TASK, lastStatus: 'RUNNING' } as ServerStatus['task'],
  publicIp: '3.120.45.67',
} as ServerStatus;

async function tick(state: LifecycleState, presence: LogPresence, now: number) {
  const observation = await observe(
    running,
    presence,
    async () => 0,
    { public: true, crossplay: false },
    now,
    AbortSignal.timeout(1000),
  );
  return decide(state, observation, now, DEFAULT_LIFECYCLE);
}

describe('a start that brought a new build', () => {
  it('forwards exactly the lines it needs through the log filter', () => {
    for (const line of [LINES.build, LINES.copy, LINES.refused(ALICE)])
      expect(forwarded(line), line).toBe(true);
    // Valheim's line before the refusal, and the hook's other lines, cost no invocation
    for (const line of [
      '04/10/2024 16:12:49: Network version check, their:23, mine:20',
      `${PREFIX}valheim-ondemand: game branch public, steamcmd arguments: (none)`,
    ]) {
      expect(forwarded(line), line).toBe(false);
    }
  });

  it('records the update once and tells it once, whatever order the lines arrive in, over many ticks', async () => {
    const lines = [
      { line: LINES.build, at: T0 + 60_000 },
      { line: LINES.copy, at: T0 + 90_000 },
      { line: LINES.version, at: T0 + 120_000 },
      { line: LINES.ready, at: T0 + 150_000 },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(lines, { minLength: lines.length, maxLength: lines.length }),
        fc.integer({ min: 1, max: 4 }),
        async (arrival, ticksBetween) => {
          let presence = emptyPresence(TASK_ID);
          let state: LifecycleState = INITIAL_STATE;
          const actions: Action[] = [];
          let now = T0;
          for (const { line, at } of arrival) {
            presence = fold(presence, line, at);
            for (let i = 0; i < ticksBetween; i++) {
              now += 20_000;
              const decision = await tick(state, presence, now);
              state = decision.state;
              actions.push(...decision.actions);
            }
          }
          // Then the record (with the copy: the snapshot to upload) is made once
          const records = actions.filter((action) => action.type === 'record-game' && action.update);
          expect(records).toHaveLength(1);
          expect(records[0]).toMatchObject({
            build: '200',
            branch: 'public',
            update: { world: 'Midgard', fromBuild: '100', toBuild: '200', snapshotId: COPY },
          });
          // And Discord hears of the update exactly once: in the ready notice, or after it
          const told = actions.filter(
            (action) =>
              (action.type === 'announce-ready' && action.game?.update) ||
              action.type === 'announce-game-update',
          );
          expect(told).toHaveLength(1);
          expect(actions.filter((action) => action.type === 'announce-ready')).toHaveLength(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('says in the ready notice which version runs, that it was installed at this start, and how to go back', async () => {
    let presence = emptyPresence(TASK_ID);
    for (const [i, line] of [LINES.build, LINES.copy, LINES.version, LINES.ready].entries()) {
      presence = fold(presence, line, T0 + i * 1000);
    }
    const { actions } = await tick(INITIAL_STATE, presence, T0 + 10_000);
    const ready = actions.find((action) => action.type === 'announce-ready');
    const notice =
      ready && noticeFor(ready, { crossplay: false, idleStopMinutes: 15, emptyStopMinutes: 30 }, T0);
    expect(notice?.content).toContain('🎮 Valheim 1.0.16 (build 200).');
    expect(notice?.content).toContain(
      '⬆️ **Valheim 1.0.16 was installed at this start** (build 200, was 100).',
    );
    expect(notice?.content).toContain(`saved first as snapshot \`${COPY}\` (pre-update)`);
    expect(JSON.stringify(notice?.components)).toContain('valheim:game:rollback');
  });

  it('tells players on another branch how to match it in Steam', async () => {
    let presence = emptyPresence(TASK_ID);
    const line = LINES.build.replace('branch public', 'branch default_old');
    for (const [i, text] of [line, LINES.copy, LINES.ready].entries())
      presence = fold(presence, text, T0 + i * 1000);
    const { actions } = await tick(INITIAL_STATE, presence, T0 + 10_000);
    const ready = actions.find((action) => action.type === 'announce-ready');
    const notice =
      ready && noticeFor(ready, { crossplay: false, idleStopMinutes: 15, emptyStopMinutes: 30 }, T0);
    expect(notice?.content).toContain('branch **default_old**');
    expect(notice?.content).toContain('Players: In Steam: Valheim → Properties → Betas → **default_old**.');
  });

  it('warns when the copy of the world before the update failed', async () => {
    let presence = emptyPresence(TASK_ID);
    const failed = `${PREFIX}valheim-ondemand: pre-update copy of world Midgard failed (build 100 -> 200): cp: No space left on device`;
    for (const [i, text] of [LINES.build, failed, LINES.ready].entries())
      presence = fold(presence, text, T0 + i * 1000);
    const { actions } = await tick(INITIAL_STATE, presence, T0 + 10_000);
    expect(actions.find((action) => action.type === 'record-game')).toMatchObject({
      update: { failed: 'cp: No space left on device' },
    });
    const ready = actions.find((action) => action.type === 'announce-ready');
    const notice =
      ready && noticeFor(ready, { crossplay: false, idleStopMinutes: 15, emptyStopMinutes: 30 }, T0);
    expect(notice?.content).toContain('the update failed (cp: No space left on device)');
  });
});

describe('players refused for another version', () => {
  it('are announced once per player per session, with both versions and what to do', async () => {
    let presence = fold(emptyPresence(TASK_ID), LINES.ready, T0);
    let state: LifecycleState = INITIAL_STATE;
    const told: Action[] = [];
    let now = T0;
    // Alice tries four times, Bob once, with ticks between and the lines delivered twice
    for (const peer of [ALICE, ALICE, BOB, ALICE, ALICE]) {
      now += 30_000;
      presence = fold(fold(presence, LINES.refused(peer), now), LINES.refused(peer), now);
      const decision = await tick(state, presence, now + 5000);
      state = decision.state;
      told.push(...decision.actions.filter((action) => action.type === 'announce-version-mismatch'));
    }
    expect(told.map((action) => action.type === 'announce-version-mismatch' && action.peerId)).toEqual([
      ALICE,
      BOB,
    ]);
    const notice =
      told[0] && noticeFor(told[0], { crossplay: false, idleStopMinutes: 15, emptyStopMinutes: 30 }, now);
    expect(notice?.content).toContain(
      `[Steam user ${ALICE}](<https://steamcommunity.com/profiles/${ALICE}>)`,
    );
    expect(notice?.content).toContain('their Valheim is **1.0.15**, the server runs **1.0.16**');
    expect(notice?.content).toContain('Their game is older');

    // A new session (the server stopped in between) announces Alice again
    const stopped = decide(
      state,
      { server: 'stopped', desiredCount: 0, serverAnswering: false, players: 'unknown', shutdownSaved: true },
      now + 60_000,
    );
    let next = emptyPresence('task2');
    next = fold(fold(next, LINES.ready, now + 120_000), LINES.refused(ALICE), now + 130_000);
    const again = await observe(
      {
        ...running,
        task: { taskArn: TASK.replace(TASK_ID, 'task2'), lastStatus: 'RUNNING' } as ServerStatus['task'],
      },
      next,
      async () => 0,
      { public: true, crossplay: false },
      now + 140_000,
      AbortSignal.timeout(1000),
    );
    const decision = decide(stopped.state, again, now + 140_000);
    expect(decision.actions.filter((action) => action.type === 'announce-version-mismatch')).toHaveLength(1);
  });

  it('advise a restart when the player is newer (a new Valheim is out), and the branch when the server is on one', () => {
    const newer = noticeFor(
      { type: 'announce-version-mismatch', peerId: BOB, mine: '1.0.15', remote: '1.0.16', branch: 'public' },
      { crossplay: false, idleStopMinutes: 15, emptyStopMinutes: 30 },
      T0,
    );
    expect(newer?.content).toContain('Restart the server to update it');
    const branch = noticeFor(
      {
        type: 'announce-version-mismatch',
        peerId: BOB,
        mine: '0.221.4',
        remote: '1.0.16',
        branch: 'default_old',
        name: 'Bjørn',
      },
      { crossplay: false, idleStopMinutes: 15, emptyStopMinutes: 30 },
      T0,
    );
    expect(branch?.content).toContain('[Bjørn](<https://steamcommunity.com/profiles/');
    expect(branch?.content).toContain('Betas → **default_old**');
    // The same game with a mod's version tag on one side: the mods differ, not the game
    const modded = noticeFor(
      { type: 'announce-version-mismatch', peerId: BOB, mine: '0.147.3', remote: '0.147.3@0.9.3' },
      { crossplay: false, idleStopMinutes: 15, emptyStopMinutes: 30 },
      T0,
    );
    expect(modded?.content).toContain("a mod's version tag does not");
    expect(modded?.content).toContain('`/valheim mods`');
  });
});
