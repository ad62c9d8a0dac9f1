import { filterMatcher } from './cloudwatch-filter.js';
import type { LogLine } from './valheim-sessions.js';

/** The subscription filter before issue #10 (terms), for before/after figures. */
export const FILTER_PATTERN_BEFORE_10 =
  '?"is active with" ?"registered with join code" ?"Game server connected" ?"Got connection SteamID" ?"Closing socket" ?"Got character ZDOID" ?"Connections" ?"Saved" ?"World saved" ?"ZNet Shutdown" ?"OnApplicationQuit"';

/**
 * The awslogs driver ships a container's output every 5 seconds, and a subscription delivers what one
 * shipment brought as one batch: forwarded lines within the same 5-second window cost one invocation.
 */
export const SHIPMENT_MS = 5000;

export interface FilterFigures {
  readonly forwardedLines: number;
  readonly invocations: number;
}

/** The lines a filter forwards, grouped into the batches (invocations) the log Lambda receives. */
export function forwardedBatches(pattern: string, lines: readonly LogLine[]): LogLine[][] {
  const matches = filterMatcher(pattern);
  const batches = new Map<number, LogLine[]>();
  for (const line of lines) {
    if (!matches(line.message)) continue;
    const window = Math.floor(line.at / SHIPMENT_MS);
    batches.set(window, [...(batches.get(window) ?? []), line]);
  }
  return [...batches.entries()].sort(([a], [b]) => a - b).map(([, batch]) => batch);
}

export function filterFigures(pattern: string, lines: readonly LogLine[]): FilterFigures {
  const batches = forwardedBatches(pattern, lines);
  return { forwardedLines: batches.flat().length, invocations: batches.length };
}
