import { describe, expect, it } from 'vitest';
import { parseWeeklyTime, toAwsCron } from '../../src/config/weekly-time.js';

describe('weekly times', () => {
  it.each([
    ['Fri 19:00', 'cron(0 19 ? * FRI *)'],
    ['mon-fri 18:30', 'cron(30 18 ? * MON-FRI *)'],
    ['Sat,Sun 9:05', 'cron(5 9 ? * SAT,SUN *)'],
    ['daily 05:00', 'cron(0 5 * * ? *)'],
    ['  Sun 23:59 ', 'cron(59 23 ? * SUN *)'],
  ])('turns "%s" into %s (day names, never numbers: AWS counts Sunday as 1)', (text, cron) => {
    const time = parseWeeklyTime(text);
    expect(time).toBeDefined();
    expect(toAwsCron(time as NonNullable<typeof time>)).toBe(cron);
  });

  it.each(['Fri', '19:00', 'Friday 19:00', 'Fri 24:00', 'Fri 19:60', 'Fri 7pm', 'Mon-Funday 10:00', ''])(
    'rejects "%s"',
    (text) => {
      expect(parseWeeklyTime(text)).toBeUndefined();
    },
  );
});
