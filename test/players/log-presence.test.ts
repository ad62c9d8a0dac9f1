import { describe, expect, it } from 'vitest';
import {
  applyLogEvent,
  emptyPresence,
  type LogPresence,
  logPlayerCount,
  MAX_PEER_DELTAS,
} from '../../src/players/log-presence.js';
import { parseLogLine } from '../../src/players/server-log.js';

const T = Date.parse('2026-11-23T19:00:00Z');
const SERVER = 'Vikings of the North';
const line = (text: string) => `Nov 23 19:00:00 supervisord: valheim-server 11/23/2026 19:00:00: ${text}`;
const LINES = {
  ready: line('Game server connected'),
  registered: line(`Session "${SERVER}" registered with join code 012345`),
  playfab: (ab: string, id: string) =>
    line(`PlayFab socket with remote ID playfab/${ab} received local Platform ID Steam_${id}`),
  joined: (n: number) =>
    line(`Player joined server "${SERVER}" that has join code 012345, now ${n} player(s)`),
  lost: (n: number) =>
    line(`Player connection lost server "${SERVER}" that has join code 012345, now ${n} player(s)`),
  wrongPassword: (id: string) => line(`Peer Steam_${id} has wrong password`),
  connected: (id: string) => line(`Got connection SteamID ${id}`),
  closing: (id: string) => line(`Closing socket ${id}`),
  periodic: (n: number) => line(`Connections ${n} ZDOS:130588  sent:0 recv:0`),
};
type Batch = ReadonlyArray<readonly [string, number]>;

/** Folds batches in the order given, each sorted by log time as the log Lambda does. */
const deliver = (batches: readonly Batch[], start: LogPresence = emptyPresence('task-1')) =>
  batches.reduce(
    (presence, batch) =>
      [...batch]
        .sort((a, b) => a[1] - b[1])
        .reduce((current, [text, at]) => {
          const event = parseLogLine(text);
          return event ? applyLogEvent(current, event, at) : current;
        }, presence),
    start,
  );

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('log presence — batches delivered out of order', () => {
  const ready: Batch = [
    [LINES.ready, T],
    [LINES.registered, T + 500],
  ];
  // p0 joins (its PlayFab line was lost); p1 tries a wrong password just after.
  const joined: Batch = [[LINES.joined(1), T + 5_000]];
  const wrongPassword: Batch = [
    [LINES.playfab('CD1', 'p1'), T + 10_000],
    [LINES.wrongPassword('p1'), T + 10_300],
  ];

  it('counts a join line that arrives after newer connect and disconnect lines', () => {
    // The newer batch arrives first: 0 → 1 → 0; then the older "now 1 player(s)" must still count.
    const presence = deliver([ready, wrongPassword, joined]);
    expect(logPlayerCount(presence, T + 60_000)).toBe(1);
    expect(presence).toMatchObject({ count: 1, countAt: T + 10_300, lastJoinAt: T + 10_000 });
  });

  it('never takes a player off for a peer turned away whose connect came before the count line', () => {
    // Given p0 on; p1 connects, the periodic count (1: p0 only) is logged, then p1 is turned away
    const base: Batch = [
      [LINES.playfab('AB0', 'p0'), T + 4_200],
      [LINES.joined(1), T + 5_000],
      [LINES.playfab('CD1', 'p1'), T + 599_700],
      [LINES.periodic(1), T + 600_000],
      [LINES.wrongPassword('p1'), T + 600_001],
    ];
    // When the lines arrive, in any order of these batches
    for (const order of permutations([ready, base.slice(0, 2), base.slice(2)])) {
      // Then p0 still counts: the rejection only takes back a connect that raised the count after the base
      expect(logPlayerCount(deliver(order), T + 600_002)).toBe(1);
    }
    // And a rejection of a peer whose connect raised the count after the base takes it back down
    const later = deliver([ready, base.slice(0, 4), [[LINES.playfab('EF2', 'p2'), T + 600_100]]]);
    expect(logPlayerCount(later, T + 600_101)).toBe(2);
    const rejected = deliver([[[LINES.wrongPassword('p2'), T + 600_400]]], later);
    expect(logPlayerCount(rejected, T + 600_401)).toBe(1);
  });

  it('gives the same count in every delivery order', () => {
    const leave: Batch = [
      [LINES.playfab('AB2', 'p2'), T + 20_000],
      [LINES.joined(2), T + 20_800],
      [LINES.lost(1), T + 30_000],
    ];
    const batches = [ready, joined, wrongPassword, leave, [[LINES.periodic(1), T + 600_000]] as Batch];
    for (const order of permutations(batches)) {
      expect(logPlayerCount(deliver(order), T + 600_001)).toBe(1);
    }
    for (const order of permutations(batches.slice(0, 3))) {
      expect(logPlayerCount(deliver(order), T + 60_000)).toBe(1);
    }
  });

  it('replays connect and disconnect lines in log order, not in arrival order', () => {
    // Steam, wrong password: the disconnect lines arrive before the connect they close.
    const connect: Batch = [[LINES.connected('7'), T + 10_000]];
    const close: Batch = [
      [LINES.closing('7'), T + 10_600],
      [LINES.connected('8'), T + 11_000],
    ];
    for (const order of permutations([ready, connect, close])) {
      const presence = deliver(order);
      expect(logPlayerCount(presence, T + 60_000)).toBe(1);
      expect(presence.peers).toEqual(['8']);
    }
  });

  it('does not take readiness for a count line', () => {
    // A connect logged before the readiness line (clock skew) counts whichever arrives first.
    const connect: Batch = [[LINES.connected('1'), T - 1_000]];
    for (const order of permutations([ready, connect])) {
      expect(logPlayerCount(deliver(order), T + 1_000)).toBe(1);
    }
  });

  it('lets only a newer count line replace the base, and re-applies the lines after it', () => {
    const presence = deliver([
      ready,
      [[LINES.connected('1'), T + 700_000]],
      [[LINES.periodic(2), T + 600_000]],
      [[LINES.periodic(0), T + 100_000]], // older than the base: changes nothing
    ]);
    expect(logPlayerCount(presence, T + 700_001)).toBe(3);
    expect(presence.base).toEqual({ count: 2, at: T + 600_000 });
  });

  it('stays small and JSON-serialisable with many connect lines between count lines', () => {
    const many: Batch = Array.from({ length: 3 * MAX_PEER_DELTAS }, (_, i) => [
      i % 2 === 0 ? LINES.connected('5') : LINES.closing('5'),
      T + 1_000 + i,
    ]);
    const presence = deliver([ready, many]);
    expect(presence.deltas?.length).toBeLessThanOrEqual(MAX_PEER_DELTAS);
    expect(logPlayerCount(presence, T + 2_000)).toBe(0);
    const stored = JSON.parse(JSON.stringify(presence)) as LogPresence;
    expect(stored).toEqual(presence);
    expect(logPlayerCount(deliver([[[LINES.connected('6'), T + 5_000]]], stored), T + 6_000)).toBe(1);
  });

  it('keeps the stored peer list small when no line closes the connections (crossplay, long sessions)', () => {
    // Given a crossplay player whose client connected 40 times (PlayFab logs no close per peer), between count lines
    const batches: Batch[] = Array.from({ length: 40 }, (_, i) => [
      [LINES.playfab(`AB${i}`, 'p0'), T + 1_000 + i * 60_000],
      [LINES.joined(1), T + 1_500 + i * 60_000],
    ]);
    const presence = deliver([ready, ...batches]);
    // Then the count is the game's, and the settled list holds two entries for him at most (the stored item
    // stays small: the lines since the last count line come on top, bounded by MAX_PEER_DELTAS)
    expect(logPlayerCount(presence, T + 41 * 60_000)).toBe(1);
    expect(presence.settled?.peers).toEqual(['Steam_p0', 'Steam_p0']);
    expect(JSON.stringify(presence).length).toBeLessThan(2000);
  });

  it('keeps counting from a presence stored before the count was derived', () => {
    const old: LogPresence = { taskId: 'task-1', peers: ['1'], count: 1, countAt: T + 1_000, readyAt: T };
    expect(logPlayerCount(deliver([[[LINES.connected('2'), T + 2_000]]], old), T + 3_000)).toBe(2);
    expect(logPlayerCount(deliver([[[LINES.closing('1'), T + 2_000]]], old), T + 3_000)).toBe(0);
    expect(logPlayerCount(deliver([[[LINES.connected('2'), T + 500]]], old), T + 3_000)).toBe(1);
  });
});
