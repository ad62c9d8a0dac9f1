import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiscordApiError, DiscordRest } from '../../src/discord/rest-client.js';
import { type FakeDiscord, startFakeDiscord } from '../cli/fake-discord.js';

const APP = '123456789012345678';
const CHANNEL = '678901234567890123';
const EDIT = `/api/v10/webhooks/${APP}/secret-token/messages/@original`;
const FOLLOW_UP = `/api/v10/webhooks/${APP}/secret-token`;
const POST = `/api/v10/channels/${CHANNEL}/messages`;
const OK = { status: 200, body: {} };

describe('DiscordRest (the Lambdas’ Discord client)', () => {
  let discord: FakeDiscord;
  let rest: DiscordRest;
  beforeAll(async () => {
    discord = await startFakeDiscord();
  });
  afterAll(() => discord.close());
  beforeEach(() => {
    discord.requests.length = 0;
    rest = new DiscordRest({
      baseUrl: `${discord.apiUrl}/v10`,
      botToken: async () => 'bot-token',
      timeoutMs: 500, // short: the unanswered cases below wait it out
      retryBudgetMs: 2500,
    });
  });

  const message = { content: 'hello' };
  const failure = (call: Promise<unknown>) => call.then(() => undefined).catch((error: unknown) => error);

  it('waits out a 429 for its retry_after and sends again', async () => {
    discord.reply(
      'POST',
      POST,
      { status: 429, body: { message: 'rate limited', retry_after: 0.3, global: false } },
      OK,
    );
    const started = Date.now();
    await rest.postToChannel(CHANNEL, message);
    expect(discord.requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('gives up at once on a 429 whose wait would outlast the budget', async () => {
    discord.reply('POST', POST, { status: 429, body: { message: 'rate limited', retry_after: 30 } });
    const error = await failure(rest.postToChannel(CHANNEL, message));
    expect(error).toBeInstanceOf(DiscordApiError);
    expect((error as DiscordApiError).status).toBe(429);
    expect(discord.requests).toHaveLength(1);
  });

  it('retries 5xx with growing pauses within the budget', async () => {
    discord.reply('PATCH', EDIT, { status: 502, body: {} }, { status: 500, body: {} }, OK);
    await rest.editOriginal(APP, 'secret-token', message);
    const [first, second, third] = discord.requests.map((r) => r.at);
    expect(discord.requests).toHaveLength(3);
    // 250 ms, then 500 ms (plus jitter)
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(240);
    expect((third ?? 0) - (second ?? 0)).toBeGreaterThanOrEqual(490);
  });

  it('fails with a transient error once 5xx outlast the budget', async () => {
    discord.reply('PATCH', EDIT, { status: 503, body: { message: 'down' } });
    const started = Date.now();
    const error = (await failure(rest.editOriginal(APP, 'secret-token', message))) as DiscordApiError;
    expect(error.status).toBe(503);
    expect(error.transient).toBe(true);
    expect(Date.now() - started).toBeLessThan(2600);
    // and the interaction token, a secret, is not in the message
    expect(error.message).not.toContain('secret-token');
    expect(error.message).toContain('/webhooks/123456789012345678/<token>');
  });

  it('does not repeat a follow-up that got no answer: it may have been posted', async () => {
    discord.reply('POST', FOLLOW_UP, { ...OK, delayMs: 900 });
    const error = (await failure(rest.followUp(APP, 'secret-token', message))) as DiscordApiError;
    expect(error.unanswered).toBe(true);
    expect(discord.requests).toHaveLength(1);
  });

  it('repeats an edit that got no answer: editing twice shows the same message', async () => {
    discord.reply('PATCH', EDIT, { ...OK, delayMs: 900 }, OK);
    await rest.editOriginal(APP, 'secret-token', message);
    expect(discord.requests).toHaveLength(2);
  });

  it('repeats a channel post that got no answer only when it carries a nonce Discord enforces', async () => {
    discord.reply('POST', POST, { ...OK, delayMs: 900 }, OK);
    await rest.postToChannel(CHANNEL, message, { nonce: 'mf3k2l1a0' });
    expect(discord.requests.map((r) => r.body)).toEqual([
      { content: 'hello', nonce: 'mf3k2l1a0', enforce_nonce: true },
      { content: 'hello', nonce: 'mf3k2l1a0', enforce_nonce: true },
    ]);

    discord.requests.length = 0;
    discord.reply('POST', POST, { ...OK, delayMs: 900 }, OK);
    expect(((await failure(rest.postToChannel(CHANNEL, message))) as DiscordApiError).unanswered).toBe(true);
    expect(discord.requests).toHaveLength(1);
  });

  it('does not retry a 4xx, and exposes Discord’s error code', async () => {
    discord.reply('PATCH', EDIT, { status: 404, body: { message: 'Unknown Webhook', code: 10015 } });
    const error = (await failure(rest.editOriginal(APP, 'secret-token', message))) as DiscordApiError;
    expect(error.code).toBe(10015);
    expect(error.transient).toBe(false);
    expect(discord.requests).toHaveLength(1);
  });

  it('cuts a message over 2000 characters instead of having it rejected', async () => {
    discord.reply('POST', POST, OK);
    await rest.postToChannel(CHANNEL, { content: 'x'.repeat(2500) });
    const body = discord.requests[0]?.body as { content: string };
    expect(body.content).toHaveLength(2000);
    expect(body.content.endsWith('…')).toBe(true);
  });
});
