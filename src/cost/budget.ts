import type { MonthToDate } from './month.js';

/**
 * The bot's budget guard (`cost.monthlyLimitUsd`), from the session ledger's estimate, which costs nothing to
 * read (Cost Explorer charges per request and lags a day). The AWS Budget stays the e-mail side.
 */

/** Warn in Discord once the month's estimate reaches this share of the limit. */
export const BUDGET_WARN_SHARE = 0.8;

export type BudgetLevel = 'ok' | 'warn' | 'over';

export function budgetLevel(spentUsd: number, limitUsd: number): BudgetLevel {
  if (spentUsd >= limitUsd) return 'over';
  if (spentUsd >= limitUsd * BUDGET_WARN_SHARE) return 'warn';
  return 'ok';
}

/**
 * The level a session pushed the month to, when it crossed into it: `before` is the month's estimate
 * without that session's play, `after` with it. Deterministic, so a session warns once and no state is kept.
 */
export function budgetCrossing(
  beforeUsd: number,
  afterUsd: number,
  limitUsd: number,
): BudgetLevel | undefined {
  const before = budgetLevel(beforeUsd, limitUsd);
  const after = budgetLevel(afterUsd, limitUsd);
  const rank: Record<BudgetLevel, number> = { ok: 0, warn: 1, over: 2 };
  return rank[after] > rank[before] ? after : undefined;
}

/** "$4.10 of the $5.00 limit (82 %)". */
export function budgetShare(summary: Pick<MonthToDate, 'total'>, limitUsd: number): string {
  return `$${summary.total.toFixed(2)} of the $${limitUsd.toFixed(2)} limit (${Math.round((summary.total / limitUsd) * 100)} %)`;
}
