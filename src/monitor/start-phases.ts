import type { StartLogMarks } from '../players/start-lines.js';
import type { StartPhase } from '../records/session.js';
/**
 * Where a start is and where its time went, from what ECS and the server log say: a pure function of the
 * task's timestamps, the start-up lines of the log and the clock. The monitor uses it to edit the
 * `/valheim start` reply as the start goes, `/valheim status` to show the current phase, and the ledger
 * keeps the result of each session (`npx valheim starts`).
 *
 * Phases follow one another; each ends when the next one begins:
 *   placing    ECS task created → image pull started   (capacity, network interface)
 *   pulling    image pull started → stopped
 *   restoring  pull stopped → steamcmd starts            (install cache fetch + unpack, image boot)
 *   updating   steamcmd starts → the game is launched    (steamcmd, then the image's copy of the install)
 *   loading    the game is launched → "Game server connected"
 */

/** The ECS task fields that time a start (DescribeTasks; Dates from the SDK, ISO strings in event JSON). */
export interface TaskTimes {
  readonly createdAt?: Date | string | number;
  readonly pullStartedAt?: Date | string | number;
  readonly pullStoppedAt?: Date | string | number;
  readonly startedAt?: Date | string | number;
}

export interface PhaseSpan {
  readonly phase: StartPhase;
  readonly startedAt: number;
  /** Missing while the phase is under way. */
  readonly endedAt?: number;
}

export interface StartTimeline {
  /** Phases with a known beginning, in order. */
  readonly phases: readonly PhaseSpan[];
  /** The phase under way, or 'ready'; undefined before ECS has created a task. */
  readonly current?: StartPhase | 'ready';
  /** When the start began: the request (session start) if known, else the task's creation. */
  readonly startedAt?: number;
  readonly readyAt?: number;
  /** startedAt → ready, or → now while starting. */
  readonly elapsedMs?: number;
  readonly downloadBytes?: number;
  readonly cache?: 'restored' | 'missed';
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

function epoch(value: Date | string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The timeline of one start. `requestedAt` is when the bot asked ECS for a server (the session start), so
 * the wait for ECS to create the task counts as placing. `readyAt` from the monitor (the query answered)
 * stands in when the log's ready line has not arrived.
 */
export function deriveStartTimeline(
  task: TaskTimes | undefined,
  marks: StartLogMarks,
  now: number,
  options: { readonly requestedAt?: number; readonly readyAt?: number } = {},
): StartTimeline {
  const created = epoch(task?.createdAt);
  const beginnings: Array<[StartPhase, number | undefined]> = [
    ['placing', earliest(options.requestedAt, created)],
    ['pulling', epoch(task?.pullStartedAt)],
    ['restoring', epoch(task?.pullStoppedAt)],
    ['updating', marks.updateStartedAt],
    ['loading', marks.launchedAt],
  ];
  const readyAt = marks.readyAt ?? options.readyAt;
  // Boundaries must not go backwards (clock skew between ECS and the log): a later phase never starts
  // before an earlier one.
  const known: Array<[StartPhase, number]> = [];
  for (const [phase, at] of beginnings) {
    if (at === undefined) continue;
    const previous = known.at(-1)?.[1];
    known.push([phase, previous !== undefined && at < previous ? previous : at]);
  }
  const phases: PhaseSpan[] = known.map(([phase, startedAt], i) => {
    const endedAt = known[i + 1]?.[1] ?? (readyAt !== undefined ? Math.max(readyAt, startedAt) : undefined);
    return endedAt === undefined ? { phase, startedAt } : { phase, startedAt, endedAt };
  });
  const startedAt = phases[0]?.startedAt;
  const current: StartTimeline['current'] =
    readyAt !== undefined ? 'ready' : (phases.at(-1)?.phase ?? (startedAt ? 'placing' : undefined));
  const end = readyAt ?? now;
  return {
    phases,
    ...(current && { current }),
    ...(startedAt !== undefined && { startedAt, elapsedMs: Math.max(0, end - startedAt) }),
    ...(readyAt !== undefined && { readyAt }),
    ...(marks.downloadBytes !== undefined && { downloadBytes: marks.downloadBytes }),
    ...(marks.cache && { cache: marks.cache }),
  };
}

/** Milliseconds per phase of a finished (or running) start, for the ledger and `valheim starts`. */
export function phaseDurations(timeline: StartTimeline, now: number): Partial<Record<StartPhase, number>> {
  const durations: Partial<Record<StartPhase, number>> = {};
  for (const span of timeline.phases) durations[span.phase] = (span.endedAt ?? now) - span.startedAt;
  return durations;
}

/** The median of the total start times given (undefined for none). */
export function medianMs(totals: readonly number[]): number | undefined {
  if (totals.length === 0) return undefined;
  const sorted = [...totals].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** "1 min 52 s", "45 s", "12 min". */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 || minutes >= 10 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

export const PHASE_LABELS: Record<StartPhase, string> = {
  placing: 'placing the task',
  pulling: 'pulling the image',
  restoring: 'restoring the game files',
  updating: 'updating the game',
  loading: 'loading the world',
};

/** "1.9 GB", "350 MB". */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1e6))} MB`;
}
