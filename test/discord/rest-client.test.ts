import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiscordApiError, DiscordRest } from '../../src/discord/rest-client.js';
import { type FakeDiscord, startFakeDiscord } from '../cli/fake-discord.js';
import { FakeClock } from '../support/fake-clock.js';

const APP = '123456789012345678';
const CHANNEL = '678901234567890123';
const EDIT = `/api/v10/webhooks/${APP}/secret-token/messages/@original`;
const FOLLOW_UP = `/api/v10/webhooks/${APP}/secret-token`;
const POST = `/api/v10/channels/${CHANNEL}/messages`;
const OK = { status: 200, body: {} };

describe('DiscordRest (the Lambdas’ Discord client)', () => {
  let discord: FakeDiscord;
  let rest: DiscordRest;
  /** The retries' clock: their pauses are recorded, not waited out. */
  let clock: FakeClock;
  beforeAll(async () => {
    discord = await startFakeDiscord();
  });
  afterAll(() => discord.close());
  beforeEach(() => {
    discord.requests.length = 0;
    clock = new FakeClock(Date.parse('2026-11-23T19:00:00Z'));
    rest = new DiscordRest({
      baseUrl: `${discord.apiUrl}/v10`,
      botToken: async () => 'bot-token',
      timeoutMs: 500, // short: the one unanswered case that is a real timeout waits it out
      retryBudgetMs: 2500,
      now: clock.now,
      sleep: clock.sleep,
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
    await rest.postToChannel(CHANNEL, message);
    expect(discord.requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([300]);
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
    expect(discord.requests).toHaveLength(3);
    // 250 ms, then 500 ms (plus up to a quarter of jitter)
    const [first, second] = clock.sleeps;
    expect(clock.sleeps).toHaveLength(2);
    expect(first).toBeGreaterThanOrEqual(250);
    expect(first).toBeLessThanOrEqual(312.5);
    expect(second).toBeGreaterThanOrEqual(500);
    expect(second).toBeLessThanOrEqual(625);
  });

  it('fails with a transient error once 5xx outlast the budget', async () => {
    discord.reply('PATCH', EDIT, { status: 503, body: { message: 'down' } });
    const started = clock.now();
    const error = (await failure(rest.editOriginal(APP, 'secret-token', message))) as DiscordApiError;
    expect(error.status).toBe(503);
    expect(error.transient).toBe(true);
    // it tried while the budget lasted (250 + 500 + 1000 ms of pauses; the next, 2 s, would outlast it)
    expect(discord.requests).toHaveLength(4);
    expect(clock.now() - started).toBeLessThanOrEqual(2500);
    // and the interaction token, a secret, is not in the message
    expect(error.message).not.toContain('secret-token');
    expect(error.message).toContain('/webhooks/123456789012345678/<token>');
  });

  it('does not repeat a follow-up that got no answer within timeoutMs: it may have been posted', async () => {
    // Given an answer that comes after the client's 500 ms
    discord.reply('POST', FOLLOW_UP, { ...OK, delayMs: 900 });
    const error = (await failure(rest.followUp(APP, 'secret-token', message))) as DiscordApiError;
    expect(error.unanswered).toBe(true);
    expect(error.message).toMatch(/did not answer POST/);
    expect(discord.requests).toHaveLength(1);
  });

  it('does not repeat a follow-up whose connection broke before the answer', async () => {
    discord.reply('POST', FOLLOW_UP, { ...OK, dropConnection: true });
    const error = (await failure(rest.followUp(APP, 'secret-token', message))) as DiscordApiError;
    expect(error.unanswered).toBe(true);
    expect(discord.requests).toHaveLength(1);
  });

  // (Below, "no answer" is a connection cut after the request arrived: the client cannot tell it from a
  // timeout, which the test above waits out once.)
  it('repeats an edit that got no answer: editing twice shows the same message', async () => {
    discord.reply('PATCH', EDIT, { ...OK, dropConnection: true }, OK);
    await rest.editOriginal(APP, 'secret-token', message);
    expect(discord.requests).toHaveLength(2);
  });

  it('repeats a channel post that got no answer only when it carries a nonce Discord enforces', async () => {
    discord.reply('POST', POST, { ...OK, dropConnection: true }, OK);
    await rest.postToChannel(CHANNEL, message, { nonce: 'mf3k2l1a0' });
    expect(discord.requests.map((r) => r.body)).toEqual([
      { content: 'hello', nonce: 'mf3k2l1a0', enforce_nonce: true },
      { content: 'hello', nonce: 'mf3k2l1a0', enforce_nonce: true },
    ]);

    discord.requests.length = 0;
    discord.reply('POST', POST, { ...OK, dropConnection: true }, OK);
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
