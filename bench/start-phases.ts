/**
 * The monitor's phase derivation (src/monitor/start-phases.ts), which runs in the log Lambda for every batch
 * and in the monitor at every tick while a server starts: folding a start's log lines into marks, and
 * deriving the timeline from them and the task's timestamps.
 */
import { performance } from 'node:perf_hooks';
import { deriveStartTimeline } from '../src/monitor/start-phases.js';
import { applyStartLine, type StartLogMarks } from '../src/players/start-lines.js';

export interface StartPhaseFigures {
  readonly lines: number;
  readonly foldMsPerStart: number;
  readonly deriveUs: number;
}

/** A full download's log: ~2,000 lines, most of them steamcmd progress lines. */
function startLog(): Array<{ at: number; line: string }> {
  const prefix = 'Nov 30 18:04:08 supervisord: valheim-updater';
  const lines = [
    'install-cache: no usable cache (none in s3://bucket/server-install/valheim-server-896660.tar.gz yet): this start downloads the game from Steam',
    `${prefix} INFO - Downloading/updating/validating Valheim server from Steam`,
  ];
  const total = 2_044_741_987;
  for (let i = 1; i <= 2000; i++) {
    const done = Math.floor((total * i) / 2000);
    lines.push(
      `${prefix}  Update state (0x61) downloading, progress: ${((100 * done) / total).toFixed(2)} (${done} / ${total})`,
    );
  }
  lines.push(
    `${prefix} Success! App '896660' fully installed.`,
    'valheim-server INFO - Running Valheim Server',
  );
  lines.push('valheim-server 11/30/2026 18:04:53: Game server connected');
  return lines.map((line, i) => ({ at: 1_796_061_789_000 + i * 50, line }));
}

export function measureStartPhases(rounds: number): StartPhaseFigures {
  const log = startLog();
  const task = {
    createdAt: '2026-11-30T18:02:07.915Z',
    pullStartedAt: '2026-11-30T18:02:24.102Z',
    pullStoppedAt: '2026-11-30T18:03:08.771Z',
  };
  let marks: StartLogMarks = {};
  const foldStarted = performance.now();
  for (let round = 0; round < rounds; round++) {
    marks = log.reduce<StartLogMarks>((current, { at, line }) => applyStartLine(current, line, at), {});
  }
  const foldMs = (performance.now() - foldStarted) / rounds;
  if (marks.readyAt === undefined || marks.downloadBytes !== 2_044_741_987) {
    throw new Error(`phase derivation misread the log: ${JSON.stringify(marks)}`);
  }
  const deriveRounds = rounds * 1000;
  const deriveStarted = performance.now();
  for (let round = 0; round < deriveRounds; round++) deriveStartTimeline(task, marks, 1_796_062_000_000);
  const deriveUs = ((performance.now() - deriveStarted) / deriveRounds) * 1000;
  return { lines: log.length, foldMsPerStart: foldMs, deriveUs };
}

export function printStartPhases(figures: StartPhaseFigures): void {
  console.log('Start-phase derivation (src/monitor/start-phases.ts)');
  console.log(
    `  folding a full-download start log (${figures.lines} lines) ${figures.foldMsPerStart.toFixed(2)} ms; deriving the timeline ${figures.deriveUs.toFixed(2)} µs`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) printStartPhases(measureStartPhases(50));
