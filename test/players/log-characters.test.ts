import { describe, expect, it } from 'vitest';
import { characterMinutes, MAX_CONNECTIONS, MAX_NAME_LENGTH } from '../../src/players/log-characters.js';
import { applyLogEvent, emptyPresence, type LogPresence } from '../../src/players/log-presence.js';
import { parseLogLine } from '../../src/players/server-log.js';

const T = Date.parse('2026-11-23T19:00:00Z');
const MINUTE = 60_000;
const SERVER = 'Vikings of the North';
const line = (text: string) => `Nov 23 19:00:00 supervisord: valheim-server 11/23/2026 19:00:00: ${text}`;
const LINES = {
  connected: (id: string) => line(`Got connection SteamID ${id}`),
  closing: (id: string) => line(`Closing socket ${id}`),
  spawn: (name: string, owner: number) => line(`Got character ZDOID from ${name} : ${owner}:1`),
  respawn: (name: string, owner: number) => line(`Got character ZDOID from ${name} : ${owner}:42`),
  death: (name: string) => line(`Got character ZDOID from ${name} : 0:0`),
  playfab: (id: string) =>
    line(`PlayFab socket with remote ID playfab/AB12 received local Platform ID Steam_${id}`),
  joined: (n: number) =>
    line(`Player joined server "${SERVER}" that has join code 012345, now ${n} player(s)`),
  lost: (n: number) =>
    line(`Player connection lost server "${SERVER}" that has join code 012345, now ${n} player(s)`),
  shutdown: line('ZNet Shutdown'),
};
type Batch = ReadonlyArray<readonly [string, number]>;

/** Folds batches in the order given, each sorted by log time as the log Lambda does. */
const deliver = (batches: readonly Batch[]): LogPresence =>
  batches.reduce(
    (presence, batch) =>
      [...batch]
        .sort((a, b) => a[1] - b[1])
        .reduce((current, [text, at]) => {
          const event = parseLogLine(text);
          return event ? applyLogEvent(current, event, at) : current;
        }, presence),
    emptyPresence('task-1'),
  );

const minutesOf = (presence: LogPresence, to = T + 120 * MINUTE) =>
  characterMinutes(presence.characters, T, to, presence.shutdownAt);

const ANNA = '76561198000000001';
const BJORN = '76561198000000002';

describe('who played how long, from the log', () => {
  const steam: Batch[] = [
    [
      [LINES.connected(ANNA), T],
      [LINES.spawn('Anna', 2146304912), T + 20_000],
    ],
    [
      [LINES.connected(BJORN), T + 10 * MINUTE],
      [LINES.spawn('Bjørn 🐻', 2146304913), T + 10 * MINUTE + 30_000],
      [LINES.death('Anna'), T + 20 * MINUTE],
      [LINES.respawn('Anna', 2146304912), T + 20 * MINUTE + 5000],
    ],
    [
      [LINES.closing(ANNA), T + 60 * MINUTE],
      [LINES.closing(BJORN), T + 100 * MINUTE],
    ],
  ];

  it('Steam: names each connection by its first spawn and ends it at its own "Closing socket"', () => {
    // Given two Steam players, one dying and respawning, each leaving at its own time
    const presence = deliver(steam);
    // Then each name carries its own connection's minutes
    expect(minutesOf(presence)).toEqual({ Anna: 60, 'Bjørn 🐻': 90 });
  });

  it('Steam: gives the same answer when the batches arrive in any order', () => {
    // Given the same lines, the batches delivered newest first and in a shuffled order
    for (const order of [
      [2, 1, 0],
      [1, 2, 0],
      [2, 0, 1],
    ]) {
      const presence = deliver(order.map((i) => steam[i] as Batch));
      // Then the names and minutes do not change
      expect([order, minutesOf(presence)]).toEqual([order, { Anna: 60, 'Bjørn 🐻': 90 }]);
    }
  });

  it('crossplay: a name goes to the oldest unnamed peer, and "connection lost" ends the oldest one open', () => {
    // Given two crossplay peers connecting before either character spawned
    const presence = deliver([
      [
        [LINES.playfab('76561198000000011'), T],
        [LINES.joined(1), T + 1000],
        [LINES.playfab('76561198000000012'), T + 5000],
        [LINES.joined(2), T + 6000],
        [LINES.spawn('Astrid', -1936), T + 30_000],
        [LINES.spawn('Leif', -1935), T + 40_000],
      ],
      // When one connection is lost after 30 minutes, and the server shuts down after 50
      [
        [LINES.lost(1), T + 30 * MINUTE],
        [LINES.shutdown, T + 50 * MINUTE],
      ],
    ]);
    // Then the first name went to the first peer, and the lost connection ended it; the shutdown ends the rest
    expect(presence.characters?.connections.map((c) => [c.peerId, c.name])).toEqual([
      ['Steam_76561198000000011', 'Astrid'],
      ['Steam_76561198000000012', 'Leif'],
    ]);
    expect(minutesOf(presence)).toEqual({ Astrid: 30, Leif: 50 });
  });

  it('crossplay: a spawn that arrives before its connect line waits for it', () => {
    // Given the character line's batch delivered before the platform ID line's
    const presence = deliver([
      [[LINES.spawn('Astrid', -1936), T + 30_000]],
      [[LINES.playfab('76561198000000011'), T]],
      [[LINES.shutdown, T + 45 * MINUTE]],
    ]);
    // Then the name still lands on that connection
    expect(minutesOf(presence)).toEqual({ Astrid: 45 });
    expect(presence.characters?.unplaced).toEqual([]);
  });

  it('a "Closing socket" that arrives before its connect line still ends the connection', () => {
    const presence = deliver([
      [[LINES.closing(ANNA), T + 15 * MINUTE]],
      [
        [LINES.connected(ANNA), T],
        [LINES.spawn('Anna', 2146304912), T + 20_000],
      ],
    ]);
    expect(minutesOf(presence)).toEqual({ Anna: 15 });
  });

  it('keeps the record small: at most 32 connections, names cut to 64 characters', () => {
    // Given 40 players joining and leaving, one with a 100-character Unicode name
    const long = 'Ragnar🪓'.repeat(15);
    const batch: [string, number][] = [];
    for (let i = 0; i < 40; i++) {
      const id = String(76561198000001000 + i);
      batch.push([LINES.connected(id), T + i * MINUTE]);
      batch.push([LINES.spawn(i === 39 ? long : `Viking ${i}`, 1000 + i), T + i * MINUTE + 1000]);
      batch.push([LINES.closing(id), T + i * MINUTE + 30_000]);
    }
    const presence = deliver([batch]);
    // Then the oldest connections made room, and the long name was cut on a character boundary
    expect(presence.characters?.connections).toHaveLength(MAX_CONNECTIONS);
    const names = presence.characters?.connections.map((c) => c.name) ?? [];
    expect(names[0]).toBe('Viking 8');
    expect(names.at(-1)).toBe([...long].slice(0, MAX_NAME_LENGTH).join(''));
    expect(JSON.stringify(presence.characters).length).toBeLessThan(5000);
  });

  it('takes a character called __proto__ as a name like any other', () => {
    const presence = deliver([
      [
        [LINES.connected(ANNA), T],
        [LINES.spawn('__proto__', 2146304912), T + 1000],
        [LINES.closing(ANNA), T + 10 * MINUTE],
      ],
    ]);
    expect(Object.entries(minutesOf(presence))).toEqual([['__proto__', 10]]);
  });
});
