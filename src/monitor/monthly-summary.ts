import { monthToDate } from '../cost/month.js';
import { dailyPlayHours, playChart } from '../cost/play-chart.js';
import type { MonitorPorts } from './monitor.js';
import { monthlySummaryNotice } from './notices.js';

/** The input the monthly schedule (EventBridge Scheduler) sends the monitor. */
export const MONTHLY_SUMMARY_EVENT = { kind: 'monthly-summary' } as const;

export function isMonthlySummaryEvent(event: unknown): boolean {
  return (event as { kind?: unknown } | null)?.kind === MONTHLY_SUMMARY_EVENT.kind;
}

/**
 * The calendar month (UTC, like the ledger's keys) before the one a run on the 1st belongs to. The schedule
 * fires at noon on the 1st in the configured zone, which is between 22:00 UTC the day before (UTC+14) and
 * midnight UTC (UTC−12): twelve hours later it is always the 1st or 2nd in UTC.
 */
export function previousMonth(now: number): { from: Date; to: Date } {
  const shifted = new Date(now + 12 * 3_600_000);
  const to = new Date(Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth(), 1));
  const from = new Date(Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth() - 1, 1));
  return { from, to };
}

/** Posts last month's summary (sessions, hours, estimate, per-day chart) to the notice channel. */
export async function postMonthlySummary(
  ports: Pick<MonitorPorts, 'store' | 'notify' | 'now' | 'worlds'>,
  cost: { readonly fixedMonthly: number; readonly region: string },
): Promise<void> {
  const { from, to } = previousMonth(ports.now());
  const sessions = await ports.store.sessions(from, to);
  // "now" just before the month's end: every session counts up to then, the fixed part for the whole month.
  const end = new Date(to.getTime() - 1);
  const summary = monthToDate(sessions, end, cost.region, cost.fixedMonthly);
  const chart = playChart(dailyPlayHours(sessions, from, to));
  await ports.notify(monthlySummaryNotice(summary, chart, ports.worlds?.firstWorld), { editReply: false });
}
