import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiscordRest } from '../../src/discord/rest-client.js';
import { silentLogger } from '../../src/log.js';
import { discordNotifier } from '../../src/monitor/discord-notifier.js';
import { type FakeDiscord, startFakeDiscord } from '../cli/fake-discord.js';

const APP = '123456789012345678';
const CHANNEL = '678901234567890123';
const FOLLOW_UP = `/api/v10/webhooks/${APP}/tok`;
const POST = `/api/v10/channels/${CHANNEL}/messages`;
const T0 = Date.parse('2026-11-23T19:00:00Z');
const notice = { content: '⏰ Nobody is on', components: [] };
const reply = { applicationId: APP, token: 'tok', createdAt: T0 };

describe('discordNotifier: where a notice goes, and what it reports', () => {
  let discord: FakeDiscord;
  let now: number;
  beforeAll(async () => {
    discord = await startFakeDiscord();
  });
  afterAll(() => discord.close());
  beforeEach(() => {
    discord.requests.length = 0;
    now = T0 + 60_000;
  });

  const notify = (channel?: string) =>
    discordNotifier({
      rest: new DiscordRest({
        baseUrl: `${discord.apiUrl}/v10`,
        botToken: async () => 'bot-token',
        timeoutMs: 1000,
        retryBudgetMs: 0,
      }),
      ...(channel && { noticeChannelId: channel }),
      now: () => now,
      log: silentLogger,
    });

  it.each([
    [403, 50013, /may not post in the notice channel \(403, code 50013\).*View Channel and Send Messages/],
    [404, 10003, /notice channel does not exist \(404, code 10003\)/],
  ])('follows up on a valid start reply when the channel answers %i', async (status, code, cause) => {
    discord.reply('POST', POST, { status, body: { message: 'no', code } });
    discord.reply('POST', FOLLOW_UP, { status: 200, body: {} });
    expect(await notify(CHANNEL)(notice, { startReply: reply, editReply: false })).toEqual({
      status: 'delivered',
      via: 'follow-up',
      editGone: false,
    });
    // and when the reply has expired too, the outcome names the cause
    now = T0 + 20 * 60_000;
    const outcome = await notify(CHANNEL)(notice, { startReply: reply, editReply: false });
    expect(outcome.status).toBe('failed');
    expect(outcome.status === 'failed' && outcome.reason).toMatch(cause);
  });

  it('says why nothing could be sent without a channel and with an expired reply', async () => {
    now = T0 + 20 * 60_000;
    expect(await notify()(notice, { startReply: reply, editReply: false })).toEqual({
      status: 'failed',
      reason: 'no notice channel is configured and the start reply has expired',
    });
    expect(discord.requests).toHaveLength(0);
  });

  it('asks for a retry when the channel is down (5xx) rather than following up', async () => {
    discord.reply('POST', POST, { status: 502, body: {} });
    const outcome = await notify(CHANNEL)(notice, { startReply: reply, editReply: false });
    expect(outcome.status).toBe('retry');
    expect(discord.requests.map((r) => r.path)).toEqual([POST]);
  });

  it('gives up on a follow-up that got no answer instead of risking a second message', async () => {
    discord.reply('POST', FOLLOW_UP, { status: 200, body: {}, delayMs: 1500 });
    const outcome = await notify()(notice, { startReply: reply, editReply: false });
    expect(outcome.status).toBe('failed');
    expect(outcome.status === 'failed' && outcome.reason).toMatch(/no answer .* not repeated/);
    expect(discord.requests).toHaveLength(1);
  });
});
