import { describe, expect, it } from 'vitest';
import { monthRange, monthToDate, perWorldLine } from '../../src/cost/month.js';
import type { SessionRecord } from '../../src/records/session.js';

const at = (iso: string) => Date.parse(iso);
const session = (startIso: string, stopIso: string | undefined, spot = false): SessionRecord => ({
  sessionId: startIso,
  startedAt: at(startIso),
  ...(stopIso && { stoppedAt: at(stopIso) }),
  cpu: 2048,
  memoryMiB: 8192,
  spot,
});

describe('month to date from the ledger (hand-checked figures)', () => {
  const now = new Date('2026-11-16T00:00:00Z'); // exactly half of November (15 of 30 days)

  it('covers the UTC calendar month', () => {
    expect(monthRange(now)).toEqual({
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-12-01T00:00:00Z'),
    });
  });

  it('adds up hours and their cost, on-demand and Spot', () => {
    const summary = monthToDate(
      [
        session('2026-11-02T19:00:00Z', '2026-11-02T23:00:00Z'), // 4 h on-demand: 4 × 0.12152 = 0.48608
        session('2026-11-09T18:00:00Z', '2026-11-09T20:00:00Z', true), // 2 h Spot: 2 × (0.034956 + 0.005) = 0.079912
      ],
      now,
      'us-east-1',
      0.8,
    );
    expect(summary.sessions).toBe(2);
    expect(summary.hours).toBeCloseTo(6, 9);
    expect(summary.playCost).toBeCloseTo(0.565992, 6);
    expect(summary.fixedSoFar).toBeCloseTo(0.4, 9); // half of $0.80
    expect(summary.total).toBeCloseTo(0.965992, 6);
    expect(summary.label).toBe('November 2026');
  });

  it('counts a running session up to now and only this month of one that began last month', () => {
    const summary = monthToDate(
      [session('2026-10-31T22:00:00Z', '2026-11-01T02:00:00Z'), session('2026-11-15T23:00:00Z', undefined)],
      now,
      'us-east-1',
      0,
    );
    // 2 h of the first (after midnight) + 1 h of the running one
    expect(summary.hours).toBeCloseTo(3, 9);
  });
});

describe('play per world', () => {
  const now = new Date('2026-11-16T00:00:00Z');
  const inWorld = (world: string | undefined, startIso: string, stopIso: string): SessionRecord => ({
    ...session(startIso, stopIso),
    ...(world && { world }),
  });

  it('splits hours and play cost by the world each session ran (rows without one: the first world)', () => {
    const summary = monthToDate(
      [
        inWorld('Season2', '2026-11-02T19:00:00Z', '2026-11-02T23:00:00Z'), // 4 h: $0.48608
        inWorld(undefined, '2026-11-05T19:00:00Z', '2026-11-05T20:00:00Z'), // 1 h, before worlds: $0.12152
        inWorld('Dedicated', '2026-11-09T18:00:00Z', '2026-11-09T20:00:00Z'), // 2 h: $0.24304
      ],
      now,
      'us-east-1',
      0,
    );
    expect(summary.byWorld.map((play) => [play.world, play.sessions, play.hours])).toEqual([
      ['Season2', 1, 4],
      ['Dedicated', 1, 2],
      [undefined, 1, 1],
    ]);
    expect(perWorldLine(summary, 'Dedicated')).toBe(
      'Per world: **Season2** 4.0 h ($0.49) · **Dedicated** 3.0 h ($0.36)',
    );
  });

  it('says nothing per world when one world was played', () => {
    const summary = monthToDate(
      [
        inWorld(undefined, '2026-11-02T19:00:00Z', '2026-11-02T23:00:00Z'),
        inWorld('Dedicated', '2026-11-09T18:00:00Z', '2026-11-09T20:00:00Z'),
      ],
      now,
      'us-east-1',
      0,
    );
    expect(perWorldLine(summary, 'Dedicated')).toBeUndefined();
  });
});
