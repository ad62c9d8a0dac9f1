import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';

/**
 * A loopback UDP server speaking the A2S query protocol the way a Valheim server does: it challenges
 * requests that carry no (or a wrong) challenge, then answers INFO and PLAYER. Tests can make it silent or
 * send garbage, renew the challenge, split its answers, and send stray datagrams before them.
 */
export interface ResponderOptions {
  name?: string;
  map?: string;
  version?: string;
  players?: Array<{ name: string; score: number; duration: number }>;
  /** How many players INFO reports (defaults to players.length). */
  infoPlayers?: number;
  maxPlayers?: number;
  challengeInfo?: boolean;
  /** Challenge INFO this many times, with a new key each time, before answering (challengeInfo = 1). */
  infoChallenges?: number;
  /** Split every answer over this many datagrams (0xFFFFFFFE). */
  splitParts?: number;
  /** With splitParts: send these bzip2 bytes (of the answer) instead, marked as compressed. */
  bzip2?: Buffer;
  /** Before each answer, send datagrams that are not it: junk, another reply type, and a reply from another port. */
  stray?: boolean;
  mode?: 'normal' | 'silent' | 'garbage' | 'wrong-type' | 'truncated';
  gamePort?: number;
  keywords?: string;
}

export interface Responder {
  readonly port: number;
  readonly received: Buffer[];
  options: ResponderOptions;
  close(): Promise<void>;
}

const CHALLENGE = Buffer.from([0x12, 0x34, 0x56, 0x78]);
/** The key of the n-th INFO challenge of one query (the first is CHALLENGE). */
export const challengeKey = (n: number) => Buffer.from([0x12, 0x34, 0x56, 0x78 + n]);
const HEADER = Buffer.from([0xff, 0xff, 0xff, 0xff]);

const cstr = (text: string) => Buffer.from(`${text}\0`, 'utf8');
const u8 = (n: number) => Buffer.from([n]);
const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const i32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
};
const f32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(n);
  return b;
};

export function infoPacket(options: ResponderOptions): Buffer {
  const players = options.infoPlayers ?? options.players?.length ?? 0;
  return Buffer.concat([
    HEADER,
    u8(0x49),
    u8(17),
    cstr(options.name ?? 'Vikings of the North'),
    cstr(options.map ?? 'Dedicated'),
    cstr('valheim'),
    cstr('Valheim'),
    u16(0),
    u8(players),
    u8(options.maxPlayers ?? 10),
    u8(0),
    u8(0x64), // dedicated
    u8(0x6c), // linux
    u8(0), // public
    u8(0), // VAC off
    cstr(options.version ?? '0.221.4'),
    u8(0x80 | 0x10 | 0x20 | 0x01),
    u16(options.gamePort ?? 2456),
    Buffer.alloc(8, 1),
    cstr(options.keywords ?? 'g=0.221.4,n=35,m=0.221.4'),
    Buffer.alloc(8, 2),
  ]);
}

export function playerPacket(options: ResponderOptions): Buffer {
  const players = options.players ?? [];
  return Buffer.concat([
    HEADER,
    u8(0x44),
    u8(players.length),
    ...players.flatMap((p, index) => [u8(index), cstr(p.name), i32(p.score), f32(p.duration)]),
  ]);
}

/** Valve's split format: id (high bit = bzip2), total, number, size; part 0 of a compressed one adds size and CRC. */
export function splitPackets(packet: Buffer, parts: number, bzip2?: Buffer): Buffer[] {
  const id = bzip2 ? 0x80000007 : 0x00000007;
  const body = bzip2 ?? packet;
  const chunk = Math.ceil(body.length / parts);
  return Array.from({ length: parts }, (_, number) => {
    const header = Buffer.alloc(12);
    header.writeInt32LE(-2, 0);
    header.writeUInt32LE(id, 4);
    header.writeUInt8(parts, 8);
    header.writeUInt8(number, 9);
    header.writeUInt16LE(1248, 10);
    const extra = Buffer.alloc(bzip2 && number === 0 ? 8 : 0);
    if (extra.length) {
      extra.writeUInt32LE(packet.length, 0);
      extra.writeUInt32LE(crc32(packet), 4);
    }
    return Buffer.concat([header, extra, body.subarray(number * chunk, (number + 1) * chunk)]);
  });
}

/** `host`: any loopback address (the e2e suite gives the game task one of its own, on the real port 2457). */
export async function startA2sResponder(
  options: ResponderOptions = {},
  port = 0,
  host = '127.0.0.1',
): Promise<Responder> {
  const socket = createSocket('udp4');
  const impostor = createSocket('udp4');
  let infoRound = 0;
  const received: Buffer[] = [];
  const responder: Responder = {
    port: 0,
    received,
    options,
    close: async () => {
      await new Promise<void>((resolve) => impostor.close(() => resolve()));
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
  socket.on('message', (message, remote) => {
    received.push(message);
    const opts = responder.options;
    const reply = (packet: Buffer) => socket.send(packet, remote.port, remote.address);
    const answer = (packet: Buffer) => {
      if (opts.stray) {
        reply(Buffer.from('hello there, not A2S'));
        reply(Buffer.concat([HEADER, u8(0x6d), Buffer.alloc(10)]));
        impostor.send(infoPacket({ ...opts, infoPlayers: 99 }), remote.port, remote.address);
      }
      if (!opts.splitParts) return reply(packet);
      for (const part of splitPackets(packet, opts.splitParts, opts.bzip2)) reply(part);
    };
    if (opts.mode === 'silent') return;
    if (opts.mode === 'garbage') return reply(Buffer.from('hello there, not A2S'));
    if (opts.mode === 'wrong-type') return reply(Buffer.concat([HEADER, u8(0x6d), Buffer.alloc(10)]));
    const type = message[4];
    if (type === 0x54) {
      const challenge = message.subarray(25, 29);
      const rounds = opts.infoChallenges ?? (opts.challengeInfo ? 1 : 0);
      if (infoRound < rounds || (rounds > 0 && !challenge.equals(challengeKey(infoRound - 1)))) {
        if (infoRound < rounds) infoRound++;
        return reply(Buffer.concat([HEADER, u8(0x41), challengeKey(infoRound - 1)]));
      }
      infoRound = 0;
      const packet = infoPacket(opts);
      return answer(opts.mode === 'truncated' ? packet.subarray(0, 20) : packet);
    }
    if (type === 0x55) {
      if (!message.subarray(5, 9).equals(CHALLENGE))
        return reply(Buffer.concat([HEADER, u8(0x41), CHALLENGE]));
      const packet = playerPacket(opts);
      return answer(opts.mode === 'truncated' ? packet.subarray(0, 8) : packet);
    }
  });
  await new Promise<void>((resolve) => socket.bind(port, host, resolve));
  await new Promise<void>((resolve) => impostor.bind(0, host, resolve));
  return Object.assign(responder, { port: (socket.address() as AddressInfo).port });
}
