import { describe, expect, it } from 'vitest';
import { nextWeeklyTime, weekDays, windowCrons } from '../../src/config/weekly-next.js';
import { parseWeeklyTime, type WeeklyTime } from '../../src/config/weekly-time.js';

const times = (...texts: string[]) => texts.map((text) => parseWeeklyTime(text) as WeeklyTime);

describe('the next scheduled time, in the group’s time zone', () => {
  it('reads the day field as EventBridge does, ranges that wrap included', () => {
    expect([...weekDays('*')]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([...weekDays('MON-FRI')]).toEqual([1, 2, 3, 4, 5]);
    expect([...weekDays('SAT,SUN')].sort()).toEqual([0, 6]);
    expect([...weekDays('FRI-MON')].sort()).toEqual([0, 1, 5, 6]);
  });

  it('finds Friday 19:00 in Berlin in winter (UTC+1) and in summer (UTC+2)', () => {
    // Monday 23 November 2026, 12:00 UTC
    expect(nextWeeklyTime(times('Fri 19:00'), 'Europe/Berlin', Date.parse('2026-11-23T12:00:00Z'))).toBe(
      Date.parse('2026-11-27T18:00:00Z'),
    );
    expect(nextWeeklyTime(times('Fri 19:00'), 'Europe/Berlin', Date.parse('2026-06-01T12:00:00Z'))).toBe(
      Date.parse('2026-06-05T17:00:00Z'),
    );
  });

  it('takes today’s time while it is still ahead, and the earliest of several', () => {
    const friday = Date.parse('2026-11-27T17:30:00Z'); // 18:30 in Berlin
    expect(nextWeeklyTime(times('Fri 19:00', 'daily 20:00'), 'Europe/Berlin', friday)).toBe(
      Date.parse('2026-11-27T18:00:00Z'),
    );
    expect(nextWeeklyTime(times('Fri 18:00', 'daily 20:00'), 'Europe/Berlin', friday)).toBe(
      Date.parse('2026-11-27T19:00:00Z'),
    );
    expect(nextWeeklyTime([], 'Europe/Berlin', friday)).toBeUndefined();
  });

  it('crosses the date line of the zone: Saturday 01:00 in New York is Saturday 06:00 UTC', () => {
    expect(nextWeeklyTime(times('Sat 01:00'), 'America/New_York', Date.parse('2026-11-27T23:00:00Z'))).toBe(
      Date.parse('2026-11-28T06:00:00Z'),
    );
  });

  it('on the night clocks go forward, a time that does not exist moves on by the hour skipped', () => {
    // 29 March 2026: Berlin jumps from 02:00 to 03:00
    expect(nextWeeklyTime(times('Sun 02:30'), 'Europe/Berlin', Date.parse('2026-03-28T12:00:00Z'))).toBe(
      Date.parse('2026-03-29T01:30:00Z'),
    );
  });

  it('fires every minute of the hour before an opening, on the day before when it crosses midnight', () => {
    const [fri19, fri1930, mon0015, daily2000] = times(
      'Fri 19:00',
      'Fri 19:30',
      'Mon,Tue 00:15',
      'daily 20:00',
    );
    expect(windowCrons(fri19 as WeeklyTime)).toEqual(['cron(0-59 18 ? * FRI *)']);
    expect(windowCrons(fri1930 as WeeklyTime)).toEqual([
      'cron(30-59 18 ? * FRI *)',
      'cron(0-29 19 ? * FRI *)',
    ]);
    expect(windowCrons(mon0015 as WeeklyTime)).toEqual([
      'cron(15-59 23 ? * SUN,MON *)',
      'cron(0-14 0 ? * MON,TUE *)',
    ]);
    expect(windowCrons(daily2000 as WeeklyTime)).toEqual(['cron(0-59 19 * * ? *)']);
  });
});
