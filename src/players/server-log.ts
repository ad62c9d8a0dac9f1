import type { FeedKind } from '../records/feed.js';
import { MOD_FILTER_ALTERNATIVES, type ModLogEvent, parseModLine } from './mod-lines.js';
import { START_LOG_FILTER_ALTERNATIVES } from './start-lines.js';

/**
 * Reads the Valheim server's log lines (as the container prints them) into the events the bot cares about.
 * Crossplay servers always report 0 players over the query protocol, and private servers do not answer it:
 * for them the log is the only count. Every line is matched on Valheim's own message, never on the image's
 * syslog prefix (whose shape changed over the years).
 */

export type LogEvent =
  /**
   * A line that carries the live player count: the periodic ` Connections N ZDOS:` line, or with crossplay
   * (PlayFab) the join/leave/new-session lines ending in `now N player(s)`.
   */
  | {
      readonly kind: 'player-count';
      readonly players: number;
      readonly change: 'joined' | 'left' | 'session' | 'periodic';
      readonly joinCode?: string;
    }
  /** The join code players need with crossplay; also means the server accepts players. */
  | { readonly kind: 'join-code'; readonly joinCode: string; readonly renewed: boolean }
  /** The server is connected to Steam and accepts players. */
  | { readonly kind: 'ready' }
  /** A Steam peer, or with crossplay a PlayFab peer named by its platform ID (Steam_…, Xbox_…). */
  | { readonly kind: 'connected'; readonly peerId: string }
  /** A peer left; `rejected` when it was turned away (wrong password) and so may never have been counted. */
  | { readonly kind: 'disconnected'; readonly peerId: string; readonly rejected?: boolean }
  /** A character's first spawn on a connection (`Got character ZDOID from <Name> : <n>:1`). */
  | { readonly kind: 'character'; readonly name: string }
  /** A character died: its ZDOID is reset (`Got character ZDOID from <Name> : 0:0`). Forwarded for the feed only. */
  | { readonly kind: 'death'; readonly name: string }
  /** A boss was killed: the game set its global key (`Setting global key defeated_<boss>`). For the feed only. */
  | { readonly kind: 'boss-defeated'; readonly key: string }
  /** A raid began (`Random event set:<event>`). For the feed only. */
  | { readonly kind: 'random-event'; readonly event: string }
  | { readonly kind: 'world-saved' }
  | { readonly kind: 'save-failed'; readonly detail: string }
  | { readonly kind: 'version'; readonly version: string }
  | { readonly kind: 'shutdown' }
  /** The start hook's line (src/game/hooks.ts): the build steamcmd left, and the branch it came from. */
  | { readonly kind: 'game-build'; readonly build: string; readonly branch: string }
  /** The world was copied before a new build loaded it (`snapshotId` once uploaded), or the copy failed. */
  | {
      readonly kind: 'pre-update-copy';
      readonly world: string;
      readonly fromBuild: string;
      readonly toBuild: string;
      readonly snapshotId?: string;
      readonly failed?: string;
    }
  /** A peer was turned away because its game version differs (Valheim's own line, before any password). */
  | {
      readonly kind: 'version-mismatch';
      readonly peerId: string;
      readonly mine: string;
      readonly remote: string;
    }
  /** The mods' install and the players it turned away (src/players/mod-lines.ts). */
  | ModLogEvent;

type Build = (match: RegExpExecArray) => LogEvent | undefined;

const COUNT_CHANGE: Record<string, 'joined' | 'left' | 'session'> = {
  'Player joined': 'joined',
  'Player connection lost': 'left',
  'New session': 'session',
};

const PATTERNS: ReadonlyArray<readonly [RegExp, Build]> = [
  [/Game server connected\b/, () => ({ kind: 'ready' })],
  [
    /(Player joined|Player connection lost|New session) server ".*?"(?: that has join code (\d*))?, now (\d+) player\(s\)/,
    (m) => ({
      kind: 'player-count',
      change: COUNT_CHANGE[m[1] ?? ''] ?? 'session',
      players: Number(m[3]),
      ...(m[2] && { joinCode: m[2] }),
    }),
  ],
  [
    /Session ".*" registered with join code (\d+)/,
    (m) => ({ kind: 'join-code', joinCode: m[1] ?? '', renewed: false }),
  ],
  [
    /Created new join code (\d+) for session/,
    (m) => ({ kind: 'join-code', joinCode: m[1] ?? '', renewed: true }),
  ],
  // Printed rarely (once after registration), so it is no heartbeat: only its join code is used.
  [
    /Session ".*" with join code (\d+) and IP \S+ is active with \d+ player\(s\)/,
    (m) => ({ kind: 'join-code', joinCode: m[1] ?? '', renewed: false }),
  ],
  [/Got connection SteamID (\d+)/, (m) => ({ kind: 'connected', peerId: m[1] ?? '' })],
  [/Closing socket (\d+)/, (m) => ({ kind: 'disconnected', peerId: m[1] ?? '' })],
  [
    /PlayFab socket with remote ID \S+ received local Platform ID (\S+)/,
    (m) => ({ kind: 'connected', peerId: m[1] ?? '' }),
  ],
  // A character's first spawn on a connection: its ZDOID is the first object that client created (`<owner>:1`).
  // Respawns (a later ID) are left out: they only cost invocations. Deaths (`0:0`) are the feed's (below).
  [
    /Got character ZDOID from (.+) : -?[1-9]\d*:1$/,
    (m) => ({ kind: 'character', name: (m[1] ?? '').trim() }),
  ],
  [/Got character ZDOID from (.+) : 0:0$/, (m) => ({ kind: 'death', name: (m[1] ?? '').trim() })],
  // Global keys also mark world modifiers and (before 0.217) kills of common monsters: only boss kills count.
  [/Setting global key (defeated_\w+)/, (m) => ({ kind: 'boss-defeated', key: m[1] ?? '' })],
  [/Random event set:\s*([A-Za-z]\w*)/, (m) => ({ kind: 'random-event', event: m[1] ?? '' })],
  [/Peer (\S+) has wrong password/, (m) => ({ kind: 'disconnected', peerId: m[1] ?? '', rejected: true })],
  // The dungeon generator prints a bare "Connections N" (no ZDOS:): not a player count.
  [
    /Connections\s+(\d+)\s+ZDOS:/,
    (m) => ({ kind: 'player-count', change: 'periodic', players: Number(m[1]) }),
  ],
  [/World saved\b|Saved \d+ [zZ][dD][oO]s\b/, () => ({ kind: 'world-saved' })],
  // Valheim 1.0 saves in five steps; only the last one means the world is on disk.
  [/World save \((\d+)\/(\d+)\) done/, (m) => (m[1] === m[2] ? { kind: 'world-saved' } : undefined)],
  [/Error saving world!?\s*(.*)/, (m) => ({ kind: 'save-failed', detail: (m[1] ?? '').trim() })],
  [/Valheim version: ?(\S+)/, (m) => ({ kind: 'version', version: m[1] ?? '' })],
  // Valheim (ZNet): "Peer 76561198058880519 has incompatible version, mine:0.217.38 (network version 20)   remote
  // 0.217.46 (network version 23)"; before network versions (2021): "mine:0.147.3 remote 0.147.3@0.9.3". The
  // name is the peer's socket name, which can be empty ("Peer  has …"): such refusals share one peer id "".
  [
    /Peer (\S*) ?has incompatible version, mine:(\S+)(?: \(network version \w+\))?\s+remote (\S+)/,
    (m) => ({ kind: 'version-mismatch', peerId: m[1] ?? '', mine: m[2] ?? '', remote: m[3] ?? '' }),
  ],
  [
    /valheim-ondemand: game build (\d+) on branch ([a-z0-9_-]+)/,
    (m) => ({ kind: 'game-build', build: m[1] ?? '', branch: m[2] ?? '' }),
  ],
  [
    /valheim-ondemand: pre-update copy (\S+) of world (\S+) made in \d+ s \(build (\d+) -> (\d+)\)/,
    (m) => ({
      kind: 'pre-update-copy',
      snapshotId: m[1] ?? '',
      world: m[2] ?? '',
      fromBuild: m[3] ?? '',
      toBuild: m[4] ?? '',
    }),
  ],
  [
    /valheim-ondemand: pre-update copy of world (\S+) failed \(build (\d+) -> (\d+)\): ?(.*)/,
    (m) => ({
      kind: 'pre-update-copy',
      world: m[1] ?? '',
      fromBuild: m[2] ?? '',
      toBuild: m[3] ?? '',
      failed: (m[4] ?? '').trim() || 'no reason given',
    }),
  ],
  [/OnApplicationQuit|ZNet Shutdown/, () => ({ kind: 'shutdown' })],
];

export function parseLogLine(line: string): LogEvent | undefined {
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(line);
    if (match) return build(match);
  }
  return parseModLine(line);
}

/**
 * The alternatives of the subscription filter, one per kind of line `parseLogLine` reads, and the start-up lines
 * `applyStartLine` reads. CloudWatch's filter
 * regex allows no spaces, quotes or parentheses, so `.` stands for each of them; the terms are chosen so that
 * the noise the parser would throw away (respawns, deaths, the dungeon generator's bare "Connections N", mods'
 * "Saved N map points", the four intermediate steps of a 1.0 save) does not get through: every forwarded line
 * costs a Lambda invocation.
 */
export const SPAWN_ALTERNATIVE = 'Got.character.ZDOID.from.+.:.-?[1-9][0-9]*:1$';

const FILTER_ALTERNATIVES = [
  'Game.server.connected',
  ',.now.[0-9]+.player',
  'registered.with.join.code',
  'Created.new.join.code',
  'is.active.with.[0-9]+.player',
  'Got.connection.SteamID',
  'Closing.socket.[0-9]',
  'received.local.Platform.ID',
  'has.wrong.password',
  // One line per connection (its first spawn), for who played how long.
  SPAWN_ALTERNATIVE,
  'Connections.{1,2}[0-9]+.{1,2}ZDOS:',
  'World.saved',
  'Saved.[0-9]+.[zZ][dD][oO]s',
  'World.save..[0-9]+/[0-9]+..done',
  'Error.saving.world',
  'Valheim.version',
  // (A player turned away for another game version: MOD_FILTER_ALTERNATIVES' has.incompatible.version.)
  // The start hook's build line and its pre-update copy (src/game/hooks.ts).
  'valheim-ondemand:.game.build.[0-9]',
  'valheim-ondemand:.pre-update.copy',
  'OnApplicationQuit',
  'ZNet.Shutdown',
  // The start-up lines that time a start's phases (src/monitor/start-phases.ts).
  ...START_LOG_FILTER_ALTERNATIVES,
  // The mods' install, and players turned away for a mod or game version.
  ...MOD_FILTER_ALTERNATIVES,
] as const;

/**
 * The feed's own lines, forwarded only when the group opted into that kind (and has not muted it): each costs
 * invocations, and nothing else needs them. Joins, leaves and saves are forwarded anyway (the player count and
 * the stop notice read them).
 */
export const FEED_FILTER_ALTERNATIVES = {
  deaths: 'Got.character.ZDOID.from.+.:.0:0$',
  bosses: 'Setting.global.key.defeated_',
  raids: 'Random.event.set:[A-Za-z]',
} as const satisfies Partial<Record<FeedKind, string>>;

/** The kinds of news whose lines only the feed needs. */
export type FilteredFeedKind = keyof typeof FEED_FILTER_ALTERNATIVES;

const FEED_EVENT_KINDS: Record<FilteredFeedKind, LogEvent['kind']> = {
  deaths: 'death',
  bosses: 'boss-defeated',
  raids: 'random-event',
};

/**
 * The CloudWatch Logs subscription filter pattern (one regex) that forwards exactly the lines above, and the
 * feed's lines of the kinds given.
 */
export function logFilterPattern(feedKinds: readonly FeedKind[] = []): string {
  const feed = (Object.keys(FEED_FILTER_ALTERNATIVES) as FilteredFeedKind[])
    .filter((kind) => feedKinds.includes(kind))
    .map((kind) => FEED_FILTER_ALTERNATIVES[kind]);
  return `%${[...FILTER_ALTERNATIVES, ...feed].join('|')}%`;
}

/** The pattern for the kinds a group opted into, less those an operator muted from Discord. */
export function feedFilterPattern(kinds: readonly FeedKind[], muted: readonly FeedKind[]): string {
  return logFilterPattern(kinds.filter((kind) => !muted.includes(kind)));
}

/** The pattern without any of the feed's own lines. */
export const LOG_FILTER_PATTERN = logFilterPattern();

/** Whether an event's line is forwarded by the filter of `logFilterPattern(feedKinds)`. */
export function isForwardedEvent(event: LogEvent, feedKinds: readonly FeedKind[]): boolean {
  const kind = (Object.keys(FEED_EVENT_KINDS) as FilteredFeedKind[]).find(
    (feedKind) => FEED_EVENT_KINDS[feedKind] === event.kind,
  );
  return kind === undefined || feedKinds.includes(kind);
}
