import type { SessionRecord } from '../records/session.js';

/**
 * A month's play per day as text that renders anywhere in Discord (a code block of block characters), so a
 * group sees when it played without an image or an embed.
 */

const DAY = 86_400_000;
const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;
/** Shown for a day without play, so the days stay aligned. */
const NO_PLAY = '·';

/**
 * Hours played on each UTC day of the month that contains `monthStart`, from day 1 to `until` (exclusive);
 * a session over midnight counts on both days, a running one up to `until`.
 */
export function dailyPlayHours(sessions: readonly SessionRecord[], monthStart: Date, until: Date): number[] {
  const from = monthStart.getTime();
  const end = until.getTime();
  const days = Math.max(0, Math.ceil((end - from) / DAY));
  const hours = new Array<number>(days).fill(0);
  for (const session of sessions) {
    let start = Math.max(session.startedAt, from);
    const stop = Math.min(session.stoppedAt ?? end, end);
    while (start < stop) {
      const day = Math.floor((start - from) / DAY);
      const dayEnd = from + (day + 1) * DAY;
      const slice = Math.min(stop, dayEnd) - start;
      if (day >= 0 && day < days) hours[day] = (hours[day] ?? 0) + slice / 3_600_000;
      start += slice;
    }
  }
  return hours;
}

/**
 * Two lines in a code block: a bar per day scaled to the busiest day, and the day numbers underneath every
 * fifth day. At most 31 days: well under 200 characters.
 */
export function playChart(hours: readonly number[]): string {
  const max = Math.max(0, ...hours);
  const bars = hours
    .map((value) =>
      value <= 0
        ? NO_PLAY
        : (BLOCKS[Math.min(BLOCKS.length - 1, Math.ceil((value / max) * BLOCKS.length) - 1)] ?? '█'),
    )
    .join('');
  let axis = '';
  for (let day = 1; day <= hours.length; day++) {
    if (axis.length >= day) continue;
    axis = day === 1 || day % 5 === 0 ? axis.padEnd(day - 1) + String(day) : axis;
  }
  return ['```', bars, axis, '```'].join('\n');
}
