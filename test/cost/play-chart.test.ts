import { describe, expect, it } from 'vitest';
import { costMessage } from '../../src/bot/messages.js';
import { monthToDate } from '../../src/cost/month.js';
import { dailyPlayHours, playChart } from '../../src/cost/play-chart.js';
import { postMonthlySummary, previousMonth } from '../../src/monitor/monthly-summary.js';
import { monthlySummaryNotice } from '../../src/monitor/notices.js';
import type { SessionRecord } from '../../src/records/session.js';

const HOUR = 3_600_000;
const NOVEMBER = new Date('2026-11-01T00:00:00Z');
const session = (startedAt: string, hours: number | undefined): SessionRecord => ({
  sessionId: startedAt,
  startedAt: Date.parse(startedAt),
  ...(hours !== undefined && { stoppedAt: Date.parse(startedAt) + hours * HOUR }),
  cpu: 2048,
  memoryMiB: 8192,
  spot: false,
});
/** Discord rejects message content over 2000 characters. */
const DISCORD_CONTENT_LIMIT = 2000;

describe('play hours per day', () => {
  it('splits a session over midnight between its days and counts a running one up to now', () => {
    // Given a session from 22:00 on the 2nd to 01:30 on the 3rd, and one running since 19:00 on the 5th
    const sessions = [
      session('2026-11-02T22:00:00.000Z', 3.5),
      session('2026-11-05T19:00:00.000Z', undefined),
    ];
    // When the chart data is computed on the 5th at 21:00
    const hours = dailyPlayHours(sessions, NOVEMBER, new Date('2026-11-05T21:00:00Z'));
    // Then
    expect(hours).toEqual([0, 2, 1.5, 0, 2]);
  });

  it('draws one block per day scaled to the busiest day, dots for days without play, and a day axis', () => {
    expect(playChart([0, 2, 1.5, 0, 4])).toBe(['```', '·▄▃·█', '1   5', '```'].join('\n'));
  });

  it('keeps a full month of sessions, chart included, within Discord’s message limit', () => {
    // Given a busy 31-day month: three sessions every day, the longest on the 31st
    const sessions = Array.from({ length: 31 * 3 }, (_, i) =>
      session(new Date(Date.UTC(2026, 11, 1 + Math.floor(i / 3), 8 * (i % 3))).toISOString(), 1 + (i % 7)),
    );
    const now = new Date('2026-12-31T23:59:00Z');
    const december = new Date('2026-12-01T00:00:00Z');
    const chart = playChart(dailyPlayHours(sessions, december, now));
    const summary = monthToDate(sessions, now, 'eu-central-1', 0.13);
    // When the /valheim cost reply and the monthly summary are written
    const reply = costMessage(
      summary,
      { month: '2026-12', amount: 12.34, currency: 'USD', fetchedAt: 0 },
      true,
      chart,
    );
    const notice = monthlySummaryNotice(summary, chart).content;
    // Then both carry the 31-day chart and stay far below 2000 characters
    for (const text of [reply, notice]) {
      expect(text).toContain(chart);
      expect(text.length).toBeLessThan(DISCORD_CONTENT_LIMIT / 2);
    }
    expect(chart.split('\n')[1]).toHaveLength(31);
    expect(chart.split('\n')[2]).toBe('1   5    10   15   20   25   30');
  });

  it('leaves the chart out of a month without play', () => {
    const summary = monthToDate([], new Date('2026-11-10T00:00:00Z'), 'us-east-1', 0.13);
    expect(costMessage(summary, undefined, false, playChart([]))).not.toContain('Play hours per day');
  });
});

describe('the monthly summary', () => {
  it('covers the UTC month before the run, whatever the zone of the noon-on-the-1st schedule', () => {
    // At noon on 1 December in UTC+14 (22:00 UTC on 30 November) and in UTC−12 (00:00 UTC on 2 December)
    for (const at of ['2026-11-30T22:00:00Z', '2026-12-02T00:00:00Z', '2026-12-01T11:00:00Z']) {
      expect(previousMonth(Date.parse(at))).toEqual({
        from: new Date('2026-11-01T00:00:00Z'),
        to: new Date('2026-12-01T00:00:00Z'),
      });
    }
    // And January's run covers December of the year before
    expect(previousMonth(Date.parse('2027-01-01T11:00:00Z')).from).toEqual(new Date('2026-12-01T00:00:00Z'));
  });

  it("posts last month's sessions, hours, estimate and chart to the notice channel", async () => {
    // Given two November sessions in the ledger: 2 h and 3 h of 0.139 $/h (eu-central-1, on demand)
    const ledger = [session('2026-11-06T19:00:00.000Z', 2), session('2026-11-13T19:00:00.000Z', 3)];
    const posted: string[] = [];
    let asked: { from: Date; to: Date } | undefined;
    // When the schedule runs on 1 December
    await postMonthlySummary(
      {
        now: () => Date.parse('2026-12-01T11:00:00Z'),
        store: {
          sessions: async (from: Date, to: Date) => {
            asked = { from, to };
            return ledger;
          },
        } as never,
        notify: async (notice) => {
          posted.push(notice.content);
          return { status: 'delivered', via: 'channel' };
        },
      },
      { fixedMonthly: 0.125, region: 'eu-central-1' },
    );
    // Then it read November and posted one summary: 5 × 0.139 = 0.695 + 0.125 = $0.82
    expect(asked).toEqual({ from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') });
    expect(posted).toHaveLength(1);
    expect(posted[0]).toContain('**November 2026:** 2 sessions, 5.0 h played, about **$0.82**');
    expect(posted[0]).toContain('·····▆······█');
    // One world played: no line per world
    expect(posted[0]).not.toContain('Per world');
  });

  it('splits last month by world when several were played (rows from before worlds: the first world)', async () => {
    const ledger = [
      session('2026-11-06T19:00:00.000Z', 2),
      { ...session('2026-11-13T19:00:00.000Z', 3), world: 'Season2' },
    ];
    const posted: string[] = [];
    await postMonthlySummary(
      {
        now: () => Date.parse('2026-12-01T11:00:00Z'),
        store: { sessions: async () => ledger } as never,
        notify: async (notice) => {
          posted.push(notice.content);
          return { status: 'delivered', via: 'channel' };
        },
        worlds: {
          firstWorld: 'Dedicated',
          active: async () => 'Season2',
          applyPendingSwitch: async () => undefined,
          startOnWorld: async () => 'Season2',
        },
      },
      { fixedMonthly: 0.125, region: 'eu-central-1' },
    );
    expect(posted[0]).toContain('Per world: **Season2** 3.0 h ($0.42) · **Dedicated** 2.0 h ($0.28)');
  });
});
