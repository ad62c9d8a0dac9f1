import type { WeeklyTime } from './weekly-time.js';

/**
 * When a weekly time (schedule.start, e.g. "Fri 19:00") next comes, in the group's time zone: the same wall
 * clock as EventBridge Scheduler's cron in `timeZone`, daylight saving included. For the status board's
 * "next opening" and the countdown posts before a scheduled evening.
 */

const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The days of the week (0 = Sunday) a weekly time's day field names: "*", "MON-FRI", "SAT,SUN", … */
export function weekDays(days: string): ReadonlySet<number> {
  if (days === '*') return new Set(DAYS.keys());
  const set = new Set<number>();
  for (const part of days.split(',')) {
    const [first = '', last] = part.split('-');
    const from = DAYS.indexOf(first.toUpperCase());
    const to = last === undefined ? from : DAYS.indexOf(last.toUpperCase());
    if (from < 0 || to < 0) continue;
    // A range may wrap past Saturday ("FRI-MON").
    for (let day = from; ; day = (day + 1) % 7) {
      set.add(day);
      if (day === to) break;
    }
  }
  return set;
}

/** The wall clock in `timeZone` at `at`: year, month (1–12), day, weekday (0 = Sunday), hour, minute. */
function wallClock(at: number, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    weekday: 'short',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    year: Number(part('year')),
    month: Number(part('month')),
    day: Number(part('day')),
    weekday: DAYS.indexOf(part('weekday').slice(0, 3).toUpperCase()),
    hour: Number(part('hour')),
    minute: Number(part('minute')),
    second: Number(part('second')),
  };
}

/** The zone's offset from UTC at `at`, in ms. */
function offsetAt(at: number, timeZone: string): number {
  const w = wallClock(at, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(at / 1000) * 1000;
}

/** The instant the wall clock in `timeZone` shows that date and time (a time skipped by DST moves on). */
function instantOf(year: number, month: number, day: number, hour: number, minute: number, timeZone: string) {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

/** The next time at or after `now` that any of `times` comes, or undefined when there are none. */
export function nextWeeklyTime(
  times: readonly WeeklyTime[],
  timeZone: string,
  now: number,
): number | undefined {
  let next: number | undefined;
  for (const time of times) {
    const days = weekDays(time.days);
    for (let offset = 0; offset <= 7; offset++) {
      const date = wallClock(now + offset * 86_400_000, timeZone);
      if (!days.has(date.weekday)) continue;
      const at = instantOf(date.year, date.month, date.day, time.hour, time.minute, timeZone);
      if (at < now) continue;
      if (next === undefined || at < next) next = at;
      break;
    }
  }
  return next;
}

/**
 * AWS cron expressions (EventBridge Scheduler, read in the group's time zone) that fire every minute of the
 * `minutes` before a weekly time: the window in which the scheduled evening posts its countdowns and starts
 * the server early. The part of a window before midnight (a time just after it) runs on the day before.
 */
export function windowCrons(time: WeeklyTime, minutes = 60): string[] {
  const opening = time.hour * 60 + time.minute;
  const crons: string[] = [];
  // Minutes of the opening's day (negative: the day before), cut into runs within one hour.
  for (let at = opening - minutes; at < opening; ) {
    const dayBefore = at < 0;
    const clock = dayBefore ? at + 24 * 60 : at;
    const hour = Math.floor(clock / 60);
    const first = clock % 60;
    const last = Math.min(59, first + (opening - at) - 1);
    const end = dayBefore ? Math.min(last, first + -at - 1) : last;
    const days = dayBefore ? shiftDays(time.days, -1) : time.days;
    crons.push(
      days === '*' ? `cron(${first}-${end} ${hour} * * ? *)` : `cron(${first}-${end} ${hour} ? * ${days} *)`,
    );
    at += end - first + 1;
  }
  return crons;
}

/** The day field moved by `by` days ("FRI" → "THU" for -1); "*" stays. */
function shiftDays(days: string, by: number): string {
  if (days === '*') return days;
  return [...weekDays(days)]
    .map((day) => (day + by + 7) % 7)
    .sort((a, b) => a - b)
    .map((day) => DAYS[day])
    .join(',');
}
