/**
 * Human-friendly weekly times such as "Fri 19:00", "Mon-Fri 18:30", "Sat,Sun 14:00" or "daily 20:00".
 *
 * Used instead of raw cron expressions in the config because AWS cron is easy to get wrong
 * (day-of-week 1 is Sunday; fields left out default to "every minute").
 */

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
const DAY_TOKEN = '(?:sun|mon|tue|wed|thu|fri|sat)';
const DAYS_PART = `(?:daily|${DAY_TOKEN}(?:-${DAY_TOKEN})?(?:,${DAY_TOKEN}(?:-${DAY_TOKEN})?)*)`;
const WEEKLY_TIME = new RegExp(`^(${DAYS_PART})\\s+([01]?\\d|2[0-3]):([0-5]\\d)$`, 'i');

export interface WeeklyTime {
  /** Day-of-week field for AWS cron: "*" for every day, otherwise names such as "MON-FRI" or "SAT,SUN". */
  readonly days: string;
  readonly hour: number;
  readonly minute: number;
}

/** Parses a weekly time, or returns undefined when the text is not one. */
export function parseWeeklyTime(text: string): WeeklyTime | undefined {
  const match = WEEKLY_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, daysText = '', hourText = '', minuteText = ''] = match;
  const days = daysText.toLowerCase() === 'daily' ? '*' : daysText.toUpperCase();
  return { days, hour: Number(hourText), minute: Number(minuteText) };
}

/**
 * The AWS cron expression (EventBridge Scheduler / AWS Backup syntax) for a weekly time.
 * Day-of-month and day-of-week cannot both be set in AWS cron, hence the "?".
 */
export function toAwsCron(time: WeeklyTime): string {
  return time.days === '*'
    ? `cron(${time.minute} ${time.hour} * * ? *)`
    : `cron(${time.minute} ${time.hour} ? * ${time.days} *)`;
}

export const WEEKLY_TIME_HINT = `use a day and a 24-hour time such as "Fri 19:00", "Mon-Fri 18:30", "Sat,Sun 14:00" or "daily 20:00" (days: ${DAY_NAMES.map((d) => d[0] + d.slice(1).toLowerCase()).join(', ')})`;
