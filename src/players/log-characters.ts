/**
 * Who played how long, from the server log: each connection gets the character name of the first spawn
 * after it, and ends at its peer's disconnect (or the shutdown). Folded as lines arrive, in any order, into
 * a small record stored with the presence.
 */

/** One connection of a peer (Steam ID, or crossplay platform ID), and the character it played. */
export interface CharacterConnection {
  readonly peerId: string;
  /** Epoch ms of the connect line; undefined while only the disconnect line has arrived. */
  readonly connectedAt?: number;
  readonly endedAt?: number;
  readonly name?: string;
  /**
   * The end is the log's best guess: crossplay's `Player connection lost` names nobody, and more than one
   * connection was open then, or an earlier end was such a guess (see withCountedLeave).
   */
  readonly endGuessed?: boolean;
}

/** A character's first spawn on a connection. */
export interface Spawn {
  readonly name: string;
  readonly at: number;
}

export interface LogCharacters {
  /** Oldest first (bounded by MAX_CONNECTIONS). */
  readonly connections: readonly CharacterConnection[];
  /** Spawns that no connection could take yet (their connect line is in a batch still to come). */
  readonly unplaced: readonly Spawn[];
  /**
   * Every spawn kept (the newest MAX_CONNECTIONS), oldest first. Names are placed again from them whenever a
   * line arrives, so who is called what does not depend on the order the batches arrived in. Absent in
   * records stored before: their names stand.
   */
  readonly spawns?: readonly Spawn[];
}

/** The most connections (and waiting spawns) kept, so the stored item stays small. */
export const MAX_CONNECTIONS = 32;
/** Names are cut to this many characters (Valheim allows longer names than anyone needs). */
export const MAX_NAME_LENGTH = 64;

export const NO_CHARACTERS: LogCharacters = { connections: [], unplaced: [] };

export function withConnect(characters: LogCharacters, peerId: string, at: number): LogCharacters {
  const { connections } = characters;
  // The disconnect of this connection may have arrived first: it waits as a connection with no start.
  const waiting = connections.findIndex(
    (c) => c.peerId === peerId && c.connectedAt === undefined && (c.endedAt ?? at) >= at,
  );
  if (waiting >= 0) {
    const next = connections.map((c, i) => (i === waiting ? { ...c, connectedAt: at } : c));
    return placeSpawns({ ...characters, connections: sorted(next) });
  }
  if (connections.some((c) => c.peerId === peerId && isOpenAt(c, at))) return characters; // a repeated line
  return placeSpawns({
    ...characters,
    connections: capped(sorted([...connections, { peerId, connectedAt: at }])),
  });
}

export function withDisconnect(characters: LogCharacters, peerId: string, at: number): LogCharacters {
  const { connections } = characters;
  // The newest connection of that peer logged before the disconnect.
  let index = -1;
  connections.forEach((c, i) => {
    if (c.peerId === peerId && c.connectedAt !== undefined && c.connectedAt <= at) index = i;
  });
  const found = connections[index];
  if (found && (found.endedAt === undefined || found.endedAt > at)) {
    return placeSpawns({
      ...characters,
      connections: connections.map((c, i) => (i === index ? { ...c, endedAt: at } : c)),
    });
  }
  if (found) return characters;
  return placeSpawns({
    ...characters,
    connections: capped(sorted([...connections, { peerId, endedAt: at }])),
  });
}

/**
 * Crossplay's `Player connection lost …, now N player(s)` names nobody. When more connections are open than
 * the count says, the oldest open crossplay connection ends: the log allows no better, and the hours summed
 * over everyone stay right.
 */
export function withCountedLeave(characters: LogCharacters, players: number, at: number): LogCharacters {
  const { connections } = characters;
  const open = connections.filter(
    (c) => c.connectedAt !== undefined && c.connectedAt <= at && (c.endedAt === undefined || c.endedAt > at),
  );
  const leaving = open.find((c) => !STEAM_ID.test(c.peerId));
  if (open.length <= players || !leaving) return characters;
  // One connection open is the one that ended, unless an earlier guess ended the wrong one before.
  const guessed = open.length > 1 || connections.some((c) => c.endGuessed) ? { endGuessed: true } : {};
  return {
    ...characters,
    connections: connections.map((c) => (c === leaving ? { ...c, endedAt: at, ...guessed } : c)),
  };
}

/** Steam peers are named by their bare SteamID; crossplay peers by a platform ID such as `Steam_7656…`. */
const STEAM_ID = /^\d+$/;

export function withSpawn(characters: LogCharacters, rawName: string, at: number): LogCharacters {
  const name = [...rawName].slice(0, MAX_NAME_LENGTH).join('');
  if (name === '') return characters;
  const known = spawnsOf(characters);
  if (known.some((spawn) => spawn.name === name && spawn.at === at)) return characters; // a repeated line
  const spawns = [...known, { name, at }].sort((a, b) => a.at - b.at).slice(-MAX_CONNECTIONS);
  return placeSpawns({ ...characters, spawns });
}

/** The spawns of a record; for one stored before `spawns` existed, those its names and waiting spawns imply. */
function spawnsOf(characters: LogCharacters): readonly Spawn[] {
  if (characters.spawns) return characters.spawns;
  const named = characters.connections.flatMap((c) =>
    c.name !== undefined && c.connectedAt !== undefined ? [{ name: c.name, at: c.connectedAt }] : [],
  );
  return [...named, ...characters.unplaced].sort((a, b) => a.at - b.at);
}

/**
 * Names the connections from the spawns, in log order, from scratch. A respawn (the name already plays on a
 * connection open then) is dropped. Otherwise the name goes to the oldest unnamed connection open at the
 * spawn: with Steam the spawn follows its own peer's connect line, and with several peers unnamed at once
 * (crossplay's platform ID lines, or two Steam joins at the same moment) the log has nothing tying a name to
 * a peer, so the oldest is the best the log allows. A spawn no connection can take yet waits (its connect
 * line is in a batch still to come). A record stored before `spawns` existed keeps its names.
 */
function placeSpawns(characters: LogCharacters): LogCharacters {
  if (!characters.spawns) {
    if (characters.unplaced.length === 0) return characters;
    return placeSpawns({ ...characters, spawns: spawnsOf(characters) });
  }
  const connections = characters.connections.map(({ name: _name, ...connection }) => connection);
  const named: CharacterConnection[] = [...connections];
  const unplaced: Spawn[] = [];
  for (const spawn of characters.spawns) {
    if (named.some((c) => c.name === spawn.name && isOpenAt(c, spawn.at))) continue;
    const index = named.findIndex((c) => c.name === undefined && isOpenAt(c, spawn.at));
    const connection = named[index];
    if (connection) named[index] = { ...connection, name: spawn.name };
    else unplaced.push(spawn);
  }
  return { connections: named, unplaced, spawns: characters.spawns };
}

function isOpenAt(connection: CharacterConnection, at: number): boolean {
  return (
    connection.connectedAt !== undefined &&
    connection.connectedAt <= at &&
    (connection.endedAt === undefined || connection.endedAt >= at)
  );
}

function sorted(connections: readonly CharacterConnection[]): CharacterConnection[] {
  return [...connections].sort(
    (a, b) => (a.connectedAt ?? a.endedAt ?? 0) - (b.connectedAt ?? b.endedAt ?? 0),
  );
}

/** Drops the oldest connections beyond the cap, ended ones first. */
function capped(connections: CharacterConnection[]): CharacterConnection[] {
  const next = [...connections];
  while (next.length > MAX_CONNECTIONS) {
    const ended = next.findIndex((c) => c.endedAt !== undefined);
    next.splice(ended >= 0 ? ended : 0, 1);
  }
  return next;
}

/**
 * Minutes per character name within [from, to]. A connection still open ends at the shutdown, if the log
 * showed one, or at `to`.
 */
export function characterMinutes(
  characters: LogCharacters | undefined,
  from: number,
  to: number,
  shutdownAt?: number,
): Record<string, number> {
  // A Map, so a character named `__proto__` is just a name.
  const minutes = new Map<string, number>();
  for (const c of characters?.connections ?? []) {
    if (c.name === undefined || c.connectedAt === undefined) continue;
    const start = Math.max(c.connectedAt, from);
    const end = Math.min(c.endedAt ?? shutdownAt ?? to, to);
    if (end <= start) continue;
    minutes.set(c.name, (minutes.get(c.name) ?? 0) + (end - start) / 60_000);
  }
  return Object.fromEntries([...minutes].map(([name, value]) => [name, Math.round(value)]));
}
