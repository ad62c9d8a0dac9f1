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
  for (const session of sessions) {
    const start = Math.max(session.startedAt, from.getTime());
    const end = Math.min(session.stoppedAt ?? now.getTime(), now.getTime());
    if (end <= start) continue;
    const sessionHours = (end - start) / 3_600_000;
    counted++;
    hours += sessionHours;
    playCost += sessionHours * hourlyServerCost(session, fargate).total;
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
  };
}
