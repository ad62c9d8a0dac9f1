import { createSocket, type Socket } from 'node:dgram';
import { crc32 } from 'node:zlib';

/**
 * A small client for Valve's server query protocol (A2S_INFO and A2S_PLAYER over UDP, with the challenge
 * handshake), which a public Valheim server answers on its game port + 1. Small on purpose: it runs in the
 * monitor Lambda on every tick, where gamedig (the general game-query library) would add ~960 KiB to the bundle
 * and ~80 ms to a cold start, and gives up after two renewed challenges (docs/architecture.md has the numbers).
 *
 * A query that times out or returns garbage throws: for the monitor that means "unknown", never "zero".
 */

/**
 * Whether the query protocol gives a server's player count: private servers do not answer it, and crossplay
 * servers always report 0 players.
 */
export function answersQueries(server: { readonly public: boolean; readonly crossplay: boolean }): boolean {
  return server.public && !server.crossplay;
}

export interface ServerInfo {
  readonly name: string;
  readonly map: string;
  readonly game: string;
  readonly players: number;
  readonly maxPlayers: number;
  readonly version: string;
  /** Game port reported by the server (extra data), if present. */
  readonly port?: number;
  readonly keywords?: string;
}

export interface PlayerEntry {
  /** Valheim reports empty names; counts are what matter. */
  readonly name: string;
  readonly score: number;
  readonly durationSeconds: number;
}

export interface QueryOptions {
  /** Total time for one query, challenge round-trip included. @default 3000 */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export class QueryError extends Error {
  override readonly name = 'QueryError';
}

const HEADER = Buffer.from([0xff, 0xff, 0xff, 0xff]);
const SPLIT_HEADER = Buffer.from([0xfe, 0xff, 0xff, 0xff]);
const A2S_INFO = 0x54;
const A2S_PLAYER = 0x55;
const S2C_CHALLENGE = 0x41;
const S2A_INFO = 0x49;
const S2A_PLAYER = 0x44;
const INFO_PAYLOAD = Buffer.from('Source Engine Query\0', 'latin1');
const NO_CHALLENGE = Buffer.from([0xff, 0xff, 0xff, 0xff]);

export async function queryInfo(host: string, port: number, options: QueryOptions = {}): Promise<ServerInfo> {
  const reply = await exchange(
    host,
    port,
    (challenge) =>
      Buffer.concat([HEADER, Buffer.from([A2S_INFO]), INFO_PAYLOAD, challenge ?? Buffer.alloc(0)]),
    S2A_INFO,
    options,
  );
  return parseInfo(reply);
}

export async function queryPlayers(
  host: string,
  port: number,
  options: QueryOptions = {},
): Promise<PlayerEntry[]> {
  const reply = await exchange(
    host,
    port,
    (challenge) => Buffer.concat([HEADER, Buffer.from([A2S_PLAYER]), challenge ?? NO_CHALLENGE]),
    S2A_PLAYER,
    options,
  );
  return parsePlayers(reply);
}

/** Answering more challenges than this means the server (or something posing as it) keeps us busy. */
const MAX_CHALLENGES = 3;
/** A split reply has at most this many parts (Valve's limit is far below: replies are a few KB). */
const MAX_PARTS = 32;

/**
 * Sends a request and waits for the expected reply, answering up to three challenges (servers may challenge
 * A2S_INFO as well as A2S_PLAYER, and may renew the challenge). Datagrams that are not the answer — from
 * another address, not A2S, another reply type — are ignored, as the internet delivers them; replies split
 * over several datagrams (`0xFFFFFFFE`, bzip2-compressed or not) are reassembled.
 */
function exchange(
  host: string,
  port: number,
  request: (challenge?: Buffer) => Buffer,
  expected: number,
  { timeoutMs = 3000, signal }: QueryOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const splits = new SplitReplies();
    let challenges = 0;
    let ignored = 0;
    let settled = false;
    // What was ignored is worth saying when no answer comes: something answers, but not as a Valheim server.
    const ignoredNote = () =>
      ignored > 0
        ? ` (ignored ${ignored} ${ignored === 1 ? 'datagram that was' : 'datagrams that were'} not the answer)`
        : '';
    const finish = (error: Error | undefined, value?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.close();
      if (error) reject(error);
      else resolve(value as Buffer);
    };
    const onAbort = () => finish(new QueryError(`query to ${host}:${port} was cancelled${ignoredNote()}`));
    const timer = setTimeout(
      () => finish(new QueryError(`no answer from ${host}:${port} within ${timeoutMs} ms${ignoredNote()}`)),
      timeoutMs,
    );
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    const onReply = (message: Buffer) => {
      const type = message[4];
      if (type === S2C_CHALLENGE && message.length >= 9) {
        if (++challenges > MAX_CHALLENGES) {
          return finish(new QueryError(`${host}:${port} sent more than ${MAX_CHALLENGES} challenges`));
        }
        socket.send(request(message.subarray(5, 9)), port, host);
        return;
      }
      if (type === expected) finish(undefined, message.subarray(5));
      else ignored++; // not our answer: keep waiting
    };

    socket.on('error', (error) =>
      finish(new QueryError(`query to ${host}:${port} failed: ${error.message}`)),
    );
    socket.on('message', (message, remote) => {
      if (remote.port !== port || !sameHost(remote.address, host)) return;
      if (message.length >= 5 && message.subarray(0, 4).equals(HEADER)) return onReply(message);
      if (message.length < 5 || !message.subarray(0, 4).equals(SPLIT_HEADER)) {
        ignored++;
        return;
      }
      splits
        .add(message)
        .then((whole) => {
          if (whole?.subarray(0, 4).equals(HEADER) && whole.length >= 5) onReply(whole);
        })
        .catch((error: unknown) =>
          finish(new QueryError(`malformed split reply from ${host}:${port}: ${(error as Error).message}`)),
        );
    });
    socket.send(request(), port, host, (error) => {
      if (error) finish(new QueryError(`cannot send to ${host}:${port}: ${error.message}`));
    });
  });
}

function sameHost(address: string, host: string): boolean {
  return address === host || address === `::ffff:${host}`;
}

/**
 * Collects the parts of split replies (Source format: id, total, number, size; a set high bit of the id means
 * the whole is bzip2-compressed and part 0 carries its decompressed size and CRC32).
 */
class SplitReplies {
  private readonly pending = new Map<number, Array<Buffer | undefined>>();
  private compressedInfo = new Map<number, { size: number; crc: number }>();

  /** Adds a part; resolves to the reassembled reply (with its 0xFFFFFFFF header) once all parts are in. */
  async add(datagram: Buffer): Promise<Buffer | undefined> {
    if (datagram.length < 12) return undefined;
    const id = datagram.readUInt32LE(4);
    const total = datagram.readUInt8(8);
    const number = datagram.readUInt8(9);
    if (total === 0 || total > MAX_PARTS || number >= total) return undefined;
    const compressed = (id & 0x80000000) !== 0;
    let payload = datagram.subarray(12); // after the 2-byte size field
    if (compressed && number === 0) {
      if (payload.length < 8) return undefined;
      this.compressedInfo.set(id, { size: payload.readUInt32LE(0), crc: payload.readUInt32LE(4) });
      payload = payload.subarray(8);
    }
    const parts = this.pending.get(id) ?? new Array<Buffer | undefined>(total).fill(undefined);
    if (parts.length !== total) return undefined;
    parts[number] = payload;
    this.pending.set(id, parts);
    if (parts.some((part) => part === undefined)) return undefined;
    this.pending.delete(id);
    const whole = Buffer.concat(parts as Buffer[]);
    if (!compressed) return whole;
    const info = this.compressedInfo.get(id);
    this.compressedInfo.delete(id);
    if (!info) throw new Error('compressed reply without its size and checksum');
    return decompress(whole, info);
  }
}

/** bzip2 is in the protocol for old engines only, so its decoder is loaded when a reply needs it. */
async function decompress(data: Buffer, expected: { size: number; crc: number }): Promise<Buffer> {
  const { default: bunzip } = await import('seek-bzip');
  let whole: Buffer;
  try {
    whole = bunzip.decode(data);
  } catch (error) {
    throw new Error(`bzip2: ${(error as Error).message}`);
  }
  if (whole.length !== expected.size || crc32(whole) !== expected.crc) {
    throw new Error('decompressed reply does not match its size and checksum');
  }
  return whole;
}

/** Reads the fields of a reply in order; any overrun means a malformed packet. */
class Reader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}

  byte(): number {
    this.need(1);
    return this.buffer.readUInt8(this.offset++);
  }
  short(): number {
    this.need(2);
    const value = this.buffer.readUInt16LE(this.offset);
    this.offset += 2;
    return value;
  }
  long(): number {
    this.need(4);
    const value = this.buffer.readInt32LE(this.offset);
    this.offset += 4;
    return value;
  }
  float(): number {
    this.need(4);
    const value = this.buffer.readFloatLE(this.offset);
    this.offset += 4;
    return value;
  }
  skip(bytes: number): void {
    this.need(bytes);
    this.offset += bytes;
  }
  string(): string {
    const end = this.buffer.indexOf(0, this.offset);
    if (end < 0) throw new QueryError('malformed reply: unterminated string');
    const value = this.buffer.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return value;
  }
  get remaining(): number {
    return this.buffer.length - this.offset;
  }
  private need(bytes: number): void {
    if (this.offset + bytes > this.buffer.length) throw new QueryError('malformed reply: packet too short');
  }
}

export function parseInfo(body: Buffer): ServerInfo {
  const reader = new Reader(body);
  reader.byte(); // protocol
  const name = reader.string();
  const map = reader.string();
  reader.string(); // folder
  const game = reader.string();
  reader.short(); // app id
  const players = reader.byte();
  const maxPlayers = reader.byte();
  reader.byte(); // bots
  reader.byte(); // server type
  reader.byte(); // environment
  reader.byte(); // visibility
  reader.byte(); // VAC
  const version = reader.string();
  let port: number | undefined;
  let keywords: string | undefined;
  if (reader.remaining > 0) {
    const flags = reader.byte();
    if (flags & 0x80) port = reader.short();
    if (flags & 0x10) reader.skip(8); // steam id
    if (flags & 0x40) {
      reader.short(); // SourceTV port
      reader.string(); // SourceTV name
    }
    if (flags & 0x20) keywords = reader.string();
  }
  return {
    name,
    map,
    game,
    players,
    maxPlayers,
    version,
    ...(port !== undefined && { port }),
    ...(keywords !== undefined && { keywords }),
  };
}

export function parsePlayers(body: Buffer): PlayerEntry[] {
  const reader = new Reader(body);
  const count = reader.byte();
  const players: PlayerEntry[] = [];
  for (let i = 0; i < count; i++) {
    reader.byte(); // index
    const name = reader.string();
    const score = reader.long();
    const durationSeconds = reader.float();
    players.push({ name, score, durationSeconds });
  }
  return players;
}
