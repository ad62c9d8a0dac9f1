import { describe, expect, it } from 'vitest';
import { noticeFor, sessionLine } from '../../src/monitor/notices.js';

const T0 = Date.parse('2026-11-23T19:00:00Z');
const MINUTE = 60_000;
const context = { crossplay: false, idleStopMinutes: 15, emptyStopMinutes: 30, hourlyCost: 0.134 };

describe('the stop notice says what the session was', () => {
  it('gives the duration, the most players at once and the cost at the hourly price', () => {
    // 2 h 10 min × 0.134 $/h = 0.2903
    expect(sessionLine({ startedAt: T0, peakPlayers: 3 }, T0 + 130 * MINUTE, 0.134)).toBe(
      'This session: 2 h 10 min, up to 3 players, about $0.29.',
    );
  });

  it('says so when nobody joined, and counts short sessions in minutes', () => {
    expect(sessionLine({ startedAt: T0, peakPlayers: 0 }, T0 + 31 * MINUTE, 0.134)).toBe(
      'This session: 31 min, nobody joined, about $0.07.',
    );
    expect(sessionLine({ startedAt: T0, peakPlayers: 1 }, T0 + 5 * MINUTE, undefined)).toBe(
      'This session: 5 min, up to 1 player.',
    );
  });

  it('puts the line under the stop notice', () => {
    const notice = noticeFor(
      {
        type: 'announce-stopped',
        reason: 'idle',
        worldSaved: true,
        session: { startedAt: T0, peakPlayers: 3 },
      },
      context,
      T0 + 130 * MINUTE,
    );
    expect(notice?.content.split('\n')).toEqual([
      '🔴 **Server stopped** (nobody was on for 15 minutes). The world is saved. Start it again with `/valheim start`.',
      'This session: 2 h 10 min, up to 3 players, about $0.29.',
    ]);
  });
});
