import { afterEach, describe, expect, it } from 'vitest';
import { QueryError, queryInfo, queryPlayers } from '../../src/players/a2s.js';
import { type Responder, startA2sResponder } from '../support/a2s-responder.js';

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
    ['garbage', /not a single-packet A2S response/],
    ['wrong-type', /unexpected reply type 0x6d/],
    ['truncated', /malformed reply/],
  ] as const)('rejects a %s reply instead of guessing a count', async (mode, message) => {
    responder = await startA2sResponder({ mode, players: [{ name: '', score: 0, duration: 1 }] });
    await expect(queryInfo('127.0.0.1', responder.port, { timeoutMs: 1000 })).rejects.toThrow(message);
    await expect(queryPlayers('127.0.0.1', responder.port, { timeoutMs: 1000 })).rejects.toThrow(QueryError);
  });

  it('can be cancelled', async () => {
    responder = await startA2sResponder({ mode: 'silent' });
    const controller = new AbortController();
    const query = queryInfo('127.0.0.1', responder.port, { timeoutMs: 5000, signal: controller.signal });
    controller.abort();
    await expect(query).rejects.toThrow(/cancelled/);
  });
});
