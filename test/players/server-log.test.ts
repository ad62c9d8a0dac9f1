import { describe, expect, it } from 'vitest';
import {
  applyLogEvent,
  emptyPresence,
  type LogPresence,
  logPlayerCount,
} from '../../src/players/log-presence.js';
import { LOG_FILTER_PATTERN, parseLogLine } from '../../src/players/server-log.js';

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
  closing:
    'Nov 23 20:45:00 supervisord: valheim-server 11/23/2026 20:45:00: Closing socket 76561198000000001',
  connections:
    'Nov 23 19:16:00 supervisord: valheim-server 11/23/2026 19:16:00: Connections 1 ZDOS:128475  sent:0 recv:412',
  saved: 'Nov 23 20:50:01 supervisord: valheim-server 11/23/2026 20:50:01: Saved 128475 zdos',
  worldSaved: 'Nov 23 20:20:00 supervisord: valheim-server 11/23/2026 20:20:00: World saved ( 812.331ms )',
  shutdown: 'Nov 23 20:50:02 supervisord: valheim-server 11/23/2026 20:50:02: ZNet Shutdown',
  quit: 'Nov 23 20:50:02 supervisord: valheim-server 11/23/2026 20:50:02: OnApplicationQuit',
};

/**
 * CloudWatch Logs' matching for a pattern of `?"term"` alternatives: a line is forwarded when it contains any
 * term (case-sensitive).
 */
function forwardedBy(pattern: string, line: string): boolean {
  const terms = [...pattern.matchAll(/\?"([^"]+)"/g)].map((match) => match[1] ?? '');
  // Guard the test itself: the whole pattern must be made of such alternatives.
  expect(pattern.replace(/\?"[^"]+"/g, '').trim()).toBe('');
  return terms.some((term) => line.includes(term));
}

describe('parseLogLine', () => {
  it.each([
    ['ready', { kind: 'ready' }],
    ['registered', { kind: 'join-code', joinCode: '482913' }],
    ['active', { kind: 'session-active', joinCode: '482913', players: 2 }],
    ['connected', { kind: 'connected', peerId: '76561198000000001' }],
    ['character', { kind: 'character', name: 'Ragnar Lothbrok' }],
    ['closing', { kind: 'disconnected', peerId: '76561198000000001' }],
    ['connections', { kind: 'connections', count: 1 }],
    ['saved', { kind: 'world-saved' }],
    ['worldSaved', { kind: 'world-saved' }],
    ['shutdown', { kind: 'shutdown' }],
    ['quit', { kind: 'shutdown' }],
  ] as const)('reads the %s line', (name, event) => {
    expect(parseLogLine(LINES[name])).toEqual(event);
  });

  it.each(Object.entries(LINES).filter(([name]) => name !== 'death' && name !== 'updater'))(
    'forwards the %s line through the log subscription filter',
    (_name, line) => {
      // Given a line the parser reads, When CloudWatch applies the subscription filter, Then it is forwarded.
      expect(parseLogLine(line)).toBeDefined();
      expect(forwardedBy(LOG_FILTER_PATTERN, line)).toBe(true);
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
    expect(forwardedBy(LOG_FILTER_PATTERN, line)).toBe(true);
  });

  it('keeps the updater chatter out of the log subscription filter', () => {
    expect(forwardedBy(LOG_FILTER_PATTERN, LINES.updater)).toBe(false);
  });

  it('ignores deaths (ZDOID 0:0) and unrelated lines', () => {
    expect(parseLogLine(LINES.death)).toBeUndefined();
    expect(parseLogLine(LINES.updater)).toBeUndefined();
    expect(parseLogLine('')).toBeUndefined();
  });

  it('reads a server name that itself contains quotes and "with join code"', () => {
    const line =
      'valheim-server 11/23/2026 19:14:51: Session "The "with join code 1" gang" with join code 777777 and IP 1.2.3.4:2456 is active with 0 player(s)';
    expect(parseLogLine(line)).toEqual({ kind: 'session-active', joinCode: '777777', players: 0 });
  });
});

describe('log presence', () => {
  const T = Date.parse('2026-11-23T19:00:00Z');
  const fold = (lines: Array<[string, number]>, start: LogPresence = emptyPresence('task-1')) =>
    lines.reduce((presence, [line, at]) => {
      const event = parseLogLine(line);
      return event ? applyLogEvent(presence, event, at) : presence;
    }, start);

  it('is unknown until the server says it is ready', () => {
    expect(logPlayerCount(fold([[LINES.connected, T]]), T, { crossplay: false })).toBe('unknown');
    expect(logPlayerCount(undefined, T, { crossplay: false })).toBe('unknown');
  });

  it('counts Steam players from connect and disconnect lines', () => {
    const presence = fold([
      [LINES.ready, T],
      [LINES.connected, T + 1],
      [LINES.connected, T + 2], // logged twice: still one player
      [LINES.connected.replace('0001', '0002'), T + 3],
    ]);
    expect(logPlayerCount(presence, T + 10, { crossplay: false })).toBe(2);
    expect(logPlayerCount(fold([[LINES.closing, T + 20]], presence), T + 30, { crossplay: false })).toBe(1);
  });

  it('trusts a periodic zero-connections line over missed disconnects', () => {
    const presence = fold([
      [LINES.ready, T],
      [LINES.connected, T + 1],
      [LINES.connections.replace('Connections 1', 'Connections 0'), T + 600_000],
    ]);
    expect(logPlayerCount(presence, T + 600_001, { crossplay: false })).toBe(0);
  });

  it('with crossplay, counts from a fresh session line and keeps the join code', () => {
    const presence = fold([
      [LINES.registered, T],
      [LINES.active, T + 600_000],
    ]);
    expect(presence.joinCode).toBe('482913');
    expect(logPlayerCount(presence, T + 600_000 + 60_000, { crossplay: true })).toBe(2);
  });

  it('with crossplay, is unknown when the last session line is stale — never zero by default', () => {
    const presence = fold([
      [LINES.registered, T],
      [LINES.active.replace('2 player(s)', '0 player(s)'), T + 60_000],
    ]);
    expect(logPlayerCount(presence, T + 60_000 + 21 * 60_000, { crossplay: true })).toBe('unknown');
    expect(logPlayerCount(fold([[LINES.registered, T]]), T + 1, { crossplay: true })).toBe('unknown');
  });

  it('clears connections on shutdown', () => {
    const presence = fold([
      [LINES.ready, T],
      [LINES.connected, T + 1],
      [LINES.shutdown, T + 2],
    ]);
    expect(logPlayerCount(presence, T + 3, { crossplay: false })).toBe(0);
  });
});
