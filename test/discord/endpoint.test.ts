import { describe, expect, it, vi } from 'vitest';
import { handleInteractionRequest, MAX_BODY_BYTES } from '../../src/discord/endpoint.js';
import { messageResponse } from '../../src/discord/responses.js';
import { importDiscordPublicKey } from '../../src/discord/verify.js';
import { silentLogger } from '../../src/log.js';
import { commandInteraction, makeSigningKeys, signedRequest } from '../support/discord-signing.js';

describe('interaction endpoint protocol', () => {
  const keys = makeSigningKeys();
  const publicKey = importDiscordPublicKey(keys.publicKeyHex);
  const reply = messageResponse('ok');
  const handlers = { command: vi.fn(async () => reply), component: vi.fn(async () => reply) };
  const call = (request: { headers: Record<string, string>; body: Buffer }) =>
    handleInteractionRequest(request, publicKey, handlers, silentLogger);

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
    const click = { type: 3, data: { custom_id: 'valheim:status', component_type: 2 } };
    const response = await call(signedRequest(keys, JSON.stringify(click)));
    expect(handlers.component).toHaveBeenCalledWith(click);
    expect(response.statusCode).toBe(200);
  });

  it('answers 400 to a component interaction without a custom_id', async () => {
    const response = await call(signedRequest(keys, JSON.stringify({ type: 3, data: {} })));
    expect(response.statusCode).toBe(400);
  });

  it.each([4, 5, 99])('answers 400 to the unsupported interaction type %i', async (type) => {
    const response = await call(signedRequest(keys, JSON.stringify({ type, data: {} })));
    expect(response.statusCode).toBe(400);
  });

  it('answers 400 to a non-slash application command (e.g. a user context menu)', async () => {
    const response = await call(
      signedRequest(keys, JSON.stringify({ type: 2, data: { type: 2, name: 'x' } })),
    );
    expect(response.statusCode).toBe(400);
  });

  it('passes a verified slash command to the command handler and returns its reply', async () => {
    // Given a signed /valheim status
    const interaction = commandInteraction({ subcommand: 'status' });
    // When
    const response = await call(signedRequest(keys, JSON.stringify(interaction)));
    // Then
    expect(handlers.command).toHaveBeenCalledWith(interaction);
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
    );
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body);
    expect(body.type).toBe(4);
    expect(body.data.flags).toBe(64);
    expect(body.data.content).not.toContain('boom');
  });
});
