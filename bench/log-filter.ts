/**
 * What the log subscription filter lets through, per play-hour, for replayed realistic sessions (the line
 * shapes of shared/reference/valheim-log-lines.md, noise included): the filter before issue #10 against the
 * current one. Lines within one 5-second awslogs shipment reach the log Lambda as one invocation.
 */
import { LOG_FILTER_PATTERN, logFilterPattern, SPAWN_ALTERNATIVE } from '../src/players/server-log.js';
import { FEED_KINDS } from '../src/records/feed.js';
import { FILTER_PATTERN_BEFORE_10, filterFigures } from '../test/support/filter-replay.js';
import { crossplaySession, steamSession } from '../test/support/valheim-sessions.js';

export interface FilterRow {
  readonly session: string;
  readonly hours: number;
  readonly lines: number;
  readonly before: { readonly lines: number; readonly invocations: number };
  readonly after: { readonly lines: number; readonly invocations: number };
  /** What forwarding a connection's first spawn (the character names) adds to `after.invocations`. */
  readonly spawnInvocations: number;
  /**
   * The activity feed with every kind opted into (deaths, boss kills, raids added to the filter): its
   * invocations, and what it adds to `after.invocations` (joins, leaves and saves are forwarded anyway).
   */
  readonly feed: { readonly lines: number; readonly invocations: number; readonly added: number };
}

/**
 * Lambda's price per invocation of the log function (arm64, 128 MB, ~50 ms billed: $0.20 per million
 * requests + 0.0064 GB-s at $0.0000133334), for the feed's added cost per month.
 */
export const LOG_INVOCATION_USD = 0.2e-6 + 0.125 * 0.05 * 0.0000133334;

export function measureLogFilter(): FilterRow[] {
  const start = Date.parse('2026-11-23T19:00:00Z');
  return [
    ['Steam, Valheim 0.220, 3 players', steamSession(start)],
    ['crossplay, Valheim 1.0, 3 players', crossplaySession(start)],
  ].map(([session, replayed]) => {
    const { lines, shutdownAt } = replayed as ReturnType<typeof steamSession>;
    const hours = (shutdownAt + 10_000 - start) / 3_600_000;
    const before = filterFigures(FILTER_PATTERN_BEFORE_10, lines);
    const after = filterFigures(LOG_FILTER_PATTERN, lines);
    const feed = filterFigures(logFilterPattern(FEED_KINDS), lines);
    const withoutSpawns = filterFigures(LOG_FILTER_PATTERN.replace(`|${SPAWN_ALTERNATIVE}`, ''), lines);
    return {
      session: session as string,
      hours,
      lines: lines.length,
      before: { lines: before.forwardedLines, invocations: before.invocations },
      after: { lines: after.forwardedLines, invocations: after.invocations },
      spawnInvocations: after.invocations - withoutSpawns.invocations,
      feed: {
        lines: feed.forwardedLines,
        invocations: feed.invocations,
        added: feed.invocations - after.invocations,
      },
    };
  });
}
