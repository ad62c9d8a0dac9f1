import { describe, expect, it } from 'vitest';
import {
  FEED_BATCH_MS,
  FEED_MESSAGE_MAX,
  feedBatch,
  feedLines,
  feedMessageAfter,
  MAX_FEED_LINES,
} from '../../src/monitor/feed.js';
import { emptyPresence, type LogPresence } from '../../src/players/log-presence.js';
import type { FeedEvent } from '../../src/records/feed.js';

const T = Date.parse('2026-11-27T19:00:00Z');
const ALL = { kinds: ['joins', 'deaths', 'bosses', 'raids', 'saves'] } as const;

/** News as the log processor stores it (numbered here, in the order given). */
function withNews(events: readonly object[], taskId = 'task-1'): LogPresence {
  const numbered = events.map((event, i) => ({ ...event, seq: i + 1 }) as FeedEvent);
  return { ...emptyPresence(taskId), feed: { nextSeq: numbered.length + 1, events: numbered } };
}

const joined = (name: string, at: number) =>
  ({ type: 'join', at, storedAt: at + 7000, name, connection: `${name}@${at}` }) as const;
const died = (name: string, at: number) => ({ type: 'death', at, storedAt: at + 7000, name }) as const;

describe('the feed batches', () => {
  const presence = withNews([
    joined('Ragnar', T),
    died('Ragnar', T + 20_000),
    joined('Lagertha', T + 70_000),
  ]);

  it('waits a minute after the first news arrived, then posts everything pending as one notice', () => {
    // Given news stored at T+7 s, T+27 s and T+77 s
    // When the monitor looks 50 s after the first arrived, Then nothing is due yet
    expect(feedBatch(presence, undefined, ALL, [], T + 7000 + FEED_BATCH_MS - 10_000)).toBeUndefined();
    // When it looks a minute after, Then all three go out in one notice, covered up to the last
    const batch = feedBatch(presence, undefined, ALL, [], T + 7000 + FEED_BATCH_MS + 30_000);
    expect(batch?.watermark).toEqual({ taskId: 'task-1', seq: 3 });
    expect(batch?.lines).toEqual([
      `<t:${T / 1000}:t> ➡️ **Ragnar** joined`,
      `<t:${T / 1000 + 20}:t> 💀 **Ragnar** died`,
      `<t:${T / 1000 + 70}:t> ➡️ **Lagertha** joined`,
    ]);
  });

  it('posts nothing covered already, and starts over for another task', () => {
    const later = T + 10 * FEED_BATCH_MS;
    expect(feedBatch(presence, { taskId: 'task-1', seq: 3 }, ALL, [], later)).toBeUndefined();
    const partly = feedBatch(presence, { taskId: 'task-1', seq: 2 }, ALL, [], later);
    expect(partly?.lines.join('\n')).toContain('Lagertha');
    expect(partly?.lines.join('\n')).not.toContain('Ragnar');
    expect(feedBatch(presence, { taskId: 'task-0', seq: 3 }, ALL, [], later)?.lines).toHaveLength(3);
  });

  it('passes over kinds not opted into or muted, and covers them so unmuting does not post old news', () => {
    const later = T + 10 * FEED_BATCH_MS;
    const joinsOnly = feedBatch(presence, undefined, { kinds: ['joins'] }, [], later);
    expect(joinsOnly?.lines).toHaveLength(2);
    expect(joinsOnly?.lines.join('\n')).not.toContain('died');
    const deathsMuted = feedBatch(presence, undefined, ALL, ['deaths'], later);
    expect(deathsMuted?.lines.join('\n')).not.toContain('died');
    expect(deathsMuted?.watermark.seq).toBe(3);
    // Everything pending muted: no notice, but the news is covered all the same
    const allMuted = feedBatch(presence, undefined, ALL, ['joins', 'deaths'], later);
    expect(allMuted).toEqual({ watermark: { taskId: 'task-1', seq: 3 }, lines: [] });
    expect(feedBatch(presence, undefined, { kinds: [] }, [], later)).toBeUndefined();
  });

  it('flushes at once when the session closes', () => {
    const batch = feedBatch(presence, undefined, ALL, [], T + 78_000, true);
    expect(batch?.lines).toHaveLength(3);
  });

  it('keeps the newest news of a connection: a late line that renamed it replaces the first guess', () => {
    const renamed = withNews([
      { ...joined('Bjorn', T), connection: 'A@1' },
      { ...joined('Anna', T), connection: 'A@1' },
    ]);
    const batch = feedBatch(renamed, undefined, ALL, [], T + 10 * FEED_BATCH_MS);
    expect(batch?.lines.join('\n')).toBe(`<t:${T / 1000}:t> ➡️ **Anna** joined`);
  });

  it('shows names as written, pinging nobody and breaking no formatting', () => {
    const content = feedLines([
      { ...joined('Björn_Järnsida *@here*', T), seq: 1 },
      { type: 'leave', at: T + 1000, storedAt: T, seq: 2, name: '<@&123456789012345678> `x`' },
      { type: 'leave', at: T + 2000, storedAt: T, seq: 3, players: 1 },
      { type: 'boss', at: T + 3000, storedAt: T, seq: 4, key: 'defeated_gdking' },
      { type: 'boss', at: T + 4000, storedAt: T, seq: 5, key: 'defeated_**mod**' },
      { type: 'raid', at: T + 5000, storedAt: T, seq: 6, event: 'army_theelder' },
      { type: 'save', at: T + 6000, storedAt: T, seq: 7 },
    ]).join('\n');
    const lines = content.split('\n').map((line) => line.replace(/^<t:\d+:t> /, ''));
    expect(lines).toEqual([
      '➡️ **Björn\\_Järnsida \\*@\u200bhere\\*** joined',
      '⬅️ **\\<@\u200b&123456789012345678\\> \\`x\\`** left',
      '⬅️ A player left (1 on)',
      '⚔️ **The Elder** was defeated!',
      '⚔️ **\\*\\*mod\\*\\*** was defeated!',
      "🚨 A raid: the Elder's army (greydwarfs)",
      '💾 The world was saved',
    ]);
    expect(content).not.toMatch(/@here|@everyone|<@&?\d/);
  });

  it('sums what does not fit in one message', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ ...died('Ragnar', T + i * 1000), seq: i + 1 }));
    const lines = feedLines(many);
    expect(lines).toHaveLength(MAX_FEED_LINES + 1);
    expect(lines.at(-1)).toBe(`…and ${40 - MAX_FEED_LINES} more`);
    expect(lines.join('\n').length).toBeLessThan(FEED_MESSAGE_MAX);
  });
});

describe("the session's feed message", () => {
  const batch = (lines: string[]) => ({ lines, watermark: { taskId: 'task-1', seq: 1 } });
  const shownMessage = (content: string, sessionId = 's1') => ({
    nonce: 'f1',
    messageId: '42',
    content,
    components: [],
    version: 3,
    shown: 3,
    createdAt: T,
    attempts: 1,
    sessionId,
  });

  it('starts a message for the session, then adds each batch to it (edited in place)', () => {
    const first = feedMessageAfter(undefined, batch(['a', 'b']), 's1', T);
    expect(first?.change && 'create' in first.change && first.change.create).toMatchObject({
      content: 'a\nb',
      version: 1,
      sessionId: 's1',
    });
    const next = feedMessageAfter(shownMessage('a\nb'), batch(['c']), 's1', T);
    expect(next?.change).toEqual({ content: 'a\nb\nc', components: [], version: 4 });
  });

  it('starts a new message for a new session, or when the lines would not fit', () => {
    const other = feedMessageAfter(shownMessage('a'), batch(['c']), 's2', T);
    expect(other?.change && 'create' in other.change).toBe(true);
    const full = feedMessageAfter(shownMessage('x'.repeat(FEED_MESSAGE_MAX - 5)), batch(['abcdef']), 's1', T);
    expect(full?.change && 'create' in full.change && full.change.create.content).toBe('abcdef');
  });

  it('lets a batch wait while the full message still has lines Discord has not confirmed', () => {
    const unconfirmed = { ...shownMessage('x'.repeat(FEED_MESSAGE_MAX - 5)), shown: 2 };
    expect(feedMessageAfter(unconfirmed, batch(['abcdef']), 's1', T)).toBeUndefined();
  });

  it('changes nothing for a batch of muted news only', () => {
    expect(feedMessageAfter(shownMessage('a'), batch([]), 's1', T)).toEqual({});
  });
});
