import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currentNews, withFeedNews } from '../../src/players/log-feed.js';
import { applyLogEvent, emptyPresence, type LogPresence } from '../../src/players/log-presence.js';
import { parseLogLine } from '../../src/players/server-log.js';
import type { FeedEvent } from '../../src/records/feed.js';

const T = Date.parse('2026-11-23T19:00:00Z');
const MINUTE = 60_000;
const SERVER = 'Vikings of the North';
const line = (text: string) => `Nov 23 19:00:00 supervisord: valheim-server 11/23/2026 19:00:00: ${text}`;
const LINES = {
  connected: (id: string) => line(`Got connection SteamID ${id}`),
  closing: (id: string) => line(`Closing socket ${id}`),
  spawn: (name: string, owner: number) => line(`Got character ZDOID from ${name} : ${owner}:1`),
  death: (name: string) => line(`Got character ZDOID from ${name} : 0:0`),
  boss: (key: string) => line(`Setting global key ${key}`),
  raid: (event: string) => line(`Random event set:${event}`),
  saved: line('World saved ( 1956.263ms )'),
  savedZdos: line('Saved 269116 zdos'),
  playfab: (id: string) =>
    line(`PlayFab socket with remote ID playfab/AB12 received local Platform ID ${id}`),
  joined: (n: number) =>
    line(`Player joined server "${SERVER}" that has join code 012345, now ${n} player(s)`),
  lost: (n: number) =>
    line(`Player connection lost server "${SERVER}" that has join code 012345, now ${n} player(s)`),
  shutdown: line('ZNet Shutdown'),
};
type Batch = ReadonlyArray<readonly [string, number]>;

/** Folds batches as the log Lambda does: each sorted by log time, stored at the time given. */
function deliver(batches: readonly Batch[], start: LogPresence = emptyPresence('task-1')): LogPresence {
  return batches.reduce(
    (presence, batch, index) =>
      [...batch]
        .sort((a, b) => a[1] - b[1])
        .reduce((current, [text, at]) => {
          const event = parseLogLine(text);
          return event
            ? withFeedNews(current, applyLogEvent(current, event, at), event, at, T + index * 5000)
            : current;
        }, presence),
    start,
  );
}

/** The news that counts, without its bookkeeping, in log order. */
const news = (presence: LogPresence) =>
  currentNews(presence.feed?.events ?? []).map(
    ({ seq: _seq, storedAt: _storedAt, ...rest }) =>
      Object.fromEntries(Object.entries(rest).filter(([key]) => key !== 'connection')) as typeof rest,
  );

const ANNA = '76561198000000001';
const BJORN = '76561198000000002';

describe('the feed, from the log', () => {
  it('names joins and leaves by character, and tells deaths, boss kills, raids and saves', () => {
    // Given a Steam evening: two players join, one dies, a raid, a boss, a save, one leaves
    const presence = deliver([
      [
        [LINES.connected(ANNA), T],
        [LINES.spawn('Anna', 2146304912), T + 20_000],
        [LINES.connected(BJORN), T + MINUTE],
        [LINES.spawn('Bjørn 🐻', 2146304913), T + MINUTE + 20_000],
      ],
      [
        [LINES.death('Anna'), T + 10 * MINUTE],
        [LINES.raid('army_eikthyr'), T + 11 * MINUTE],
        [LINES.boss('defeated_eikthyr'), T + 12 * MINUTE],
        [LINES.saved, T + 20 * MINUTE],
        [LINES.savedZdos, T + 20 * MINUTE + 10],
        [LINES.closing(BJORN), T + 30 * MINUTE],
      ],
    ]);
    // Then each is news once, the two lines of the save one save
    expect(news(presence)).toEqual([
      { type: 'join', at: T, name: 'Anna' },
      { type: 'join', at: T + MINUTE, name: 'Bjørn 🐻' },
      { type: 'death', at: T + 10 * MINUTE, name: 'Anna' },
      { type: 'raid', at: T + 11 * MINUTE, event: 'army_eikthyr' },
      { type: 'boss', at: T + 12 * MINUTE, key: 'defeated_eikthyr' },
      { type: 'save', at: T + 20 * MINUTE },
      { type: 'leave', at: T + 30 * MINUTE, name: 'Bjørn 🐻' },
    ]);
    // numbered in the order stored
    expect(presence.feed?.events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(presence.feed?.nextSeq).toBe(8);
  });

  it('adds nothing when CloudWatch delivers a batch again', () => {
    const batch: Batch = [
      [LINES.connected(ANNA), T],
      [LINES.spawn('Anna', 2146304912), T + 20_000],
      [LINES.death('Anna'), T + 5 * MINUTE],
      [LINES.raid('army_theelder'), T + 6 * MINUTE],
      [LINES.boss('defeated_gdking'), T + 7 * MINUTE],
      [LINES.saved, T + 8 * MINUTE],
      [LINES.closing(ANNA), T + 9 * MINUTE],
    ];
    expect(deliver([batch, batch]).feed).toEqual(deliver([batch]).feed);
  });

  it('tells the same news whatever order the batches arrive in (a leave before its join, a spawn before its connect)', () => {
    const batches: Batch[] = [
      [[LINES.connected(ANNA), T]],
      [[LINES.spawn('Anna', 2146304912), T + 20_000]],
      [[LINES.death('Anna'), T + 5 * MINUTE]],
      [[LINES.closing(ANNA), T + 9 * MINUTE]],
      [[LINES.connected(BJORN), T + 2 * MINUTE]],
      [[LINES.spawn('Bjorn', 2146304913), T + 2 * MINUTE + 10_000]],
    ];
    const inOrder = news(deliver(batches));
    fc.assert(
      fc.property(fc.shuffledSubarray(batches, { minLength: batches.length }), (shuffled) => {
        expect(news(deliver(shuffled))).toEqual(inOrder);
      }),
      { numRuns: 200 },
    );
    expect(inOrder.map((item) => item.type)).toEqual(['join', 'join', 'death', 'leave']);
  });

  it('does not say a player left when the old connection of a reconnect closes', () => {
    const presence = deliver([
      [
        [LINES.connected(ANNA), T],
        [LINES.spawn('Anna', 2146304912), T + 20_000],
        // the client reconnects before the old connection's close is logged
        [LINES.connected(ANNA), T + 10 * MINUTE],
        [LINES.spawn('Anna', 2146304950), T + 10 * MINUTE + 20_000],
        [LINES.closing(ANNA), T + 10 * MINUTE + 30_000],
      ],
    ]);
    expect(news(presence)).toEqual([{ type: 'join', at: T, name: 'Anna' }]);
  });

  it('crossplay: names who left while one player was on, and nobody once the log cannot tell who', () => {
    const presence = deliver([
      [
        [LINES.playfab('Steam_76561198000000011'), T],
        [LINES.joined(1), T + 500],
        [LINES.spawn('Astrid', -1936), T + 15_000],
      ],
      [[LINES.lost(0), T + 5 * MINUTE]], // alone on the server: it can only be her
      [
        [LINES.playfab('Steam_76561198000000011'), T + 10 * MINUTE],
        [LINES.joined(1), T + 10 * MINUTE + 500],
        [LINES.spawn('Astrid', -1936), T + 10 * MINUTE + 15_000],
        [LINES.playfab('Xbox_2535416401464117'), T + 11 * MINUTE],
        [LINES.joined(2), T + 11 * MINUTE + 500],
        [LINES.spawn('Bjorn', -1937), T + 11 * MINUTE + 15_000],
      ],
      [[LINES.lost(1), T + 20 * MINUTE]], // one of two: the log names nobody
      // the last one: whoever the guess above left, which may be the wrong one, so nobody is named
      [[LINES.lost(0), T + 30 * MINUTE]],
    ]);
    expect(news(presence)).toEqual([
      { type: 'join', at: T, name: 'Astrid' },
      { type: 'leave', at: T + 5 * MINUTE, players: 0, name: 'Astrid' },
      { type: 'join', at: T + 10 * MINUTE, name: 'Astrid' },
      { type: 'join', at: T + 11 * MINUTE, name: 'Bjorn' },
      { type: 'leave', at: T + 20 * MINUTE, players: 1 },
      { type: 'leave', at: T + 30 * MINUTE, players: 0 },
    ]);
  });

  it('leaves the shutdown and its save to the stop notice', () => {
    const presence = deliver([
      [
        [LINES.connected(ANNA), T],
        [LINES.spawn('Anna', 2146304912), T + 20_000],
        [LINES.shutdown, T + 60 * MINUTE],
        [LINES.saved, T + 60 * MINUTE + 3000],
      ],
    ]);
    expect(news(presence)).toEqual([{ type: 'join', at: T, name: 'Anna' }]);
  });

  it('keeps only the newest news, still numbered on', () => {
    const deaths: Batch = Array.from({ length: 80 }, (_, i) => [LINES.death('Anna'), T + i * 1000] as const);
    const presence = deliver([deaths]);
    const events = presence.feed?.events ?? [];
    expect(events).toHaveLength(50);
    expect(events[0]?.seq).toBe(31);
    expect(events.at(-1)?.seq).toBe(80);
    expect((events.at(-1) as FeedEvent & { type: 'death' }).at).toBe(T + 79_000);
  });
});
