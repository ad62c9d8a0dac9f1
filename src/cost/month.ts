import type { SessionRecord } from '../records/session.js';
import { fargatePrices, hourlyServerCost } from './prices.js';

/** The current calendar month in UTC, as the ledger's key range [from, to). */
export function monthRange(now: Date): { from: Date; to: Date } {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { from, to };
}

export interface MonthToDate {
  readonly label: string;
  readonly sessions: number;
  readonly hours: number;
  /** Compute and public IPv4 for the hours played, from each session's task size and Spot. */
  readonly playCost: number;
  /** The always-on items (storage, backups, DNS) for the part of the month gone by. */
  readonly fixedSoFar: number;
  readonly total: number;
  /** The region whose Fargate prices were used. */
  readonly pricedAs: string;
  /** Play per world, most hours first (`world` undefined: ledger rows from before worlds were switchable). */
  readonly byWorld: readonly WorldPlay[];
}

export interface WorldPlay {
  readonly world: string | undefined;
  readonly sessions: number;
  readonly hours: number;
  readonly playCost: number;
}

/**
 * This month's play and its estimated cost, from the session ledger. A session still running counts up to
 * now; one that started last month counts only its hours in this month.
 */
export function monthToDate(
  sessions: readonly SessionRecord[],
  now: Date,
  region: string,
  fixedMonthly: number,
): MonthToDate {
  const { from, to } = monthRange(now);
  const { fargate, pricedAs } = fargatePrices(region);
  let hours = 0;
  let playCost = 0;
  let counted = 0;
  const byWorld = new Map<string | undefined, { sessions: number; hours: number; playCost: number }>();
  for (const session of sessions) {
    const start = Math.max(session.startedAt, from.getTime());
    const end = Math.min(session.stoppedAt ?? now.getTime(), now.getTime());
    if (end <= start) continue;
    const sessionHours = (end - start) / 3_600_000;
    const sessionCost = sessionHours * hourlyServerCost(session, fargate).total;
    counted++;
    hours += sessionHours;
    playCost += sessionCost;
    const world = byWorld.get(session.world) ?? { sessions: 0, hours: 0, playCost: 0 };
    byWorld.set(session.world, {
      sessions: world.sessions + 1,
      hours: world.hours + sessionHours,
      playCost: world.playCost + sessionCost,
    });
  }
  const elapsed = (now.getTime() - from.getTime()) / (to.getTime() - from.getTime());
  const fixedSoFar = fixedMonthly * elapsed;
  return {
    label: from.toLocaleString('en', { month: 'long', year: 'numeric', timeZone: 'UTC' }),
    sessions: counted,
    hours,
    playCost,
    fixedSoFar,
    total: playCost + fixedSoFar,
    pricedAs,
    byWorld: [...byWorld].map(([world, play]) => ({ world, ...play })).sort((a, b) => b.hours - a.hours),
  };
}

/**
 * "Per world: **Season2** 2.0 h ($0.27) · **Dedicated** 1.0 h ($0.13)" when more than one world was played;
 * rows without a world belong to `firstWorld` (server.world). Undefined otherwise.
 */
export function perWorldLine(summary: Pick<MonthToDate, 'byWorld'>, firstWorld?: string): string | undefined {
  const merged = new Map<string, WorldPlay>();
  for (const play of summary.byWorld) {
    const name = play.world ?? firstWorld ?? 'the first world';
    const before = merged.get(name);
    merged.set(name, {
      world: name,
      sessions: (before?.sessions ?? 0) + play.sessions,
      hours: (before?.hours ?? 0) + play.hours,
      playCost: (before?.playCost ?? 0) + play.playCost,
    });
  }
  if (merged.size < 2) return undefined;
  const hours = (value: number) => (value < 1 ? `${Math.round(value * 60)} min` : `${value.toFixed(1)} h`);
  const worlds = [...merged.values()]
    .sort((a, b) => b.hours - a.hours)
    .map((play) => `**${play.world}** ${hours(play.hours)} ($${play.playCost.toFixed(2)})`);
  return `Per world: ${worlds.join(' · ')}`;
}
