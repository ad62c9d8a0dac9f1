/**
 * The server log's start-up lines (install-cache.sh's messages, the image's and steamcmd's), folded into the
 * marks a start's timeline is derived from (src/monitor/start-phases.ts). Log parsing lives here, beside the
 * player lines, so the log processor and the subscription filter need nothing from the monitor.
 */

/** What the server log said during a start (epoch ms of the log events), folded by `applyStartLine`. */
export interface StartLogMarks {
  /** The install cache restored a build, or found none usable (the start then downloads in full). */
  readonly cache?: 'restored' | 'missed';
  readonly cacheRestoredAt?: number;
  readonly updateStartedAt?: number;
  /** Size of what steamcmd downloads, as its first progress line reports it. */
  readonly downloadBytes?: number;
  readonly updateFinishedAt?: number;
  /** steamcmd found nothing to download. */
  readonly upToDate?: boolean;
  readonly launchedAt?: number;
  readonly readyAt?: number;
}

/**
 * Text that marks a start-up line (install-cache.sh's messages, the image's and steamcmd's). The progress
 * marker matches only steamcmd's first lines (under 1 %), which carry the total size.
 */
const START_LINE_MARKERS = [
  'install-cache: restored build',
  'install-cache: no usable cache',
  'install-cache: nothing fetched',
  'Downloading/updating/validating Valheim server from Steam',
  'downloading, progress: 0.',
  "Success! App '896660'",
  'Running Valheim Server',
  'Game server connected',
] as const;

/** Whether the log processor should fold this line into the start's marks. */
export function isStartLine(line: string): boolean {
  return START_LINE_MARKERS.some((marker) => line.includes(marker));
}

/**
 * The start-up lines as alternatives of the log subscription's filter regex, which allows no spaces, quotes or
 * punctuation beyond `:_#=@/;,-`: `.` stands for each of those characters.
 */
export const START_LOG_FILTER_ALTERNATIVES = START_LINE_MARKERS.filter(
  (marker) => marker !== 'Game server connected', // already forwarded for the players
).map((marker) => marker.replace(/[^A-Za-z0-9:_#=@/;,-]/g, '.'));

/**
 * One log line's contribution to the marks, or the marks unchanged. Only the first occurrence of each mark
 * counts (a later restart of the game within the same task would otherwise move the boundaries).
 */
export function applyStartLine(marks: StartLogMarks, line: string, at: number): StartLogMarks {
  const first = <K extends keyof StartLogMarks>(key: K, value: StartLogMarks[K]): StartLogMarks =>
    marks[key] === undefined ? { ...marks, [key]: value } : marks;
  if (line.includes('install-cache: restored build')) {
    return marks.cache ? marks : { ...marks, cache: 'restored', cacheRestoredAt: at };
  }
  if (line.includes('install-cache: no usable cache') || line.includes('install-cache: nothing fetched')) {
    return marks.cache ? marks : { ...marks, cache: 'missed', cacheRestoredAt: at };
  }
  if (line.includes('Downloading/updating/validating Valheim server from Steam')) {
    return first('updateStartedAt', at);
  }
  const progress = /Update state \(0x\w+\) downloading, progress: [\d.]+ \(\d+ \/ (\d+)\)/.exec(line);
  if (progress) {
    const bytes = Number(progress[1]);
    return bytes > 0 ? first('downloadBytes', bytes) : marks;
  }
  if (/Success! App '896660' (fully installed|already up to date)/.test(line)) {
    const next = first('updateFinishedAt', at);
    return line.includes('already up to date') && marks.upToDate === undefined
      ? { ...next, upToDate: true }
      : next;
  }
  if (line.includes('Running Valheim Server')) return first('launchedAt', at);
  if (/Game server connected\b/.test(line)) return first('readyAt', at);
  return marks;
}
