import { describe, expect, it } from 'vitest';
import { costMessage } from '../../src/bot/messages.js';
import { monthToDate } from '../../src/cost/month.js';
import { monthPlayers, whoPlayed } from '../../src/cost/month-players.js';
import { playChart } from '../../src/cost/play-chart.js';
import { LIMITS } from '../../src/discord/limits.js';
import { discordSafe } from '../../src/discord/safe-text.js';
import type { SessionRecord } from '../../src/records/session.js';

const HOUR = 3_600_000;
const session = (startedAt: string, characterMinutes?: Record<string, number>): SessionRecord => ({
  sessionId: startedAt,
  startedAt: Date.parse(startedAt),
  stoppedAt: Date.parse(startedAt) + 3 * HOUR,
  cpu: 2048,
  memoryMiB: 8192,
  spot: false,
  ...(characterMinutes && { characterMinutes }),
});

describe('who played how long this month', () => {
  it('sums each character over the sessions, most first', () => {
    // Given two sessions with Anna in both, and one without names (before the log had them)
    const players = monthPlayers([
      session('2026-11-02T19:00:00.000Z', { Anna: 90, Leif: 30 }),
      session('2026-11-03T19:00:00.000Z', { Anna: 60, Bjørn: 120 }),
      session('2026-11-04T19:00:00.000Z'),
    ]);
    // Then Anna's two sessions add up, and the list runs from most to least
    expect(players).toEqual([
      { name: 'Anna', hours: 2.5 },
      { name: 'Bjørn', hours: 2 },
      { name: 'Leif', hours: 0.5 },
    ]);
  });

  it('lists the top 10 by name and sums the rest in one line', () => {
    // Given 14 players with 14 h down to 1 h
    const players = Array.from({ length: 14 }, (_, i) => ({ name: `Viking ${i + 1}`, hours: 14 - i }));
    const text = whoPlayed(players, LIMITS.content) ?? '';
    // Then the first ten have a line each, and the last four share one: 4 + 3 + 2 + 1 = 10 h
    const lines = text.split('\n');
    expect(lines).toHaveLength(1 + 10 + 1);
    expect(lines[1]).toBe('• Viking 1: 14.0 h');
    expect(lines[10]).toBe('• Viking 10: 5.0 h');
    expect(lines[11]).toBe('• 4 more: 10.0 h');
  });

  it('keeps names from formatting the message or mentioning anyone', () => {
    expect(discordSafe('**@everyone** <@123>\n`x`_y_')).toBe(
      '\\*\\*@\u200beveryone\\*\\* \\<@\u200b123\\> \\`x\\`\\_y\\_',
    );
  });

  it('fits the /valheim cost text within Discord’s 2000 characters with 25 long Unicode names', () => {
    // Given 25 players whose names are the longest kept (64 characters), emoji and markdown that escaping doubles
    const longName = (i: number) => `${'*🪓'.repeat(31)}${String.fromCodePoint(0x1f600 + i)}*`;
    expect([...longName(0)]).toHaveLength(64);
    const minutes = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [longName(i), 600 - i * 10]));
    const sessions = [session('2026-11-02T19:00:00.000Z', minutes)];
    const summary = monthToDate(sessions, new Date('2026-11-16T00:00:00Z'), 'us-east-1', 0.8);
    // When the cost text is built, with the chart
    const text = costMessage(summary, undefined, false, playChart(Array(15).fill(3)), monthPlayers(sessions));
    // Then it stays within the limit, each listed line is whole, and the others are summed, none lost
    expect(text.length).toBeLessThanOrEqual(LIMITS.content);
    const lines = text.split('\n');
    const listed = lines.filter((line) => line.startsWith('• \\*🪓'));
    expect(listed).toHaveLength(10);
    for (const line of listed) expect(line).toMatch(/\\*: \d+\.\d h$/);
    expect(lines.at(-1)).toBe(`• 15 more: ${restHours(15).toFixed(1)} h`);
  });

  it('lists fewer names rather than cut a line when the room is short', () => {
    // Given 12 players and room for about 120 characters
    const players = Array.from({ length: 12 }, (_, i) => ({ name: `Viking number ${i + 1}`, hours: 12 - i }));
    const text = whoPlayed(players, 120) ?? '';
    // Then the text fits, ends with the sum of the rest, and everyone is in it
    expect(text.length).toBeLessThanOrEqual(120);
    const lines = text.split('\n');
    const named = lines.length - 2;
    expect(named).toBeGreaterThan(0);
    expect(named).toBeLessThan(10);
    const restCount = 12 - named;
    const restSum = players.slice(named).reduce((sum, p) => sum + p.hours, 0);
    expect(lines.at(-1)).toBe(`• ${restCount} more: ${restSum.toFixed(1)} h`);
  });
});

/** The hours of the last `count` of the 25 players (600 − 10·i minutes each). */
function restHours(count: number): number {
  let minutes = 0;
  for (let i = 25 - count; i < 25; i++) minutes += 600 - i * 10;
  return minutes / 60;
}
