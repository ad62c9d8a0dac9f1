import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

/**
 * A loopback UDP server speaking the A2S query protocol the way a Valheim server does: it challenges
 * requests that carry no (or a wrong) challenge, then answers INFO and PLAYER. Tests can make it silent or
 * send garbage.
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

export async function startA2sResponder(options: ResponderOptions = {}, port = 0): Promise<Responder> {
  const socket = createSocket('udp4');
  const received: Buffer[] = [];
  const responder: Responder = {
    port: 0,
    received,
    options,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (message, remote) => {
    received.push(message);
    const reply = (packet: Buffer) => socket.send(packet, remote.port, remote.address);
    const opts = responder.options;
    if (opts.mode === 'silent') return;
    if (opts.mode === 'garbage') return reply(Buffer.from('hello there, not A2S'));
    if (opts.mode === 'wrong-type') return reply(Buffer.concat([HEADER, u8(0x6d), Buffer.alloc(10)]));
    const type = message[4];
    if (type === 0x54) {
      const challenge = message.subarray(25, 29);
      if (opts.challengeInfo && !challenge.equals(CHALLENGE))
        return reply(Buffer.concat([HEADER, u8(0x41), CHALLENGE]));
      const packet = infoPacket(opts);
      return reply(opts.mode === 'truncated' ? packet.subarray(0, 20) : packet);
    }
    if (type === 0x55) {
      if (!message.subarray(5, 9).equals(CHALLENGE))
        return reply(Buffer.concat([HEADER, u8(0x41), CHALLENGE]));
      const packet = playerPacket(opts);
      return reply(opts.mode === 'truncated' ? packet.subarray(0, 8) : packet);
    }
  });
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
  return Object.assign(responder, { port: (socket.address() as AddressInfo).port });
}
