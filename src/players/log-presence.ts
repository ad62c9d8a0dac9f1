import type { FeedLog } from '../records/feed.js';
import {
  type LogCharacters,
  NO_CHARACTERS,
  withConnect,
  withCountedLeave,
  withDisconnect,
  withSpawn,
} from './log-characters.js';
import type { LogEvent } from './server-log.js';
import type { StartLogMarks } from './start-lines.js';

/**
 * Who is on, according to the server log, folded from events as they arrive. Stored with the monitor's
 * state so each tick can read it. Timestamps are epoch milliseconds of the log events.
 *
 * Batches of lines can arrive out of order, so the count is derived, not accumulated: the newest
 * authoritative count line (` Connections N ZDOS:`, crossplay's `now N player(s)`, the shutdown) is the
 * base, and the connect and disconnect lines logged after it are replayed on top of it in log order, each
 * moving it by one. A connect or disconnect logged at or before the base is already part of it. The
 * result does not depend on the order the lines arrived in. The peer list holds one entry per open
 * connection: a client that reconnects before its old connection's "Closing socket" holds two for a moment,
 * and that close does not take the player off. The list never overrules the count, so a missed
 * "Closing socket" lasts until the next count line at the latest (10 minutes).
 */
export interface LogPresence {
  /** Task the events came from: a new task starts with a clean slate. */
  readonly taskId: string;
  /**
   * Open connections, oldest first, by peer (Steam IDs, or PlayFab platform IDs): a peer is listed once per
   * connection it holds. Derived.
   */
  readonly peers: readonly string[];
  /** The player count and the time of the newest line it rests on. Derived from `base` and `deltas`. */
  readonly count?: number;
  readonly countAt?: number;
  /** The newest authoritative count line. */
  readonly base?: { readonly count: number; readonly at: number };
  /** The peer list as of `settled.at`: connect and disconnect lines up to then, folded. */
  readonly settled?: { readonly at: number; readonly peers: readonly string[] };
  /** Connect and disconnect lines logged after `settled.at`, in log order (bounded by MAX_PEER_DELTAS). */
  readonly deltas?: readonly PeerDelta[];
  /** The last line that says somebody joined. */
  readonly lastJoinAt?: number;
  readonly joinCode?: string;
  /** When the current join code was logged. */
  readonly joinCodeAt?: number;
  /** When the server said it accepts players. */
  readonly readyAt?: number;
  /** The game build, from `Valheim version: …`. */
  readonly gameVersion?: string;
  readonly lastSaveAt?: number;
  /** The last failed save (the world is at risk). */
  readonly saveError?: { readonly at: number; readonly detail: string };
  /** When the game began shutting down (saves after this are the shutdown save). */
  readonly shutdownAt?: number;
  readonly lastEventAt?: number;
  /** Each connection's character name and end, for who played how long (src/players/log-characters.ts). */
  readonly characters?: LogCharacters;
  /** What the log said about the start so far (cache, steamcmd, world load), for the start's phases. */
  readonly start?: StartLogMarks;
  /** The build steamcmd left and its branch, from the start hook (src/game/hooks.ts). */
  readonly gameBuild?: { readonly build: string; readonly branch: string; readonly at: number };
  /** The copy of the world before a new build loaded it (or why it failed), from the start hook. */
  readonly preUpdate?: PreUpdateLine;
  /** Peers turned away for another game version: the newest refusal per peer (at most MAX_MISMATCHES). */
  readonly mismatches?: readonly VersionMismatch[];
  /** The activity feed's news from this task, for the monitor to post (src/players/log-feed.ts). */
  readonly feed?: FeedLog;
  /** What the mods' install said, and who was turned away for a mod or game version. */
  readonly mods?: ModsPresence;
}

export interface PreUpdateLine {
  readonly world: string;
  readonly fromBuild: string;
  readonly toBuild: string;
  readonly at: number;
  readonly snapshotId?: string;
  readonly failed?: string;
}

export interface VersionMismatch {
  readonly peerId: string;
  /** The server's version and the peer's, as Valheim logs them. */
  readonly mine: string;
  readonly remote: string;
  readonly at: number;
}

/** The most refused peers kept (the stored item stays small whatever a session's log holds). */
export const MAX_MISMATCHES = 16;
/** The mod lines of one task. */
export interface ModsPresence {
  /** The install refused the start (the first reason logged). */
  readonly refused?: { readonly at: number; readonly detail: string };
  readonly installed?: { readonly at: number; readonly mods: number; readonly bepinexPack: string };
  readonly gameChanged?: { readonly at: number; readonly from: string; readonly to: string };
  /** The latest kicks, oldest first (at most MAX_MOD_KICKS). */
  readonly kicks?: readonly ModKick[];
}

export type ModKick = Omit<Extract<LogEvent, { kind: 'mod-kick' }>, 'kind'> & { readonly at: number };

/** Kicks kept per task: the bot announces each once; a flood of retries must not grow the stored item. */
export const MAX_MOD_KICKS = 10;

/** One connect (`connected: true`) or disconnect line. */
export interface PeerDelta {
  readonly at: number;
  readonly peerId: string;
  readonly connected: boolean;
  /** A disconnect because the peer was turned away (wrong password): it may never have been a player. */
  readonly rejected?: boolean;
}

/** The most connect and disconnect lines kept between count lines (the stored item stays small). */
export const MAX_PEER_DELTAS = 64;

export function emptyPresence(taskId: string): LogPresence {
  return { taskId, peers: [] };
}

export function applyLogEvent(presence: LogPresence, event: LogEvent, at: number): LogPresence {
  const next: LogPresence = {
    ...presence,
    lastEventAt: Math.max(presence.lastEventAt ?? 0, at),
    // Players connecting or counted prove the server accepts them, should its readiness line be lost.
    ...((event.kind === 'player-count' || event.kind === 'connected') && { readyAt: presence.readyAt ?? at }),
  };
  switch (event.kind) {
    case 'player-count': {
      const joined = event.change === 'joined' ? { lastJoinAt: Math.max(presence.lastJoinAt ?? 0, at) } : {};
      const code = event.joinCode ? joinCode(presence, event.joinCode, at) : {};
      const left =
        event.change === 'left'
          ? { characters: withCountedLeave(presence.characters ?? NO_CHARACTERS, event.players, at) }
          : {};
      return withBase({ ...next, ...joined, ...code, ...left }, event.players, at);
    }
    case 'join-code':
      return derive({ ...next, readyAt: next.readyAt ?? at, ...joinCode(presence, event.joinCode, at) });
    case 'ready':
      return derive({ ...next, readyAt: next.readyAt ?? at });
    case 'connected':
      return withDelta(
        {
          ...next,
          lastJoinAt: Math.max(presence.lastJoinAt ?? 0, at),
          characters: withConnect(presence.characters ?? NO_CHARACTERS, event.peerId, at),
        },
        { at, peerId: event.peerId, connected: true },
      );
    case 'disconnected':
      return withDelta(
        { ...next, characters: withDisconnect(presence.characters ?? NO_CHARACTERS, event.peerId, at) },
        {
          at,
          peerId: event.peerId,
          connected: false,
          ...(event.rejected && { rejected: true }),
        },
      );
    case 'character':
      return { ...next, characters: withSpawn(presence.characters ?? NO_CHARACTERS, event.name, at) };
    case 'world-saved':
      return { ...next, lastSaveAt: Math.max(presence.lastSaveAt ?? 0, at) };
    case 'save-failed':
      return { ...next, saveError: { at, detail: event.detail } };
    case 'version':
      return { ...next, gameVersion: event.version };
    case 'shutdown':
      return { ...withBase(next, 0, at), shutdownAt: Math.min(presence.shutdownAt ?? at, at) };
    case 'game-build':
      return { ...next, gameBuild: { build: event.build, branch: event.branch, at } };
    case 'pre-update-copy': {
      const { kind: _kind, ...line } = event;
      // One copy per start; a repeated line (a retried batch) keeps the first.
      return presence.preUpdate ? next : { ...next, preUpdate: { ...line, at } };
    }
    case 'version-mismatch': {
      const others = (presence.mismatches ?? []).filter((known) => known.peerId !== event.peerId);
      const mine = { peerId: event.peerId, mine: event.mine, remote: event.remote, at };
      return { ...next, mismatches: [...others, mine].sort((a, b) => a.at - b.at).slice(-MAX_MISMATCHES) };
    }
    case 'death':
    case 'boss-defeated':
    case 'random-event':
      return next; // news for the feed (src/players/log-feed.ts), nothing about who is on
    case 'mods-refused':
      // The first reason: the fetch and the install may both say it.
      return presence.mods?.refused
        ? next
        : { ...next, mods: { ...presence.mods, refused: { at, detail: event.detail } } };
    case 'mods-installed':
      return {
        ...next,
        mods: { ...presence.mods, installed: { at, mods: event.mods, bepinexPack: event.bepinexPack } },
      };
    case 'mods-game-changed':
      return { ...next, mods: { ...presence.mods, gameChanged: { at, from: event.from, to: event.to } } };
    case 'mod-kick': {
      const { kind: _kind, ...kick } = event;
      const known = presence.mods?.kicks ?? [];
      // A retried batch delivers the same line twice: one kick.
      if (known.some((k) => k.at === at && k.peer === kick.peer && k.mod === kick.mod)) return next;
      const kicks = [...known, { ...kick, at }].sort((a, b) => a.at - b.at).slice(-MAX_MOD_KICKS);
      return { ...next, mods: { ...presence.mods, kicks } };
    }
  }
}

/** The stored form before the count was derived: its count becomes the base. */
function upgraded(presence: LogPresence): LogPresence {
  // (Every fold since writes `deltas`, so a count without it comes from the older form.)
  if (presence.deltas || presence.countAt === undefined) return presence;
  return {
    ...presence,
    base: { count: presence.count ?? 0, at: presence.countAt },
    settled: { at: presence.countAt, peers: presence.peers },
  };
}

const NO_PEERS = { at: Number.NEGATIVE_INFINITY, peers: [] as readonly string[] };

/** An authoritative count line: the base if it is newer than the last one (on a tie, the higher count). */
function withBase(presence: LogPresence, count: number, at: number): LogPresence {
  const current = upgraded(presence);
  const base = current.base;
  if (base && (base.at > at || (base.at === at && base.count >= count))) return derive(current);
  // The lines up to the previous base will not be reordered against it any more: settle them.
  const settled = base ? settle(current, base) : current;
  return derive({ ...settled, base: { count, at } });
}

/** Folds the connect and disconnect lines at or before `base` (and the base's reset to 0) into `settled`. */
function settle(presence: LogPresence, base: { count: number; at: number }): LogPresence {
  const settled = presence.settled ?? NO_PEERS;
  if (base.at <= settled.at) return presence;
  const deltas = presence.deltas ?? [];
  const older = deltas.filter((delta) => delta.at <= base.at);
  const peers = base.count === 0 ? [] : older.reduce(peersAfter, [...settled.peers]);
  return {
    ...presence,
    settled: { at: base.at, peers: boundedConnections(peers) },
    deltas: deltas.filter((delta) => delta.at > base.at),
  };
}

function withDelta(presence: LogPresence, delta: PeerDelta): LogPresence {
  const current = upgraded(presence);
  const settled = current.settled ?? NO_PEERS;
  if (delta.at <= settled.at) {
    // Too old to reorder: it only corrects the settled peer list (a count of 0 already says all are gone).
    if (current.base?.at === settled.at && current.base.count === 0) return derive(current);
    return derive({ ...current, settled: { at: settled.at, peers: peersAfter([...settled.peers], delta) } });
  }
  // The same line delivered twice (a retried batch) is one line, not a second connection.
  if ((current.deltas ?? []).some((known) => sameLine(known, delta))) return derive(current);
  const deltas = [...(current.deltas ?? []), delta].sort((a, b) => a.at - b.at);
  if (deltas.length <= MAX_PEER_DELTAS) return derive({ ...current, deltas });
  // Too many lines without a count line: the oldest becomes part of the base (and of the settled peers).
  const [oldest, ...rest] = deltas as [PeerDelta, ...PeerDelta[]];
  const later = rest.filter((d) => d.at > oldest.at);
  const through = derive({ ...current, deltas: deltas.filter((d) => d.at <= oldest.at) });
  if (current.base && oldest.at <= current.base.at) {
    // Logged before the base: it only ever mattered to the peer list.
    return derive({ ...current, settled: { at: oldest.at, peers: through.peers }, deltas: later });
  }
  return derive({
    ...current,
    base: { count: through.count ?? 0, at: oldest.at },
    settled: { at: oldest.at, peers: through.peers },
    deltas: later,
  });
}

function sameLine(a: PeerDelta, b: PeerDelta): boolean {
  return a.at === b.at && a.peerId === b.peerId && a.connected === b.connected && a.rejected === b.rejected;
}

/** The open connections after one connect or disconnect line, ignoring the count. */
function peersAfter(peers: string[], delta: PeerDelta): string[] {
  if (delta.connected) return [...peers, delta.peerId];
  return withoutOne(peers, delta.peerId);
}

/** The list without one connection of `peerId` (its oldest). */
function withoutOne(peers: readonly string[], peerId: string): string[] {
  const index = peers.indexOf(peerId);
  return index < 0 ? [...peers] : [...peers.slice(0, index), ...peers.slice(index + 1)];
}

/**
 * A client holds two connections at most (for a moment, while it reconnects). More entries for one peer are
 * closes the log never showed (crossplay logs none per peer): the oldest are dropped, so the stored list stays
 * small over a long session. Listing a peer that is gone only ever makes the count higher until a count line.
 */
const MAX_CONNECTIONS_PER_PEER = 2;

function boundedConnections(peers: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = peers.length - 1; i >= 0; i--) {
    const peer = peers[i] as string;
    if (kept.filter((known) => known === peer).length < MAX_CONNECTIONS_PER_PEER) kept.unshift(peer);
  }
  return kept;
}

/** How many distinct peers hold a connection. */
function distinct(peers: readonly string[]): number {
  return new Set(peers).size;
}

/**
 * Replays the settled peers, the base and the later connect and disconnect lines in log order into
 * `peers`, `count` and `countAt`. Before any count line the count starts at 0 at readiness.
 */
function derive(presence: LogPresence): LogPresence {
  const { base } = presence;
  const settled = presence.settled ?? NO_PEERS;
  let peers = [...settled.peers];
  let count: number | undefined = base && base.at <= settled.at ? base.count : undefined;
  let countAt: number | undefined = count === undefined ? undefined : base?.at;
  let baseApplied = count !== undefined || !base;
  // Peers whose connect line moved the count up after the base: only their rejection takes it down again.
  const countedAfterBase = new Set<string>();
  if (!base) {
    count = presence.readyAt === undefined ? undefined : 0;
    countAt = presence.readyAt;
  }
  for (const delta of presence.deltas ?? []) {
    if (!baseApplied && base && delta.at > base.at) {
      baseApplied = true;
      count = base.count;
      countAt = base.at;
      if (base.count === 0) peers = [];
    }
    if (!baseApplied) {
      peers = peersAfter(peers, delta);
      continue;
    }
    const known = peers.includes(delta.peerId);
    if (delta.connected) {
      // A listed peer connecting again is a reconnect (the new connection before the old one's close): same
      // player, no change. Unless the count says some listed peers are gone: then it may be one of them back,
      // and counting it is the safe side (the next count line settles it).
      const rejoined = known && distinct(peers) > (count ?? 0);
      peers = [...peers, delta.peerId];
      if (known && !rejoined) {
        countAt = Math.max(countAt ?? delta.at, delta.at);
        continue;
      }
      countedAfterBase.add(delta.peerId);
      count = (count ?? 0) + 1;
    } else {
      if (!known) continue;
      peers = withoutOne(peers, delta.peerId);
      // The old connection of a client that reconnected: the player is still on.
      if (peers.includes(delta.peerId)) {
        countAt = Math.max(countAt ?? delta.at, delta.at);
        continue;
      }
      // A peer turned away that connected before the base may not be in its count (the count line can fall
      // between its connect and the rejection): never take a player off for it; the next count line settles it.
      if (delta.rejected && !countedAfterBase.has(delta.peerId)) continue;
      countedAfterBase.delete(delta.peerId);
      count = Math.max(0, (count ?? 1) - 1);
    }
    countAt = Math.max(countAt ?? delta.at, delta.at);
  }
  if (!baseApplied && base) {
    count = base.count;
    countAt = base.at;
    if (base.count === 0) peers = [];
  }
  const { count: _count, countAt: _countAt, ...rest } = presence;
  return {
    ...rest,
    peers,
    deltas: presence.deltas ?? [],
    ...(count !== undefined && { count }),
    ...(countAt !== undefined && { countAt }),
  };
}

function joinCode(presence: LogPresence, code: string, at: number): Partial<LogPresence> {
  // The later line wins: a "Created new join code" replaces the code players had.
  if (presence.joinCodeAt !== undefined && presence.joinCodeAt > at) return {};
  return { joinCode: code, joinCodeAt: at };
}

/**
 * A count older than this is no longer trusted: the ` Connections N ZDOS:` line comes every 10 minutes in
 * every mode, so two missed ones mean a hung game or a lost log.
 */
export const COUNT_MAX_AGE_MS = 20 * 60_000;

/** The player count the log supports right now, or 'unknown' (before readiness, or when it went stale). */
export function logPlayerCount(
  presence: LogPresence | undefined,
  now: number,
  maxAgeMs: number = COUNT_MAX_AGE_MS,
): number | 'unknown' {
  if (presence?.readyAt === undefined || presence.count === undefined || presence.countAt === undefined) {
    return 'unknown';
  }
  return now - presence.countAt <= maxAgeMs ? presence.count : 'unknown';
}

/** Whether a save line was logged after the game began shutting down (undefined: no shutdown seen). */
export function savedDuringShutdown(presence: LogPresence | undefined): boolean | undefined {
  if (presence?.shutdownAt === undefined) return undefined;
  return presence.lastSaveAt !== undefined && presence.lastSaveAt >= presence.shutdownAt;
}
