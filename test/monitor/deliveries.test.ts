import { beforeEach, describe, expect, it } from 'vitest';
import { sdkDocuments } from '../../src/aws/sdk-dynamodb.js';
import { SHUTDOWN_SAVE_WAIT_MS } from '../../src/monitor/decide.js';
import { deliverPending, GIVE_UP_AFTER_MS } from '../../src/monitor/deliveries.js';
import { type MonitorPorts, runMonitorTick, type TickResult } from '../../src/monitor/monitor.js';
import { StateStore } from '../../src/monitor/state-store.js';
import type { FakeDiscord, FakeResponse, RecordedRequest } from '../cli/fake-discord.js';
import { type LocalDynamo, type LossyDynamo, startLossyProxy } from '../support/dynalite.js';
import { type FakeGameServer, RUNNING, STOPPED } from '../support/fake-game-server.js';
import {
  APP,
  REPLY_PATH as EDIT,
  FOLLOW_UP_PATH as FOLLOW_UP,
  type LogEntry,
  MINUTE,
  monitorHarness,
  OK,
  CHANNEL_PATH as POST,
  STARTING,
  SETTINGS as settings,
  T0,
  STARTER as USER,
} from './harness.js';

/**
 * Notices under injected faults (Discord 5xx, answers that never come, a lost DynamoDB answer, a reply that is
 * gone, a channel the bot may not post in): each is delivered exactly once. The Discord client's backoffs run
 * on the harness's fake clock, and "no answer" is a connection Discord cuts after taking the request (what
 * the client sees after its timeout, without the wait; rest-client.test.ts waits out a real timeout).
 */

describe('notice delivery under faults', () => {
  const harness = monitorHarness();
  let dynamo: LocalDynamo;
  let discord: FakeDiscord;
  let tableName: string;
  let store: StateStore;
  let server: FakeGameServer;
  let now: number;
  let events: string[];
  let logged: LogEntry[];
  let ports: MonitorPorts;
  let notifier: (channel: string | undefined) => MonitorPorts['notify'];

  beforeEach(async () => {
    now = T0;
    ({ dynamo, discord, tableName, store, server, events, logged, ports, notifier } = await harness.fresh({
      status: STARTING,
      now: () => now,
      rest: { timeoutMs: 1000, retryBudgetMs: 1500 },
    }));
  });

  const requests = (method: string, path: string) =>
    discord.requests.filter((r) => r.method === method && r.path === path);
  const edits = () => requests('PATCH', EDIT);
  const posts = () => requests('POST', POST);
  const followUps = () => requests('POST', FOLLOW_UP);
  const content = (r: RecordedRequest) => (r.body as { content: string }).content;

  /** A /valheim start at T0, the task starting, then running and answering at T0 + 4 min. */
  async function startThenReady(): Promise<TickResult> {
    await store.save({ phase: 'stopped' }, 0, {
      startReply: { applicationId: APP, token: 'start-token', createdAt: T0, userId: USER },
    });
    await runMonitorTick(ports, settings, 'task-event');
    server.current = RUNNING;
    now = T0 + 4 * MINUTE;
    return runMonitorTick(ports, settings, 'schedule');
  }

  async function laterTicks(count: number): Promise<void> {
    for (let i = 1; i <= count; i++) {
      now += MINUTE;
      await runMonitorTick(ports, settings, 'schedule');
    }
  }

  /** Answers with `failing` until `failures` have been given, then 200; records which requests succeeded. */
  function failThenOk(failures: number, failing: FakeResponse) {
    const succeeded: RecordedRequest[] = [];
    let left = failures;
    const respond = (request: RecordedRequest): FakeResponse => {
      if (left-- > 0) return failing;
      succeeded.push(request);
      return OK;
    };
    return { respond, succeeded };
  }

  it('retries the ready edit through a Discord outage on later ticks, and edits exactly once', async () => {
    // Given Discord answers 500 to the first five edits (more than one tick's retries)
    const edit = failThenOk(5, { status: 500, body: { message: '500: Internal Server Error', code: 0 } });
    discord.reply('PATCH', EDIT, edit.respond);

    // When the server becomes ready, and the minute ticks go on
    await startThenReady();
    expect(edit.succeeded).toHaveLength(0);
    expect((await store.load()).outbox).toHaveLength(1);
    await laterTicks(5);

    // Then the start reply got the address once, and nothing was posted anywhere else
    expect(edit.succeeded).toHaveLength(1);
    expect(content(edit.succeeded[0] as RecordedRequest)).toContain('`3.120.45.67:2456`');
    expect(edits().length).toBe(6);
    expect(posts()).toHaveLength(0);
    expect(followUps()).toHaveLength(0);
    expect((await store.load()).outbox).toBeUndefined();
  });

  it('repeats an edit that got no answer instead of posting a second notice', async () => {
    // Given a Discord that applies the first edit but whose answer never comes
    discord.reply('PATCH', EDIT, { ...OK, dropConnection: true }, OK);
    // When the server becomes ready
    await startThenReady();
    await laterTicks(2);
    // Then the edit was repeated (harmless: same message, same text), and nothing else was sent
    expect(edits()).toHaveLength(2);
    expect(new Set(edits().map(content)).size).toBe(1);
    expect(posts()).toHaveLength(0);
    expect(followUps()).toHaveLength(0);
    expect((await store.load()).outbox).toBeUndefined();
  });

  it('delivers the ready notice once when the answer to the ready state save is lost', async () => {
    // Given a connection that drops the answer to the write that marks the session ready (it is applied)
    const lossy: LossyDynamo = await startLossyProxy(dynamo);
    try {
      ports = { ...ports, store: new StateStore(sdkDocuments(lossy.client), tableName) };
      lossy.loseAnswer('UpdateItem', '"S":"ready"');
      // When the server becomes ready (the SDK sends the lost write again)
      const ready = await startThenReady();
      // Then the repeat is recognised as the tick's own write: the tick goes on to act and announce
      expect(ready.applied).toBe(true);
      expect(edits()).toHaveLength(1);
      await laterTicks(2);
      expect(lossy.lost).toBe(1);
    } finally {
      await lossy.close();
    }
    // and later ticks do not send it again
    expect(edits()).toHaveLength(1);
    expect(content(edits()[0] as RecordedRequest)).toContain('The server is up');
    const stored = await store.load();
    expect(stored.state.phase).toBe('ready');
    expect(stored.outbox).toBeUndefined();
  });

  it('posts to the channel, once and with an enforced nonce, when the start reply is gone', async () => {
    discord.reply('PATCH', EDIT, { status: 404, body: { message: 'Unknown Webhook', code: 10015 } });
    await startThenReady();
    await laterTicks(3);
    expect(edits()).toHaveLength(1);
    expect(posts()).toHaveLength(1);
    const body = posts()[0]?.body as { content: string; nonce: string; enforce_nonce: boolean };
    expect(body.content).toContain('The server is up');
    expect(body.nonce.length).toBeLessThanOrEqual(25);
    expect(body.enforce_nonce).toBe(true);
    expect(followUps()).toHaveLength(0);
  });

  it('repeats a channel post that got no answer with the same nonce, so Discord keeps one message', async () => {
    // Given the start reply has expired (the ready notice goes to the channel) and a first post that is
    // applied but never answered
    discord.reply('POST', POST, { ...OK, dropConnection: true }, OK);
    await store.save({ phase: 'stopped' }, 0, {
      startReply: { applicationId: APP, token: 'start-token', createdAt: T0 - 20 * MINUTE },
    });
    server.current = RUNNING;
    await runMonitorTick(ports, settings, 'task-event');
    await laterTicks(2);
    expect(posts()).toHaveLength(2);
    const nonces = posts().map((r) => (r.body as { nonce: string; enforce_nonce: boolean }).nonce);
    expect(nonces[0]).toBe(nonces[1]);
    expect(followUps()).toHaveLength(0);
  });

  it('follows up on the start reply when the channel refuses the bot token (401/40001), reporting that cause', async () => {
    // Given the reply cannot be edited and the channel answers 401 / 40001
    discord.reply('PATCH', EDIT, { status: 404, body: { message: 'Unknown Message', code: 10008 } });
    discord.reply('POST', POST, { status: 401, body: { message: '401: Unauthorized', code: 40001 } });
    await startThenReady();
    await laterTicks(2);
    // Then the notice is a follow-up on the still-valid reply, sent once
    expect(followUps()).toHaveLength(1);
    expect(content(followUps()[0] as RecordedRequest)).toContain('The server is up');
    expect(posts()).toHaveLength(1);
    // and the log says why the channel post failed
    const report = logged.find((entry) => entry.message === 'cannot post to the notice channel');
    expect(JSON.stringify(report?.fields)).toMatch(/refused the bot token \(401, code 40001 Unauthorized\)/);
  });

  it('sends the idle warning once although Discord was down when it was decided', async () => {
    // Given a ready server nobody joins, and a channel answering 503 from minute 20 to 27
    server.current = RUNNING;
    await runMonitorTick(ports, settings, 'task-event');
    const post = failThenOk(0, OK);
    const warningTicks: number[] = [];
    discord.reply('POST', POST, (request) => {
      if (now >= T0 + 20 * MINUTE && now < T0 + 27 * MINUTE) return { status: 503, body: {} };
      if (content(request).includes('Nobody has joined')) warningTicks.push(now);
      return post.respond(request);
    });
    for (let minute = 1; minute <= 29; minute++) {
      now = T0 + minute * MINUTE;
      await runMonitorTick(ports, settings, 'schedule');
    }
    // Then the warning decided at minute 25 came through at minute 27, once
    const warnings = post.succeeded.filter((r) => content(r).includes('Nobody has joined'));
    expect(warnings).toHaveLength(1);
    expect(warningTicks).toEqual([T0 + 27 * MINUTE]);
  });

  it('keeps polling on until the stop notice is delivered', async () => {
    // Given a ready server that is stopped while Discord is down
    server.current = RUNNING;
    await runMonitorTick(ports, settings, 'task-event');
    discord.reply('POST', POST, { status: 503, body: {} });
    server.current = STOPPED;
    now = T0 + 10 * MINUTE;
    await runMonitorTick(ports, settings, 'task-event');
    // Then the schedule stays on, so a later tick can deliver
    expect(events).not.toContain('polling off');
    // When Discord is back
    const post = failThenOk(0, OK);
    discord.reply('POST', POST, post.respond);
    await laterTicks(2);
    // Then the stop notice was posted once, and only then was polling switched off
    expect(post.succeeded.map(content).filter((text) => text.includes('Server stopped'))).toHaveLength(1);
    expect(events.at(-1)).toBe('polling off');
  });

  it('drops undelivered notices of a session once its stop is announced', async () => {
    // Given Discord down from before the server is ready until after it stopped
    discord.reply('POST', POST, { status: 503, body: {} });
    server.current = RUNNING;
    await runMonitorTick(ports, settings, 'task-event'); // ready notice pending
    server.current = STOPPED;
    now = T0 + 10 * MINUTE;
    await runMonitorTick(ports, settings, 'task-event');
    // (no shutdown save in the log: the stop is announced once the wait for it is over)
    now += SHUTDOWN_SAVE_WAIT_MS;
    await runMonitorTick(ports, settings, 'schedule');
    expect((await store.load()).outbox?.map((notice) => notice.kind)).toEqual(['announce-stopped']);
    // When Discord is back
    const post = failThenOk(0, OK);
    discord.reply('POST', POST, post.respond);
    await laterTicks(1);
    // Then only the stop is posted: "the server is up" would be wrong by now
    expect(post.succeeded.map(content)).toEqual([expect.stringContaining('Server stopped')]);
  });

  it('lets only one of two overlapping ticks send a pending follow-up', async () => {
    // Given no notice channel and a ready notice pending whose edit is gone (so it is a follow-up, which
    // Discord cannot deduplicate), and a slow Discord
    ports = { ...ports, notify: notifier(undefined) };
    discord.reply('PATCH', EDIT, { status: 404, body: { code: 10015 } });
    discord.reply('POST', FOLLOW_UP, { status: 503, body: {} });
    await startThenReady();
    expect((await store.load()).outbox?.[0]?.editGone).toBe(true);
    let answer = () => {};
    discord.reply(
      'POST',
      FOLLOW_UP,
      { ...OK, holdUntil: new Promise<void>((resolve) => (answer = resolve)) },
      OK,
    );
    const before = followUps().length;
    // When two ticks run at the same time (a task event while a minute tick waits for Discord's answer)
    now += MINUTE;
    const sending = discord.received('POST', FOLLOW_UP);
    const first = runMonitorTick(ports, settings, 'schedule');
    await sending;
    await runMonitorTick(ports, settings, 'task-event');
    answer();
    await first;
    // Then it was sent once
    const delivered = followUps().length - before;
    expect(delivered).toBe(1);
  });
});

describe('deliverPending', () => {
  it('gives up, logging it, on a notice Discord has not taken for an hour, and still tries the others', async () => {
    // Given an hour-old notice and a fresh one
    const completed: string[] = [];
    const sent: string[] = [];
    const errors: string[] = [];
    const pending = (id: string, createdAt: number) => ({
      id,
      kind: 'warn-idle' as const,
      notice: { content: id, components: [] },
      editReply: false,
      createdAt,
      attempts: 40,
    });
    const left = await deliverPending(
      [pending('old', T0 - GIVE_UP_AFTER_MS - 1), pending('new', T0 - 60_000)],
      {
        store: {
          claimDelivery: async () => true,
          markEditGone: async () => {},
          completeDelivery: async (id) => void completed.push(id),
        },
        notify: async (notice) => {
          sent.push(notice.content);
          return { status: 'delivered', via: 'channel' };
        },
        now: () => T0,
        log: { info: () => {}, warn: () => {}, error: (message) => void errors.push(message) },
      },
    );
    // Then the old one is removed unsent, the new one delivered
    expect(sent).toEqual(['new']);
    expect(completed).toEqual(['old', 'new']);
    expect(left).toBe(0);
    expect(errors).toEqual(['notice given up: Discord did not take it for an hour']);
  });
});
