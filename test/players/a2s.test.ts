import { afterEach, describe, expect, it } from 'vitest';
import { QueryError, queryInfo, queryPlayers } from '../../src/players/a2s.js';
import { challengeKey, type Responder, startA2sResponder } from '../support/a2s-responder.js';

/**
 * `bzip2 -9` of the responder's INFO packet for { name: 'Compressed Vikings', infoPlayers: 4 } (made once with
 * the bzip2 tool, so the test needs neither it nor a compressor).
 */
const COMPRESSED_INFO = Buffer.from(
  'QlpoOTFBWSZTWZtUtigAADV/qPQwIABABX4CDCABAC7v3QAAQCAAAACgAFREI0DJoaAaA9QzSFeigYQAZAaAA8n0mjn6JeUbFBKwRn7LglqrBaHMJqA0GQdU/hyRfuXXgmmLgfQJzBBzFA+uV4ID6B0QzLRqqcIniZv4u5IpwoSE2qWxQA==',
  'base64',
);

describe('A2S query client', () => {
  let responder: Responder | undefined;
  afterEach(async () => {
    await responder?.close();
    responder = undefined;
  });

  it('reads server info (name, world, version, counts, extra data)', async () => {
    // Given a Valheim-like server with two players
    responder = await startA2sResponder({
      players: [
        { name: '', score: 0, duration: 600.5 },
        { name: '', score: 0, duration: 30 },
      ],
    });
    // When
    const info = await queryInfo('127.0.0.1', responder.port, { timeoutMs: 1000 });
    // Then
    expect(info).toEqual({
      name: 'Vikings of the North',
      map: 'Dedicated',
      game: 'Valheim',
      players: 2,
      maxPlayers: 10,
      version: '0.221.4',
      port: 2456,
      keywords: 'g=0.221.4,n=35,m=0.221.4',
    });
  });

  it('answers an INFO challenge and resends with it', async () => {
    responder = await startA2sResponder({ challengeInfo: true, infoPlayers: 3 });
    const info = await queryInfo('127.0.0.1', responder.port, { timeoutMs: 1000 });
    expect(info.players).toBe(3);
    expect(responder.received).toHaveLength(2);
    expect(responder.received[1]?.subarray(-4)).toEqual(Buffer.from([0x12, 0x34, 0x56, 0x78]));
  });

  it('lists players after the challenge handshake', async () => {
    responder = await startA2sResponder({ players: [{ name: '', score: 3, duration: 125.25 }] });
    const players = await queryPlayers('127.0.0.1', responder.port, { timeoutMs: 1000 });
    expect(players).toEqual([{ name: '', score: 3, durationSeconds: 125.25 }]);
    // first request carries the "no challenge" marker, the second the server's challenge
    expect(responder.received.map((m) => m.subarray(5, 9).toString('hex'))).toEqual(['ffffffff', '12345678']);
  });

  it('reports an empty server as zero players', async () => {
    responder = await startA2sResponder({ players: [] });
    expect(await queryPlayers('127.0.0.1', responder.port, { timeoutMs: 1000 })).toEqual([]);
    expect((await queryInfo('127.0.0.1', responder.port, { timeoutMs: 1000 })).players).toBe(0);
  });

  it('times out with a clear error when nobody answers', async () => {
    responder = await startA2sResponder({ mode: 'silent' });
    await expect(queryInfo('127.0.0.1', responder.port, { timeoutMs: 200 })).rejects.toThrow(
      new QueryError(`no answer from 127.0.0.1:${responder.port} within 200 ms`),
    );
  });

  it.each([
    ['garbage', { mode: 'garbage' }],
    ['wrong-type', { mode: 'wrong-type' }],
  ] as const)(
    'ignores a %s datagram: it is not the answer, so the query times out',
    async (_name, options) => {
      responder = await startA2sResponder(options);
      await expect(queryInfo('127.0.0.1', responder.port, { timeoutMs: 300 })).rejects.toThrow(
        /no answer from .* within 300 ms \(ignored 1 datagram that was not the answer\)/,
      );
    },
  );

  it('rejects a truncated answer instead of guessing a count', async () => {
    responder = await startA2sResponder({
      mode: 'truncated',
      players: [{ name: '', score: 0, duration: 1 }],
    });
    await expect(queryInfo('127.0.0.1', responder.port, { timeoutMs: 1000 })).rejects.toThrow(
      /malformed reply/,
    );
    await expect(queryPlayers('127.0.0.1', responder.port, { timeoutMs: 1000 })).rejects.toThrow(QueryError);
  });

  it('skips stray datagrams (junk, another reply type, another sender) that arrive before the answer', async () => {
    // Given a server whose answer is preceded by junk, an S2A of another type, and a 99-player INFO from
    // another port
    responder = await startA2sResponder({
      stray: true,
      infoPlayers: 2,
      players: [{ name: '', score: 1, duration: 5 }],
    });
    // When / Then the real answer is the one read
    expect((await queryInfo('127.0.0.1', responder.port, { timeoutMs: 1000 })).players).toBe(2);
    expect(await queryPlayers('127.0.0.1', responder.port, { timeoutMs: 1000 })).toHaveLength(1);
  });

  it('answers up to three renewed challenges', async () => {
    responder = await startA2sResponder({ infoChallenges: 3, infoPlayers: 5 });
    expect((await queryInfo('127.0.0.1', responder.port, { timeoutMs: 1000 })).players).toBe(5);
    // each resend carries the latest key
    expect(responder.received.slice(1).map((m) => m.subarray(-4))).toEqual([0, 1, 2].map(challengeKey));
  });

  it('gives up on a fourth challenge', async () => {
    responder = await startA2sResponder({ infoChallenges: 4 });
    await expect(queryInfo('127.0.0.1', responder.port, { timeoutMs: 1000 })).rejects.toThrow(
      /sent more than 3 challenges/,
    );
  });

  it('reassembles an answer split over several datagrams', async () => {
    const players = Array.from({ length: 10 }, (_, i) => ({
      name: `viking ${i}`,
      score: i,
      duration: 60 * i,
    }));
    responder = await startA2sResponder({ splitParts: 3, players, name: 'A long server name '.repeat(5) });
    expect((await queryInfo('127.0.0.1', responder.port, { timeoutMs: 1000 })).name).toBe(
      'A long server name '.repeat(5),
    );
    const listed = await queryPlayers('127.0.0.1', responder.port, { timeoutMs: 1000 });
    expect(listed.map((p) => p.name)).toEqual(players.map((p) => p.name));
  });

  it('reassembles and decompresses a bzip2 split answer, checking its size and CRC32', async () => {
    // Given the INFO answer for "Compressed Vikings" (4 players) compressed with bzip2 -9, sent in two parts
    responder = await startA2sResponder({
      name: 'Compressed Vikings',
      infoPlayers: 4,
      splitParts: 2,
      bzip2: COMPRESSED_INFO,
    });
    const info = await queryInfo('127.0.0.1', responder.port, { timeoutMs: 2000 });
    expect(info).toMatchObject({ name: 'Compressed Vikings', players: 4 });
  });

  it('rejects a compressed answer whose checksum does not match', async () => {
    // the responder computes size and CRC32 from the uncompressed packet it would send: 3 players here
    responder = await startA2sResponder({ infoPlayers: 3, splitParts: 2, bzip2: COMPRESSED_INFO });
    await expect(queryInfo('127.0.0.1', responder.port, { timeoutMs: 2000 })).rejects.toThrow(
      /malformed split reply.*checksum/,
    );
  });

  it('can be cancelled', async () => {
    responder = await startA2sResponder({ mode: 'silent' });
    const controller = new AbortController();
    const query = queryInfo('127.0.0.1', responder.port, { timeoutMs: 5000, signal: controller.signal });
    controller.abort();
    await expect(query).rejects.toThrow(/cancelled/);
  });
});
