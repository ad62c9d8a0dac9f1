import { describe, expect, it } from 'vitest';
import {
  isFreshTimestamp,
  MAX_REQUEST_AGE_SECONDS,
  memoryLedger,
  REMEMBER_IDS_SECONDS,
} from '../../src/discord/replay.js';

const signal = new AbortController().signal;

describe('signed timestamp window', () => {
  const now = 1_800_000_000;
  it.each([
    [String(now), true],
    [String(now - MAX_REQUEST_AGE_SECONDS), true],
    [String(now + MAX_REQUEST_AGE_SECONDS), true],
    [String(now - MAX_REQUEST_AGE_SECONDS - 1), false],
    [String(now + MAX_REQUEST_AGE_SECONDS + 1), false],
    ['', false],
    ['1.8e9', false],
    [`${now}0000000000`, false],
  ])('timestamp %j is fresh: %s', (timestamp, fresh) => {
    expect(isFreshTimestamp(timestamp, now)).toBe(fresh);
  });

  it('remembers ids for longer than the window, so a copy is always caught by one of the two checks', () => {
    expect(REMEMBER_IDS_SECONDS).toBeGreaterThan(2 * MAX_REQUEST_AGE_SECONDS);
  });
});

describe('interaction ledger in memory', () => {
  it('claims an id once, and again only after it was forgotten', async () => {
    // Given a ledger with a controllable clock
    let now = 0;
    const ledger = memoryLedger(() => now);
    // When the same id is claimed twice, then after the memory time
    expect(await ledger.claim('1', signal)).toBe(true);
    expect(await ledger.claim('1', signal)).toBe(false);
    expect(await ledger.claim('2', signal)).toBe(true);
    now = REMEMBER_IDS_SECONDS * 1000 + 1;
    // Then it was refused only while remembered
    expect(await ledger.claim('1', signal)).toBe(true);
  });
});
