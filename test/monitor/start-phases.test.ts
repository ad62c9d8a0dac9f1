import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  deriveStartTimeline,
  formatDuration,
  medianMs,
  phaseDurations,
} from '../../src/monitor/start-phases.js';
import { applyStartLine, type StartLogMarks } from '../../src/players/start-lines.js';

/* Phase derivation from ECS task JSON (an EventBridge "ECS Task State Change" event, and `aws ecs
 * describe-tasks` output while pulling) and the server log as CloudWatch delivers it. */

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

const runningEvent = fixture<{ detail: Record<string, unknown> }>('ecs-task-state-change-running.json');
const pulling = fixture<{ tasks: Array<Record<string, unknown>> }>('describe-tasks-pulling.json').tasks[0];
const cachedStartLog = fixture<Array<{ timestamp: number; message: string }>>('server-log-cached-start.json');

const fold = (lines: ReadonlyArray<{ timestamp: number; message: string }>): StartLogMarks =>
  lines.reduce<StartLogMarks>((marks, line) => applyStartLine(marks, line.message, line.timestamp), {});

const at = (iso: string) => Date.parse(iso);

describe('applyStartLine', () => {
  it('reads the cache outcome, steamcmd start, download size and end, the launch and readiness', () => {
    // When the log of a cached start is folded
    const marks = fold(cachedStartLog);
    // Then
    expect(marks).toEqual({
      cache: 'restored',
      cacheRestoredAt: at('2026-11-30T18:03:35.833Z'),
      updateStartedAt: at('2026-11-30T18:04:02.034Z'),
      // The total of the first progress line, not the bytes so far
      downloadBytes: 583_712_014,
      updateFinishedAt: at('2026-11-30T18:04:21.930Z'),
      launchedAt: at('2026-11-30T18:04:24.100Z'),
      readyAt: at('2026-11-30T18:04:53.200Z'),
    });
  });

  it('notes a missed cache and an up-to-date install', () => {
    const marks = fold([
      {
        timestamp: 1,
        message:
          'install-cache: no usable cache (none in s3://b/k yet): this start downloads the game from Steam',
      },
      { timestamp: 2, message: "valheim-updater Success! App '896660' already up to date." },
    ]);
    expect(marks).toEqual({ cache: 'missed', cacheRestoredAt: 1, updateFinishedAt: 2, upToDate: true });
  });

  it('keeps the first occurrence (a game restart in the same task does not move the start)', () => {
    const marks = fold([
      { timestamp: 10, message: 'valheim-server INFO - Running Valheim Server' },
      { timestamp: 20, message: 'Game server connected' },
      { timestamp: 30, message: 'valheim-server INFO - Running Valheim Server' },
      { timestamp: 40, message: 'Game server connected' },
    ]);
    expect(marks).toEqual({ launchedAt: 10, readyAt: 20 });
  });

  it('ignores lines that say nothing about the start', () => {
    const marks: StartLogMarks = { launchedAt: 5 };
    for (const line of [
      'Got connection SteamID 76561198000000000',
      'Update state (0x61) downloading, progress: 0.00 (0 / 0)',
      '',
    ]) {
      expect(applyStartLine(marks, line, 9)).toBe(marks);
    }
  });
});

describe('deriveStartTimeline', () => {
  it('times every phase of a finished cached start from the task event and the log', () => {
    // Given the running task's event and the start's log
    const marks = fold(cachedStartLog);

    // When derived
    const timeline = deriveStartTimeline(runningEvent.detail, marks, at('2026-11-30T18:06:00Z'));

    // Then each phase ends where the next begins, and the start took 1 min 45 s
    expect(timeline.current).toBe('ready');
    expect(timeline.cache).toBe('restored');
    expect(timeline.downloadBytes).toBe(583_712_014);
    expect(phaseDurations(timeline, 0)).toEqual({
      placing: 16_187,
      pulling: 44_669,
      restoring: 53_263,
      updating: 22_066,
      loading: 29_100,
    });
    expect(timeline.elapsedMs).toBe(at('2026-11-30T18:04:53.200Z') - at('2026-11-30T18:02:07.915Z'));
    expect(formatDuration(timeline.elapsedMs ?? 0)).toBe('2 min 45 s');
  });

  it('says the pull is under way from describe-tasks output (offset timestamps) and counts from the request', () => {
    // Given the bot asked ECS for the server 5 s before the task was created, and the pull is running
    const requestedAt = at('2026-11-30T18:02:02.915Z');
    const now = at('2026-11-30T18:02:40Z');

    // When derived
    const timeline = deriveStartTimeline(pulling, {}, now, { requestedAt });

    // Then
    expect(timeline.current).toBe('pulling');
    expect(timeline.phases).toEqual([
      { phase: 'placing', startedAt: requestedAt, endedAt: at('2026-11-30T18:02:24.102Z') },
      { phase: 'pulling', startedAt: at('2026-11-30T18:02:24.102Z') },
    ]);
    expect(timeline.elapsedMs).toBe(now - requestedAt);
  });

  it('is placing before ECS has created a task, and knows nothing without a request either', () => {
    expect(deriveStartTimeline(undefined, {}, 5_000, { requestedAt: 1_000 })).toMatchObject({
      current: 'placing',
      elapsedMs: 4_000,
    });
    expect(deriveStartTimeline(undefined, {}, 5_000)).toEqual({ phases: [] });
  });

  it('moves to updating and loading as the log lines arrive, with the monitor ready time as a fallback', () => {
    const task = runningEvent.detail;
    const updating = deriveStartTimeline(task, { updateStartedAt: at('2026-11-30T18:04:02Z') }, 0);
    expect(updating.current).toBe('updating');
    const loading = deriveStartTimeline(
      task,
      { updateStartedAt: 1, launchedAt: at('2026-11-30T18:04:24Z') },
      0,
    );
    expect(loading.current).toBe('loading');
    const ready = deriveStartTimeline(task, { launchedAt: at('2026-11-30T18:04:24Z') }, 0, {
      readyAt: at('2026-11-30T18:05:00Z'),
    });
    expect(ready.current).toBe('ready');
    expect(ready.phases.at(-1)).toEqual({
      phase: 'loading',
      startedAt: at('2026-11-30T18:04:24Z'),
      endedAt: at('2026-11-30T18:05:00Z'),
    });
  });

  it('never lets a phase begin before the previous one (clock skew between ECS and the log)', () => {
    const timeline = deriveStartTimeline(
      { createdAt: 10_000, pullStartedAt: 20_000, pullStoppedAt: 30_000 },
      { updateStartedAt: 29_000, launchedAt: 40_000, readyAt: 50_000 },
      60_000,
    );
    expect(phaseDurations(timeline, 0)).toEqual({
      placing: 10_000,
      pulling: 10_000,
      restoring: 0,
      updating: 10_000,
      loading: 10_000,
    });
  });
});

describe('medianMs and formatDuration', () => {
  it('takes the median of odd and even counts', () => {
    expect(medianMs([])).toBeUndefined();
    expect(medianMs([30, 10, 20])).toBe(20);
    expect(medianMs([40, 10, 20, 30])).toBe(25);
  });

  it('writes seconds, minutes and seconds, and whole minutes from ten on', () => {
    expect(formatDuration(45_400)).toBe('45 s');
    expect(formatDuration(112_000)).toBe('1 min 52 s');
    expect(formatDuration(120_000)).toBe('2 min');
    expect(formatDuration(12 * 60_000 + 31_000)).toBe('12 min');
  });
});
