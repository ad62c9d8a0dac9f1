import { createSocket, type Socket } from 'node:dgram';

/**
 * A small client for Valve's server query protocol (A2S_INFO and A2S_PLAYER over UDP, with the challenge
 * handshake), which a public Valheim server answers on its game port + 1. Small on purpose: it runs in the
 * monitor Lambda on every tick, where a general game-query library would cost bundle size and start-up.
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

/**
 * Sends a request and waits for the expected reply type, answering at most two challenges
 * (servers may challenge A2S_INFO as well as A2S_PLAYER).
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
    let challenges = 0;
    const finish = (error: Error | undefined, value?: Buffer) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.close();
      if (error) reject(error);
      else resolve(value as Buffer);
    };
    const onAbort = () => finish(new QueryError(`query to ${host}:${port} was cancelled`));
    const timer = setTimeout(
      () => finish(new QueryError(`no answer from ${host}:${port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    socket.on('error', (error) =>
      finish(new QueryError(`query to ${host}:${port} failed: ${error.message}`)),
    );
    socket.on('message', (message) => {
      if (message.length < 5 || !message.subarray(0, 4).equals(HEADER)) {
        return finish(
          new QueryError(`unexpected reply from ${host}:${port} (not a single-packet A2S response)`),
        );
      }
      const type = message[4];
      if (type === S2C_CHALLENGE && message.length >= 9 && challenges < 2) {
        challenges++;
        socket.send(request(message.subarray(5, 9)), port, host);
        return;
      }
      if (type !== expected) {
        return finish(
          new QueryError(`unexpected reply type 0x${(type ?? 0).toString(16)} from ${host}:${port}`),
        );
      }
      finish(undefined, message.subarray(5));
    });
    socket.send(request(), port, host, (error) => {
      if (error) finish(new QueryError(`cannot send to ${host}:${port}: ${error.message}`));
    });
  });
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
