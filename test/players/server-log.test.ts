import { describe, expect, it } from 'vitest';
import {
  applyLogEvent,
  emptyPresence,
  type LogPresence,
  logPlayerCount,
  savedDuringShutdown,
} from '../../src/players/log-presence.js';
import { LOG_FILTER_PATTERN, logFilterPattern, parseLogLine } from '../../src/players/server-log.js';
import { FEED_KINDS } from '../../src/records/feed.js';
import { filterMatcher } from '../support/cloudwatch-filter.js';

// Lines as the container prints them (supervisord prefix, then Valheim's own timestamp).
const LINES = {
  // steamcmd prints one of these a second while downloading (only the first ones, under 1 %, are forwarded)
  updater:
    'Nov 23 19:01:43 supervisord: valheim-updater  Update state (0x61) downloading, progress: 45.87 (937963001 / 2044741987)',
  ready: 'Nov 23 19:04:50 supervisord: valheim-server 11/23/2026 19:04:50: Game server connected',
  registered:
    'Nov 23 19:04:51 supervisord: valheim-server 11/23/2026 19:04:51: Session "Vikings of the North" registered with join code 482913',
  active:
    'Nov 23 19:14:51 supervisord: valheim-server 11/23/2026 19:14:51: Session "Vikings of the North" with join code 482913 and IP 3.120.45.67:2456 is active with 2 player(s)',
  connected:
    'Nov 23 19:06:02 supervisord: valheim-server 11/23/2026 19:06:02: Got connection SteamID 76561198000000001',
  character:
    'Nov 23 19:06:40 supervisord: valheim-server 11/23/2026 19:06:40: Got character ZDOID from Ragnar Lothbrok : 2146304912:1',
  death:
    'Nov 23 19:30:12 supervisord: valheim-server 11/23/2026 19:30:12: Got character ZDOID from Ragnar Lothbrok : 0:0',
  bossKill:
    'Nov 23 19:41:07 supervisord: valheim-server 11/23/2026 19:41:07: Setting global key defeated_gdking',
  raid: 'Nov 23 19:52:26 supervisord: valheim-server 11/23/2026 19:52:26: Random event set:army_theelder',
  closing:
    'Nov 23 20:45:00 supervisord: valheim-server 11/23/2026 20:45:00: Closing socket 76561198000000001',
  connections:
    'Nov 23 19:16:00 supervisord: valheim-server 11/23/2026 19:16:00: Connections 1 ZDOS:128475  sent:0 recv:412',
  saved: 'Nov 23 20:50:01 supervisord: valheim-server 11/23/2026 20:50:01: Saved 128475 zdos',
  worldSaved: 'Nov 23 20:20:00 supervisord: valheim-server 11/23/2026 20:20:00: World saved ( 812.331ms )',
  shutdown: 'Nov 23 20:50:02 supervisord: valheim-server 11/23/2026 20:50:02: ZNet Shutdown',
  quit: 'Nov 23 20:50:02 supervisord: valheim-server 11/23/2026 20:50:02: OnApplicationQuit',
  joined:
    'Nov 23 19:06:02 supervisord: valheim-server 11/23/2026 19:06:02: Player joined server "Vikings of the North" that has join code 012345, now 2 player(s)',
  lost: 'Nov 23 19:56:02 supervisord: valheim-server 11/23/2026 19:56:02: Player connection lost server "Vikings of the North" that has join code 012345, now 1 player(s)',
  newSession:
    'Nov 23 19:04:50 supervisord: valheim-server 11/23/2026 19:04:50: New session server "Vikings of the North" that has join code , now 0 player(s)',
  renewed:
    'Nov 23 19:40:00 supervisord: valheim-server 11/23/2026 19:40:00: Created new join code 654321 for session "Vikings of the North"',
  playfab:
    'Nov 23 19:06:01 supervisord: valheim-server 11/23/2026 19:06:01: PlayFab socket with remote ID playfab/333D6B4687BBBA00 received local Platform ID Xbox_2535416401464117',
  wrongPassword:
    'Nov 23 19:06:05 supervisord: valheim-server 11/23/2026 19:06:05: Peer 76561198000000009 has wrong password',
  savedCapital: 'Nov 23 20:50:01 supervisord: valheim-server 11/23/2026 20:50:01: Saved 172301 ZDOs',
  savedV1:
    'Nov 23 20:50:01 supervisord: valheim-server 11/23/2026 20:50:01: World save (5/5) done. Total time [13ms]',
  saveError:
    'Nov 23 20:50:01 supervisord: valheim-server 11/23/2026 20:50:01: Error saving world! Access to the path "/config/worlds_local/Dedicated.db.new" is denied.',
  version:
    'Nov 23 19:02:00 supervisord: valheim-server 11/23/2026 19:02:00: Valheim version: l-1.0.14 (network version 40)',
};

const forwards = filterMatcher(LOG_FILTER_PATTERN);

describe('parseLogLine', () => {
  it.each([
    ['ready', { kind: 'ready' }],
    ['registered', { kind: 'join-code', joinCode: '482913', renewed: false }],
    ['active', { kind: 'join-code', joinCode: '482913', renewed: false }],
    ['renewed', { kind: 'join-code', joinCode: '654321', renewed: true }],
    ['connected', { kind: 'connected', peerId: '76561198000000001' }],
    ['playfab', { kind: 'connected', peerId: 'Xbox_2535416401464117' }],
    ['closing', { kind: 'disconnected', peerId: '76561198000000001' }],
    ['wrongPassword', { kind: 'disconnected', peerId: '76561198000000009', rejected: true }],
    ['connections', { kind: 'player-count', change: 'periodic', players: 1 }],
    ['joined', { kind: 'player-count', change: 'joined', players: 2, joinCode: '012345' }],
    ['lost', { kind: 'player-count', change: 'left', players: 1, joinCode: '012345' }],
    ['newSession', { kind: 'player-count', change: 'session', players: 0 }],
    ['saved', { kind: 'world-saved' }],
    ['savedCapital', { kind: 'world-saved' }],
    ['worldSaved', { kind: 'world-saved' }],
    ['savedV1', { kind: 'world-saved' }],
    [
      'saveError',
      {
        kind: 'save-failed',
        detail: 'Access to the path "/config/worlds_local/Dedicated.db.new" is denied.',
      },
    ],
    ['version', { kind: 'version', version: 'l-1.0.14' }],
    ['shutdown', { kind: 'shutdown' }],
    ['quit', { kind: 'shutdown' }],
    ['character', { kind: 'character', name: 'Ragnar Lothbrok' }],
  ] as const)('reads the %s line', (name, event) => {
    expect(parseLogLine(LINES[name])).toEqual(event);
  });

  // (the feed's own lines are forwarded only when opted into: below)
  it.each(Object.entries(LINES).filter(([name]) => !['death', 'bossKill', 'raid', 'updater'].includes(name)))(
    'forwards the %s line through the log subscription filter',
    (_name, line) => {
      // Given a line the parser reads, When CloudWatch applies the subscription filter, Then it is forwarded.
      expect(parseLogLine(line)).toBeDefined();
      expect(forwards(line)).toBe(true);
    },
  );

  it.each([
    'install-cache: restored build 20512345 in 17 s',
    'install-cache: no usable cache (none in s3://b/k yet): this start downloads the game from Steam',
    'install-cache: nothing fetched: this start downloads the game from Steam',
    'Nov 30 18:04:02 supervisord: valheim-updater INFO - Downloading/updating/validating Valheim server from Steam',
    'Nov 30 18:04:08 supervisord: valheim-updater  Update state (0x61) downloading, progress: 0.18 (1048576 / 583712014)',
    "Nov 30 18:04:21 supervisord: valheim-updater Success! App '896660' fully installed.",
    'Nov 30 18:04:24 supervisord: valheim-server INFO - Running Valheim Server',
  ])('forwards the start-up line %s (the start phases come from it)', (line) => {
    expect(forwards(line)).toBe(true);
  });

  it('keeps the updater chatter and respawns out of the log subscription filter, and reads neither', () => {
    // Given a respawn (a later ZDOID of the same client)
    const respawn =
      'Nov 23 19:40:12 supervisord: valheim-server 11/23/2026 19:40:12: Got character ZDOID from Ragnar Lothbrok : 2146304912:13';
    for (const line of [LINES.updater, respawn]) {
      // Then neither is forwarded nor read
      expect(forwards(line)).toBe(false);
      expect(parseLogLine(line)).toBeUndefined();
    }
  });

  it.each([
    ['deaths', LINES.death, { kind: 'death', name: 'Ragnar Lothbrok' }],
    ['bosses', LINES.bossKill, { kind: 'boss-defeated', key: 'defeated_gdking' }],
    ['raids', LINES.raid, { kind: 'random-event', event: 'army_theelder' }],
  ] as const)(
    'reads the feed line of %s, and forwards it only when that kind is opted into',
    (kind, line, event) => {
      // Given the real line (a death resets the character's ZDOID to 0:0; a boss kill sets its global key;
      // a raid is a random event)
      expect(parseLogLine(line)).toEqual(event);
      // Then the filter without the feed keeps it out, and the filter with its kind forwards it
      expect(forwards(line)).toBe(false);
      expect(filterMatcher(logFilterPattern([kind]))(line)).toBe(true);
      const others = FEED_KINDS.filter((other) => other !== kind);
      expect(filterMatcher(logFilterPattern(others))(line)).toBe(false);
    },
  );

  it('reads only boss kills among the global keys, and no random event without a name', () => {
    const at = 'Nov 23 19:55:40 supervisord: valheim-server 11/23/2026 19:55:40: ';
    const all = filterMatcher(logFilterPattern([...FEED_KINDS]));
    for (const text of ['Setting global key KilledTroll', 'Setting global key nomap', 'Random event set:']) {
      expect([text, parseLogLine(at + text)]).toEqual([text, undefined]);
      expect([text, all(at + text)]).toEqual([text, false]);
    }
  });

  it("stays within CloudWatch's 1024 characters with every kind of the feed", () => {
    expect(logFilterPattern([...FEED_KINDS]).length).toBeLessThanOrEqual(1024);
    expect(() => filterMatcher(logFilterPattern([...FEED_KINDS]))).not.toThrow();
  });

  it('reads a spawn with a crossplay (negative) owner and a Unicode name, and forwards it', () => {
    // Given the spawn line of a crossplay player whose name has spaces, colons and emoji
    const line = 'valheim-server 11/23/2026 19:06:40: Got character ZDOID from Ørjan : 🐺 Ulf : -1936:1';
    // Then the whole name is read, and the filter forwards it
    expect(parseLogLine(line)).toEqual({ kind: 'character', name: 'Ørjan : 🐺 Ulf' });
    expect(forwards(line)).toBe(true);
  });

  it('reads a refusal for another game version in each form Valheim logged it, and forwards it', () => {
    // Given the line as servers logged it since network versions (2024), before them (2021), and with no name
    const lines: Array<[string, { peerId: string; mine: string; remote: string }]> = [
      [
        'Apr 10 16:12:49 supervisord: valheim-server 04/10/2024 16:12:49: Peer 76561198058880519 has incompatible version, mine:0.217.38 (network version 20)   remote 0.217.46 (network version 23)',
        { peerId: '76561198058880519', mine: '0.217.38', remote: '0.217.46' },
      ],
      [
        '03/05/2021 12:04:58: Peer 76561198174318494 has incompatible version, mine:0.147.3 remote 0.147.3@0.9.3',
        { peerId: '76561198174318494', mine: '0.147.3', remote: '0.147.3@0.9.3' },
      ],
      [
        '11/15/2024 20:01:02: Peer  has incompatible version, mine:0.218.19 (network version 27) remote 0.219.14 (network version 32)',
        { peerId: '', mine: '0.218.19', remote: '0.219.14' },
      ],
    ];
    for (const [line, expected] of lines) {
      // Then the subscription filter forwards it and the parser reads both versions
      expect(filterMatcher(LOG_FILTER_PATTERN)(line), line).toBe(true);
      expect(parseLogLine(line), line).toEqual({ kind: 'version-mismatch', ...expected });
    }
  });

  it('ignores unrelated lines', () => {
    expect(parseLogLine(LINES.updater)).toBeUndefined();
    expect(parseLogLine('')).toBeUndefined();
  });

  it('reads a server name that itself contains quotes and "with join code"', () => {
    const line =
      'valheim-server 11/23/2026 19:14:51: Session "The "with join code 1" gang" with join code 777777 and IP 1.2.3.4:2456 is active with 0 player(s)';
    expect(parseLogLine(line)).toEqual({ kind: 'join-code', joinCode: '777777', renewed: false });
  });
});

describe('log presence', () => {
  const T = Date.parse('2026-11-23T19:00:00Z');
  const fold = (lines: Array<[string, number]>, start: LogPresence = emptyPresence('task-1')) =>
    lines.reduce((presence, [line, at]) => {
      const event = parseLogLine(line);
      return event ? applyLogEvent(presence, event, at) : presence;
    }, start);
  const steam2 = LINES.connected.replace('0001', '0002');
  const periodic = (n: number) => LINES.connections.replace('Connections 1', `Connections ${n}`);

  it('is unknown until the server says it is ready (or somebody connects, which proves it)', () => {
    expect(logPlayerCount(fold([[LINES.worldSaved, T]]), T)).toBe('unknown');
    expect(logPlayerCount(fold([[LINES.connected, T]]), T)).toBe(1);
    expect(logPlayerCount(undefined, T)).toBe('unknown');
    expect(logPlayerCount(fold([[LINES.ready, T]]), T + 1)).toBe(0);
  });

  it('counts Steam players from connect and disconnect lines', () => {
    const presence = fold([
      [LINES.ready, T],
      [LINES.connected, T + 1],
      [LINES.connected, T + 1], // the same line delivered twice: one connection
      [steam2, T + 3],
    ]);
    expect(logPlayerCount(presence, T + 10)).toBe(2);
    expect(logPlayerCount(fold([[LINES.closing, T + 20]], presence), T + 30)).toBe(1);
  });

  it('keeps a client that reconnected before its old connection closed', () => {
    // Given a player whose client reconnects: the new connection is logged before the old one's close
    const presence = fold([
      [LINES.ready, T],
      [LINES.connected, T + 1],
      [LINES.connected, T + 60_000],
      [LINES.closing, T + 90_000],
    ]);
    // Then the old connection's close does not take him off; his next close does
    expect(logPlayerCount(presence, T + 100_000)).toBe(1);
    expect(logPlayerCount(fold([[LINES.closing, T + 120_000]], presence), T + 130_000)).toBe(0);
  });

  it('trusts a periodic zero-connections line over missed disconnects', () => {
    const presence = fold([
      [LINES.ready, T],
      [LINES.connected, T + 1],
      [periodic(0), T + 600_000],
    ]);
    expect(logPlayerCount(presence, T + 600_001)).toBe(0);
    expect(presence.peers).toEqual([]);
  });

  it('lets a fresh count line win over older connect lines, and newer lines move it by one', () => {
    // Given two connects, a count line saying 1 (one "Closing socket" was lost), then a late batch of old lines
    const presence = fold([
      [LINES.ready, T],
      [LINES.connected, T + 1],
      [steam2, T + 2],
      [periodic(1), T + 600_000],
      [LINES.connected.replace('0001', '0003'), T + 100], // older than the count line: already in it
    ]);
    expect(logPlayerCount(presence, T + 600_001)).toBe(1);
    // When the one still on leaves, Then the count reaches 0, although the stale peer is still listed
    expect(logPlayerCount(fold([[LINES.closing, T + 700_000]], presence), T + 700_001)).toBe(0);
    // And a listed peer who comes back counts again
    expect(logPlayerCount(fold([[steam2, T + 700_000]], presence), T + 700_001)).toBe(2);
  });

  it('with crossplay, counts from the join and leave lines at once', () => {
    const lines = (now: number): Array<[string, number]> => [
      [LINES.ready, T],
      [LINES.registered, T + 1],
      [LINES.playfab, T + 60_000],
      [LINES.joined.replace('now 2', 'now 1'), T + 61_000],
      [LINES.joined, T + 120_000],
      [LINES.lost, now],
    ];
    expect(logPlayerCount(fold(lines(T + 600_000).slice(0, 3)), T + 60_500)).toBe(1);
    expect(logPlayerCount(fold(lines(T + 600_000).slice(0, 5)), T + 121_000)).toBe(2);
    const all = fold(lines(T + 600_000));
    expect(logPlayerCount(all, T + 601_000)).toBe(1);
    expect(all).toMatchObject({ joinCode: '012345', lastJoinAt: T + 120_000 });
  });

  it('takes the later join code: a renewed code replaces the old one, an older line does not', () => {
    const presence = fold([
      [LINES.registered, T],
      [LINES.renewed, T + 600_000],
      [LINES.active, T + 300_000], // a late batch with the old code
    ]);
    expect(presence.joinCode).toBe('654321');
  });

  it('is unknown when no count line came for 20 minutes — never zero by default', () => {
    const presence = fold([
      [LINES.ready, T],
      [periodic(0), T + 60_000],
    ]);
    expect(logPlayerCount(presence, T + 60_000 + 20 * 60_000)).toBe(0);
    expect(logPlayerCount(presence, T + 60_000 + 21 * 60_000)).toBe('unknown');
  });

  it('clears connections on shutdown and knows whether the shutdown saved', () => {
    const presence = fold([
      [LINES.ready, T],
      [LINES.connected, T + 1],
      [LINES.worldSaved, T + 2],
      [LINES.quit, T + 3],
    ]);
    expect(logPlayerCount(presence, T + 4)).toBe(0);
    expect(savedDuringShutdown(presence)).toBe(false);
    expect(savedDuringShutdown(fold([[LINES.savedV1, T + 5]], presence))).toBe(true);
    expect(savedDuringShutdown(fold([[LINES.ready, T]]))).toBeUndefined();
  });

  it('records the game version and a failed save', () => {
    const presence = fold([
      [LINES.version, T],
      [LINES.saveError, T + 10],
    ]);
    expect(presence).toMatchObject({ gameVersion: 'l-1.0.14', saveError: { at: T + 10 } });
  });
});
