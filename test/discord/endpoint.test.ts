import { describe, expect, it, vi } from 'vitest';
import {
  ALREADY_ANSWERED_MESSAGE,
  CLAIM_FAILED_MESSAGE,
  handleInteractionRequest,
  MAX_BODY_BYTES,
  type ReplayProtection,
} from '../../src/discord/endpoint.js';
import {
  type InteractionClaim,
  type InteractionLedger,
  MAX_REQUEST_AGE_SECONDS,
  memoryLedger,
} from '../../src/discord/replay.js';
import { messageResponse } from '../../src/discord/responses.js';
import { importDiscordPublicKey } from '../../src/discord/verify.js';
import { type Logger, silentLogger } from '../../src/log.js';
import {
  buttonInteraction,
  commandInteraction,
  makeSigningKeys,
  signedRequest,
} from '../support/discord-signing.js';

/** Replay protection with the system clock and a fresh ledger in memory. */
const freshReplay = (): ReplayProtection => {
  const ledger = memoryLedger();
  return { nowSeconds: () => Math.floor(Date.now() / 1000), ledger: async () => ledger };
};

describe('interaction endpoint protocol', () => {
  const keys = makeSigningKeys();
  const publicKey = importDiscordPublicKey(keys.publicKeyHex);
  const reply = messageResponse('ok');
  const handlers = { command: vi.fn(async () => reply), component: vi.fn(async () => reply) };
  const call = (request: { headers: Record<string, string>; body: Buffer }) =>
    handleInteractionRequest(request, publicKey, handlers, silentLogger, freshReplay());

  it('answers a signed PING with PONG', async () => {
    const response = await call(signedRequest(keys, JSON.stringify({ type: 1 })));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ type: 1 });
    expect(response.headers['content-type']).toBe('application/json');
  });

  it('answers 401 to a forged PING so Discord keeps the endpoint', async () => {
    const response = await call(signedRequest(makeSigningKeys(), JSON.stringify({ type: 1 })));
    expect(response.statusCode).toBe(401);
  });

  it('answers 401 when the signature headers are missing', async () => {
    const response = await call({ headers: {}, body: Buffer.from('{"type":1}') });
    expect(response.statusCode).toBe(401);
  });

  it('answers 413 to an oversized body without verifying it', async () => {
    const response = await call(signedRequest(keys, Buffer.alloc(MAX_BODY_BYTES + 1, 0x20)));
    expect(response.statusCode).toBe(413);
  });

  it.each([
    ['junk', 'not json at all'],
    ['a JSON array', '[1,2,3]'],
    ['an object without a type', '{"id":"1"}'],
    ['JSON null', 'null'],
  ])('answers 400 to a signed body that is %s', async (_what, body) => {
    const response = await call(signedRequest(keys, body));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toHaveProperty('error');
  });

  it('passes a verified button click to the component handler', async () => {
    const click = { id: '1', type: 3, data: { custom_id: 'valheim:status', component_type: 2 } };
    const response = await call(signedRequest(keys, JSON.stringify(click)));
    expect(handlers.component).toHaveBeenCalledWith(click, expect.any(Function));
    expect(response.statusCode).toBe(200);
  });

  it('answers 400 to a component interaction without a custom_id', async () => {
    const response = await call(signedRequest(keys, JSON.stringify({ id: '2', type: 3, data: {} })));
    expect(response.statusCode).toBe(400);
  });

  it('answers an autocomplete at once, without recording its id (it only reads), and with nothing on failure', async () => {
    // Given a ledger that would fail the request, and a handler that suggests one world
    const ledger: InteractionLedger = { claim: vi.fn(async () => false) };
    const replay = { nowSeconds: () => Math.floor(Date.now() / 1000), ledger: async () => ledger };
    const suggestions = { type: 8 as const, data: { choices: [{ name: 'Ashlands', value: 'Ashlands' }] } };
    const typing = { id: '31', type: 4, data: { name: 'valheim', options: [] } };
    const answer = (autocomplete: () => Promise<typeof suggestions>) =>
      handleInteractionRequest(
        signedRequest(keys, JSON.stringify(typing)),
        publicKey,
        { ...handlers, autocomplete },
        silentLogger,
        replay,
      );
    // When / Then
    const response = await answer(async () => suggestions);
    expect(JSON.parse(response.body)).toEqual(suggestions);
    expect(ledger.claim).not.toHaveBeenCalled();
    const failed = await answer(async () => {
      throw new Error('SSM down');
    });
    expect(failed.statusCode).toBe(200);
    expect(JSON.parse(failed.body)).toEqual({ type: 8, data: { choices: [] } });
  });

  it.each([5, 99])('answers 400 to the unsupported interaction type %i', async (type) => {
    const response = await call(signedRequest(keys, JSON.stringify({ id: '3', type, data: {} })));
    expect(response.statusCode).toBe(400);
  });

  it('answers 400 to a non-slash application command (e.g. a user context menu)', async () => {
    const response = await call(
      signedRequest(keys, JSON.stringify({ id: '4', type: 2, data: { type: 2, name: 'x' } })),
    );
    expect(response.statusCode).toBe(400);
  });

  it('passes a verified slash command to the command handler and returns its reply', async () => {
    // Given a signed /valheim status
    const interaction = commandInteraction({ subcommand: 'status' });
    // When
    const response = await call(signedRequest(keys, JSON.stringify(interaction)));
    // Then
    expect(handlers.command).toHaveBeenCalledWith(interaction, expect.any(Function));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual(reply);
  });

  it('still replies politely (200, ephemeral) when the command handler throws', async () => {
    const throwing = {
      command: vi.fn(async () => Promise.reject(new Error('boom'))),
      component: vi.fn(async () => Promise.reject(new Error('boom'))),
    };
    const response = await handleInteractionRequest(
      signedRequest(keys, JSON.stringify(commandInteraction())),
      publicKey,
      throwing,
      silentLogger,
      freshReplay(),
    );
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body);
    expect(body.type).toBe(4);
    expect(body.data.flags).toBe(64);
    expect(body.data.content).not.toContain('boom');
  });
});

describe('interaction endpoint replay protection', () => {
  const keys = makeSigningKeys();
  const publicKey = importDiscordPublicKey(keys.publicKeyHex);
  const reply = messageResponse('the password is hunter2');
  const nowSeconds = 1_800_000_000;

  /**
   * Handlers that keep the contract: they may read at once, and await the claim before they change
   * anything (here: record the interaction id in `writes`).
   */
  function endpoint(replay: Partial<ReplayProtection> = {}, log: Logger = silentLogger) {
    const ledger = memoryLedger(() => nowSeconds * 1000);
    const writes: string[] = [];
    const act = async (interaction: { id: string }, claimed: InteractionClaim) => {
      await claimed();
      writes.push(interaction.id);
      return reply;
    };
    const handlers = { command: vi.fn(act), component: vi.fn(act) };
    const protection = { nowSeconds: () => nowSeconds, ledger: async () => ledger, ...replay };
    const call = (request: { headers: Record<string, string>; body: Buffer }) =>
      handleInteractionRequest(request, publicKey, handlers, log, protection);
    return { handlers, call, writes };
  }
  const signedAt = (body: string, secondsAgo: number) =>
    signedRequest(keys, body, String(nowSeconds - secondsAgo));

  it.each([
    ['older than the window', MAX_REQUEST_AGE_SECONDS + 1],
    ['from the future beyond the window', -(MAX_REQUEST_AGE_SECONDS + 1)],
  ])(
    'refuses (401) a correctly signed command whose timestamp is %s, without running it',
    async (_what, age) => {
      // Given a captured, validly signed /valheim password
      const { handlers, call } = endpoint();
      // When it is sent again outside the timestamp window
      const response = await call(
        signedAt(JSON.stringify(commandInteraction({ subcommand: 'password' })), age),
      );
      // Then it is refused and nothing ran
      expect(response.statusCode).toBe(401);
      expect(handlers.command).not.toHaveBeenCalled();
    },
  );

  it('refuses (401) a timestamp that is not a number of seconds', async () => {
    const { call } = endpoint();
    const response = await call(signedRequest(keys, JSON.stringify({ type: 1 }), 'yesterday'));
    expect(response.statusCode).toBe(401);
  });

  it('accepts a timestamp at the edge of the window', async () => {
    const { call } = endpoint();
    const response = await call(signedAt(JSON.stringify({ type: 1 }), MAX_REQUEST_AGE_SECONDS));
    expect(response.statusCode).toBe(200);
  });

  it('answers a repeated interaction id once: the copy runs nothing and shows nothing but a note', async () => {
    // Given a /valheim password that was answered
    const { call, writes } = endpoint();
    const request = signedAt(JSON.stringify(commandInteraction({ subcommand: 'password' })), 10);
    const first = await call(request);
    expect(JSON.parse(first.body)).toEqual(reply);
    // When the same signed request arrives again within the window
    const copy = await call(request);
    // Then it acted once; the copy gets 200 with an ephemeral note (never "This interaction failed")
    expect(writes).toHaveLength(1);
    expect(copy.statusCode).toBe(200);
    const body = JSON.parse(copy.body);
    expect(body.data.content).toBe(ALREADY_ANSWERED_MESSAGE);
    expect(body.data.flags).toBe(64);
    expect(copy.body).not.toContain('hunter2');
  });

  it('refuses a repeated button click id as well', async () => {
    const { call, writes } = endpoint();
    const request = signedAt(JSON.stringify(buttonInteraction('valheim:stop')), 10);
    await call(request);
    const copy = await call(request);
    expect(writes).toHaveLength(1);
    expect(JSON.parse(copy.body).data.content).toBe(ALREADY_ANSWERED_MESSAGE);
  });

  it('answers a PING without the ledger (a replayed PING only gets PONG)', async () => {
    const ledger = vi.fn(async () => memoryLedger());
    const { call } = endpoint({ ledger });
    const request = signedAt(JSON.stringify({ type: 1 }), 0);
    expect((await call(request)).statusCode).toBe(200);
    expect((await call(request)).statusCode).toBe(200);
    expect(ledger).not.toHaveBeenCalled();
  });

  it('does nothing, and says so, when the ledger cannot be reached', async () => {
    // Given a ledger that fails (DynamoDB unreachable)
    const { call, writes } = endpoint({
      ledger: async () => ({ claim: async () => Promise.reject(new Error('ECONNREFUSED')) }),
    });
    // When a signed /valheim stop arrives
    const response = await call(signedAt(JSON.stringify(commandInteraction({ subcommand: 'stop' })), 1));
    // Then the stop did not run and the user reads why
    expect(writes).toEqual([]);
    expect(JSON.parse(response.body).data.content).toBe(CLAIM_FAILED_MESSAGE);
  });

  it('gives up on a ledger that does not answer in time, and runs nothing', async () => {
    const { call, writes } = endpoint({
      ledger: async () => ({ claim: () => new Promise<boolean>(() => {}) }),
    });
    const response = await call(signedAt(JSON.stringify(commandInteraction({ subcommand: 'start' })), 1));
    expect(writes).toEqual([]);
    expect(JSON.parse(response.body).data.content).toBe(CLAIM_FAILED_MESSAGE);
  });

  it('reads while the id is recorded, and changes nothing before the record is made', async () => {
    // Given a ledger whose record takes a while (a DynamoDB round trip)
    const events: string[] = [];
    let record: (first: boolean) => void = () => {};
    const slow: InteractionLedger = {
      claim: () =>
        new Promise<boolean>((resolve) => {
          record = (first) => {
            events.push('id recorded');
            resolve(first);
          };
        }),
    };
    const handlers = {
      command: vi.fn(async (_interaction: unknown, claimed: InteractionClaim) => {
        events.push('read');
        setTimeout(() => record(true), 20);
        await claimed();
        events.push('write');
        return reply;
      }),
      component: vi.fn(async () => reply),
    };
    // When a command arrives
    const response = await handleInteractionRequest(
      signedAt(JSON.stringify(commandInteraction({ subcommand: 'start' })), 1),
      publicKey,
      handlers,
      silentLogger,
      { nowSeconds: () => nowSeconds, ledger: async () => slow },
    );
    // Then its reads went out before the record, and its write only after
    expect(events).toEqual(['read', 'id recorded', 'write']);
    expect(JSON.parse(response.body)).toEqual(reply);
  });

  it('sends no answer of a copy, even from a handler that writes nothing', async () => {
    // Given a handler that answers from what it read (a status), never awaiting the claim
    const handlers = { command: vi.fn(async () => reply), component: vi.fn(async () => reply) };
    const ledger = memoryLedger(() => nowSeconds * 1000);
    const call = (request: { headers: Record<string, string>; body: Buffer }) =>
      handleInteractionRequest(request, publicKey, handlers, silentLogger, {
        nowSeconds: () => nowSeconds,
        ledger: async () => ledger,
      });
    const request = signedAt(JSON.stringify(commandInteraction({ subcommand: 'password' })), 1);
    await call(request);
    // When the request is replayed
    const copy = await call(request);
    // Then the endpoint answers the copy with the note, not with what the handler produced
    expect(copy.body).not.toContain('hunter2');
    expect(JSON.parse(copy.body).data.content).toBe(ALREADY_ANSWERED_MESSAGE);
  });

  it('logs a replay as a warning, not as a failed command', async () => {
    const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const { call } = endpoint({}, log);
    const request = signedAt(JSON.stringify(commandInteraction({ subcommand: 'stop' })), 1);
    await call(request);
    await call(request);
    // Let the copy's handler reach its refused write
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(log.warn).toHaveBeenCalledWith('repeated interaction id refused (a replay)', expect.anything());
    expect(log.error).not.toHaveBeenCalled();
  });

  it('refuses (400) an interaction without an id, without running it', async () => {
    const { handlers, call } = endpoint();
    const { id: _id, ...withoutId } = commandInteraction();
    const response = await call(signedAt(JSON.stringify(withoutId), 1));
    expect(response.statusCode).toBe(400);
    expect(handlers.command).not.toHaveBeenCalled();
  });
});
