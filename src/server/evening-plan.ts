import { nextWeeklyTime } from '../config/weekly-next.js';
import type { WeeklyTime } from '../config/weekly-time.js';
import type { SessionRecord } from '../records/session.js';
import { TYPICAL_START_SECONDS } from './start-budget.js';

/**
 * Scheduled evenings: the server is joinable at the announced time, and the group is told before. Each
 * opening (schedule.start, a weekly time in the group's time zone) gets countdown posts (60 and 10 minutes
 * before), and the start begins early by the median time recent starts took to become joinable. The planner
 * is a pure function of the clock, the openings, what was done already and the ledger; the scheduled-start
 * Lambda runs it every minute in the hour before each opening (src/handlers/scheduled-start.ts).
 */

/** Minutes before the opening at which a countdown is posted. */
export const COUNTDOWN_MINUTES = [60, 10] as const;
/** How far before the opening the planner looks (the schedule's window starts here). */
export const EVENING_WINDOW_MINUTES = 60;
/** Starts the median is taken over. */
export const RECENT_STARTS = 10;
/**
 * The run at the opening itself (the schedule's own start time, also the start when the window's runs
 * failed) may come a little late; it still starts the server, but posts no countdown.
 */
export const LATE_MS = 5 * 60_000;
/** The planner runs once a minute in the window. */
export const RUN_EVERY_MS = 60_000;
/** Never plan on less than this (a start also waits for ECS to place the task). */
const MIN_LEAD_MS = 60_000;

/** What was done for an opening already (stored in the state table's schedule item). */
export interface EveningRecord {
  /** Epoch ms of the opening. */
  readonly opening: number;
  /** The countdowns posted (minutes before). */
  readonly posted: readonly number[];
  readonly startedAt?: number;
  /** An operator skipped it (`/valheim schedule skip`). */
  readonly skipped?: boolean;
}

export type EveningStep =
  | { readonly type: 'countdown'; readonly opening: number; readonly minutes: number }
  | { readonly type: 'start'; readonly opening: number; readonly leadMs: number };

/** The median time from a start to joinable over the recent sessions; the usual start time without any. */
export function medianStartMs(sessions: readonly SessionRecord[]): number {
  const durations = [...sessions]
    .filter((session) => session.readyAt !== undefined && session.readyAt > session.startedAt)
    .sort((a, b) => b.startedAt - a.startedAt)
    .slice(0, RECENT_STARTS)
    .map((session) => (session.readyAt ?? 0) - session.startedAt)
    .sort((a, b) => a - b);
  if (durations.length === 0) return TYPICAL_START_SECONDS * 1000;
  const mid = Math.floor(durations.length / 2);
  const median =
    durations.length % 2 ? (durations[mid] ?? 0) : ((durations[mid - 1] ?? 0) + (durations[mid] ?? 0)) / 2;
  return Math.max(MIN_LEAD_MS, median);
}

/** The next opening after `now` (the one whose window may be open), from the weekly times. */
export function upcomingOpening(
  times: readonly WeeklyTime[],
  timeZone: string,
  now: number,
): number | undefined {
  return nextWeeklyTime(times, timeZone, now);
}

/**
 * What is due now for the next opening: the countdown whose time has come (if not posted), and the start on
 * the last run at or before opening − median start time. A skipped opening gets nothing; only
 * the closest countdown due is posted (at 8 minutes to go, "in 10 minutes" and not "in 60").
 */
export function eveningSteps(
  opening: number,
  record: EveningRecord | undefined,
  medianMs: number,
  now: number,
): EveningStep[] {
  if (record?.skipped) return [];
  const until = opening - now;
  if (until < -LATE_MS || until > EVENING_WINDOW_MINUTES * 60_000) return [];
  const steps: EveningStep[] = [];
  // Only the closest countdown due: at 8 minutes to go, "in 10 minutes" is right and "in 60" is not.
  const due = COUNTDOWN_MINUTES.filter((minutes) => until <= minutes * 60_000);
  const closest = due.at(-1);
  if (until > 0 && closest !== undefined && !record?.posted.includes(closest)) {
    steps.push({ type: 'countdown', opening, minutes: closest });
  }
  // The last run at or before (opening − median): waiting for the next one would be late.
  if (record?.startedAt === undefined && until - RUN_EVERY_MS < medianMs) {
    steps.push({ type: 'start', opening, leadMs: medianMs });
  }
  return steps;
}

/** The countdown post: the time in every reader's own zone, and what to do. */
export function countdownText(opening: number, minutes: number): string {
  const at = Math.floor(opening / 1000);
  return minutes >= 60
    ? `📅 Game night <t:${at}:R> (<t:${at}:t>): the server starts by itself and will be joinable at <t:${at}:t>.`
    : `⏳ Game night in ${minutes} minutes (<t:${at}:t>): the server will be joinable on time.`;
}
