import type { FeedEvent, FeedLog } from '../records/feed.js';
import type { CharacterConnection } from './log-characters.js';
import type { LogPresence } from './log-presence.js';
import type { LogEvent } from './server-log.js';

/**
 * The activity feed's news, derived while the log processor folds a line into the presence: joins and leaves
 * by character name (from the connections log-characters.ts names), deaths, boss kills, raids and saves. The
 * news is kept with the presence, numbered in the order it was stored, for the monitor to post in per-minute
 * batches. A batch CloudWatch delivers again adds nothing: joins and leaves come from changes of the
 * connections (which a repeated line does not change), the other news is recognised by its log time.
 */

/** The newest news kept (the monitor takes it within a minute or two; older is no news any more). */
export const MAX_FEED_EVENTS = 50;
/** The two lines of one save before Valheim 1.0 ("World saved", "Saved N zdos") are one save. */
const SAME_SAVE_MS = 10_000;

type News = FeedEvent extends infer E ? (E extends FeedEvent ? Omit<E, 'seq' | 'storedAt'> : never) : never;

/**
 * `after` (the presence with `event` folded in) with the news `event` brought, given `before` (the presence
 * as it was). `storedAt` is the log processor's clock.
 */
export function withFeedNews(
  before: LogPresence,
  after: LogPresence,
  event: LogEvent,
  at: number,
  storedAt: number,
): LogPresence {
  const news = newsOf(before, after, event, at);
  if (news.length === 0) return after;
  let feed: FeedLog = after.feed ?? { nextSeq: 1, events: [] };
  for (const item of news) {
    if (feed.events.some((known) => isRepeat(known, item))) continue;
    const stored = { ...item, seq: feed.nextSeq, storedAt } as FeedEvent;
    feed = { nextSeq: feed.nextSeq + 1, events: [...feed.events, stored].slice(-MAX_FEED_EVENTS) };
  }
  return feed === after.feed ? after : { ...after, feed };
}

/**
 * The news that counts, oldest first: of a connection's joins and leaves only the newest (a rename after a
 * late line replaces what was told before), and a leave that was told of under a name a later line took back.
 */
export function currentNews(events: readonly FeedEvent[]): FeedEvent[] {
  const newest = new Map<string, number>();
  for (const event of events) {
    if ((event.type === 'join' || event.type === 'leave') && event.connection) {
      const key = `${event.type}:${event.connection}`;
      newest.set(key, Math.max(newest.get(key) ?? 0, event.seq));
    }
  }
  return events
    .filter(
      (event) =>
        !((event.type === 'join' || event.type === 'leave') && event.connection) ||
        newest.get(`${event.type}:${event.connection}`) === event.seq,
    )
    .sort((a, b) => a.at - b.at || a.seq - b.seq);
}

function newsOf(before: LogPresence, after: LogPresence, event: LogEvent, at: number): News[] {
  switch (event.kind) {
    case 'death':
      return event.name ? [{ type: 'death', at, name: event.name }] : [];
    case 'boss-defeated':
      return [{ type: 'boss', at, key: event.key }];
    case 'random-event':
      return [{ type: 'raid', at, event: event.event }];
    case 'world-saved':
      // The save during shutdown is the stop notice's ("The world is saved").
      return after.shutdownAt !== undefined && at >= after.shutdownAt ? [] : [{ type: 'save', at }];
    case 'shutdown':
      return []; // everyone leaves with the server: the stop notice says so
    default:
      return connectionNews(before, after, event, at);
  }
}

/**
 * Joins (a connection got its character's name) and leaves (a named connection ended). A connection that ends
 * before its name is known (batches arrive out of order) is news once the name comes. Crossplay's `Player
 * connection lost …, now N player(s)` names nobody: when several players were on, the connection
 * log-characters.ts ends is a guess (`endGuessed`), so that leave goes out without a name, at once.
 */
function connectionNews(before: LogPresence, after: LogPresence, event: LogEvent, at: number): News[] {
  const previous = before.characters?.connections ?? [];
  const players = event.kind === 'player-count' ? { players: event.players } : {};
  const news: News[] = [];
  for (const connection of after.characters?.connections ?? []) {
    const was = previous.find((c) => sameConnection(c, connection));
    const { name, endedAt } = connection;
    const key = connectionKey(connection);
    // Named now, or renamed: a line that arrived late (a connect, a spawn) changed who is who.
    const named = name !== undefined && was?.name !== name;
    const ended = endedAt !== undefined && was?.endedAt === undefined;
    if (named) news.push({ type: 'join', at: connection.connectedAt ?? at, name, connection: key });
    if (endedAt === undefined || !(named || ended) || reconnected(connection, after)) continue;
    if (connection.endGuessed) {
      if (ended) news.push({ type: 'leave', at: endedAt, ...players });
    } else if (name !== undefined) {
      news.push({ type: 'leave', at: endedAt, name, connection: key, ...(ended && players) });
    }
  }
  return news;
}

/**
 * The peer connected again before this connection's close was logged (a client reconnecting holds two
 * connections for a moment): the close is no leave. Read from the connect and disconnect lines kept since the
 * last count line; older ones are settled, and then a close counts as a leave.
 */
function reconnected(connection: CharacterConnection, after: LogPresence): boolean {
  const { connectedAt, endedAt, peerId } = connection;
  if (connectedAt === undefined || endedAt === undefined) return false;
  let open = 0;
  for (const delta of after.deltas ?? []) {
    if (delta.peerId !== peerId || delta.at <= connectedAt || delta.at > endedAt) continue;
    if (delta.connected) open++;
    else if (delta.at < endedAt) open = Math.max(0, open - 1);
  }
  return open > 0;
}

function connectionKey(connection: CharacterConnection): string {
  return `${connection.peerId}@${connection.connectedAt ?? connection.endedAt ?? 0}`;
}

function sameConnection(a: CharacterConnection, b: CharacterConnection): boolean {
  if (a.peerId !== b.peerId) return false;
  if (a.connectedAt !== undefined && b.connectedAt !== undefined) return a.connectedAt === b.connectedAt;
  // The disconnect arrived before the connect: the waiting entry has only its end.
  return a.connectedAt === undefined && a.endedAt === b.endedAt;
}

/** The same news delivered twice (a retried batch, or the two lines of one save). */
function isRepeat(known: FeedEvent, news: News): boolean {
  if (known.type !== news.type) return false;
  switch (news.type) {
    case 'save':
      return Math.abs(known.at - news.at) <= SAME_SAVE_MS;
    case 'death':
      return known.type === 'death' && known.at === news.at && known.name === news.name;
    case 'boss':
      return known.type === 'boss' && known.at === news.at && known.key === news.key;
    case 'raid':
      return known.type === 'raid' && known.at === news.at && known.event === news.event;
    case 'join':
      return known.type === 'join' && known.connection === news.connection && known.name === news.name;
    case 'leave':
      return (
        known.type === 'leave' &&
        known.at === news.at &&
        known.name === news.name &&
        known.connection === news.connection
      );
  }
}
