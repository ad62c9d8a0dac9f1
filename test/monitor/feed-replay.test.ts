import type { CloudWatchLogsDecodedData } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sdkDocuments } from '../../src/aws/sdk-dynamodb.js';
import { DiscordRest } from '../../src/discord/rest-client.js';
import { discordSafe } from '../../src/discord/safe-text.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import { discordLive, discordNotifier } from '../../src/monitor/discord-notifier.js';
import { FEED_BATCH_MS } from '../../src/monitor/feed.js';
import { type MonitorPorts, type MonitorSettings, runMonitorTick } from '../../src/monitor/monitor.js';
import { StateStore } from '../../src/monitor/state-store.js';
import { ingestLogBatch } from '../../src/players/log-ingest.js';
import { feedFilterPattern, parseLogLine } from '../../src/players/server-log.js';
import { FEED_KINDS, type FeedKind } from '../../src/records/feed.js';
import type { ServerStatus } from '../../src/server/server-status.js';
import { type FakeDiscord, startFakeDiscord } from '../cli/fake-discord.js';
import { type LocalDynamo, startDynalite } from '../support/dynalite.js';
import { type FakeChannel, fakeChannel, seededFaults } from '../support/fake-discord-channel.js';
import { FakeGameServer, RUNNING } from '../support/fake-game-server.js';
import { forwardedBatches } from '../support/filter-replay.js';
import { crossplaySession, type LogLine, type Session, steamSession } from '../support/valheim-sessions.js';

/*
 * The feed, end to end as it runs: a replayed evening's lines through CloudWatch's filter (the pattern the
 * stack and a mute set), one log-Lambda batch per 5-second shipment into the state table (dynalite), a monitor
 * tick every minute, and Discord (a stateful channel) failing a quarter of the requests, half of them after
 * applying them. The channel is the truth: every line of news in it exactly once, in few messages.
 */

const MINUTE = 60_000;
const START = Date.parse('2026-11-23T19:00:00Z');
const CHANNEL = '678901234567890123';
const TASK_ARN = RUNNING.task?.taskArn ?? '';
const STREAM = `valheim/Valheim/${TASK_ARN.split('/').pop()}`;
/** Lines reach the log Lambda up to 5 s after they were logged, and the table 2 s later. */
const DELIVERY_MS = 7000;
const ALL_KINDS: readonly FeedKind[] = FEED_KINDS;

function batchOf(lines: readonly LogLine[]): CloudWatchLogsDecodedData {
  return {
    messageType: 'DATA_MESSAGE',
    owner: '111122223333',
    logGroup: '/valheim-ondemand/server',
    logStream: STREAM,
    subscriptionFilters: ['players'],
    logEvents: lines.map((line, i) => ({ id: String(i), timestamp: line.at, message: line.message })),
  };
}

const time = (at: number) => `<t:${Math.floor(at / 1000)}:t>`;
const textOf = (line: LogLine) =>
  line.message.replace(/^.*?valheim-server \d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d: /, '');

/**
 * The news the log of a Steam evening carries, read off its lines with plain patterns (not the code under
 * test): joins at the connect line of each first spawn's player, leaves at each "Closing socket", deaths,
 * the raid and the boss, and every save before the shutdown (the two lines of a pre-1.0 save are one).
 */
function steamNews(session: Session): string[] {
  const names = new Map<string, string>();
  const connectedAt = new Map<string, number>();
  let lastConnect: string | undefined;
  const news: Array<[number, string]> = [];
  for (const line of session.lines) {
    const text = textOf(line);
    const connect = /^Got connection SteamID (\d+)$/.exec(text);
    const spawn = /^Got character ZDOID from (.+) : \d+:1$/.exec(text);
    const close = /^Closing socket (\d+)$/.exec(text);
    const death = /^Got character ZDOID from (.+) : 0:0$/.exec(text);
    if (connect?.[1]) {
      lastConnect = connect[1];
      connectedAt.set(connect[1], line.at);
    } else if (spawn?.[1] && lastConnect && !names.has(lastConnect)) {
      names.set(lastConnect, spawn[1]);
      news.push([connectedAt.get(lastConnect) ?? 0, `➡️ **${discordSafe(spawn[1])}** joined`]);
    } else if (close?.[1]) {
      news.push([line.at, `⬅️ **${discordSafe(names.get(close[1]) ?? '?')}** left`]);
    } else if (death?.[1]) {
      news.push([line.at, `💀 **${discordSafe(death[1])}** died`]);
    } else if (text === 'Random event set:army_eikthyr') {
      news.push([line.at, "🚨 A raid: Eikthyr's creatures (boars and necks)"]);
    } else if (text === 'Setting global key defeated_eikthyr') {
      news.push([line.at, '⚔️ **Eikthyr** was defeated!']);
    } else if (/^World saved/.test(text) && line.at < session.shutdownAt) {
      news.push([line.at, '💾 The world was saved']);
    }
  }
  return news.sort((a, b) => a[0] - b[0]).map(([at, text]) => `${time(at)} ${text}`);
}

/**
 * A crossplay evening's news: joins at each platform ID line of a player who then spawned; leaves named
 * nobody (with two or more on, the log does not say who left, and after that guess no later leave is sure
 * either); deaths, the raid, the boss, and each completed 1.0 save before the shutdown.
 */
function crossplayNews(session: Session): string[] {
  const news: Array<[number, string]> = [];
  let platformAt: number | undefined;
  for (const line of session.lines) {
    const text = textOf(line);
    const lost = /^Player connection lost .*, now (\d+) player\(s\)$/.exec(text);
    const spawn = /^Got character ZDOID from (.+) : -?\d+:1$/.exec(text);
    const death = /^Got character ZDOID from (.+) : 0:0$/.exec(text);
    if (/received local Platform ID/.test(text)) platformAt = line.at;
    else if (spawn?.[1] && platformAt !== undefined) {
      news.push([platformAt, `➡️ **${discordSafe(spawn[1])}** joined`]);
      platformAt = undefined;
    } else if (lost) news.push([line.at, `⬅️ A player left (${lost[1]} on)`]);
    else if (death?.[1]) news.push([line.at, `💀 **${discordSafe(death[1])}** died`]);
    else if (text === 'Random event set:army_theelder') {
      news.push([line.at, "🚨 A raid: the Elder's army (greydwarfs)"]);
    } else if (text === 'Setting global key defeated_gdking') {
      news.push([line.at, '⚔️ **The Elder** was defeated!']);
    } else if (/^World save \(5\/5\) done/.test(text) && line.at < session.shutdownAt) {
      news.push([line.at, '💾 The world was saved']);
    }
  }
  return news.sort((a, b) => a[0] - b[0]).map(([at, text]) => `${time(at)} ${text}`);
}

describe('the activity feed, replayed through the filter, the log Lambda, the monitor and a failing Discord', () => {
  let dynamo: LocalDynamo;
  let discord: FakeDiscord;
  let channel: FakeChannel;
  let store: StateStore;
  let server: FakeGameServer;
  let now: number;
  let table = 0;
  let ports: MonitorPorts;

  beforeAll(async () => {
    [dynamo, discord] = await Promise.all([startDynalite(), startFakeDiscord()]);
  });
  afterAll(async () => {
    await Promise.all([dynamo.close(), discord.close()]);
  });
  beforeEach(async () => {
    const name = `feed-${++table}`;
    await dynamo.createTable(name);
    store = new StateStore(sdkDocuments(dynamo.client), name);
    server = new FakeGameServer(RUNNING);
    now = START;
    discord.requests.length = 0;
    channel = fakeChannel(discord, CHANNEL, () => now);
    const rest = new DiscordRest({
      baseUrl: `${discord.apiUrl}/v10`,
      botToken: async () => 'bot-token',
      timeoutMs: 120,
      retryBudgetMs: 0, // each tick tries once; the next minute tries again
    });
    ports = {
      server,
      store,
      queryPlayers: async () => {
        throw new Error('private server: no query');
      },
      notify: discordNotifier({
        rest,
        noticeChannelId: CHANNEL,
        now: () => now,
        log: silentLogger,
      }),
      live: { discord: discordLive(rest), channelId: CHANNEL, store },
      polling: { enable: async () => {}, disable: async () => {} },
      now: () => now,
      log: silentLogger,
    };
  });

  function settingsFor(crossplay: boolean, kinds: readonly FeedKind[]): MonitorSettings {
    return {
      public: false,
      crossplay,
      // No automatic stop: the evening ends when the log shows the shutdown.
      lifecycle: {
        ...DEFAULT_LIFECYCLE,
        idleStopMinutes: 0,
        emptyStopMinutes: 0,
        unknownLimitMinutes: 0,
        maxSessionHours: 0,
      },
      task: { cpu: 2048, memoryMiB: 8192, spot: false },
      notices: { crossplay, idleStopMinutes: 0, emptyStopMinutes: 0 },
      feed: { kinds },
    };
  }

  /** Replays the evening minute by minute; returns what CloudWatch forwarded. */
  async function replay(session: Session, settings: MonitorSettings, seed: number): Promise<LogLine[]> {
    const muted = (await store.load()).feedMuted ?? [];
    const batches = forwardedBatches(feedFilterPattern(settings.feed?.kinds ?? [], muted), session.lines);
    channel.faults = seededFaults(seed, 0.25);
    let delivered = 0;
    const end = session.shutdownAt + 10 * MINUTE;
    for (now = START + MINUTE; now <= end; now += MINUTE) {
      while (delivered < batches.length && (batches[delivered]?.[0]?.at ?? Infinity) + DELIVERY_MS <= now) {
        const batch = batches[delivered] ?? [];
        const arrived = (batch[0]?.at ?? now) + DELIVERY_MS;
        await ingestLogBatch(batchOf(batch), store, silentLogger, () => arrived);
        delivered++;
      }
      if (now >= session.shutdownAt + 20_000) {
        server.current = {
          state: 'stopped',
          desiredCount: 0,
          runningCount: 0,
          pendingCount: 0,
          lastStopped: { taskArn: TASK_ARN, lastStatus: 'STOPPED', desiredStatus: 'STOPPED' },
        } satisfies ServerStatus;
      }
      // Discord recovers for the last minutes: what is still pending then must go out, once.
      if (now >= session.shutdownAt + 5 * MINUTE) channel.faults = () => 'ok';
      await runMonitorTick(ports, settings, 'schedule');
    }
    expect((await store.load()).outbox ?? []).toEqual([]);
    return batches.flat();
  }

  const feedMessages = () => channel.messages.filter((message) => /^<t:\d+:t> /.test(message.content));
  const feedLines = () => feedMessages().flatMap((message) => message.content.split('\n'));

  /** At most one message per window of two minutes (a batch waits one minute, ticks come every minute). */
  function batchWindows(forwarded: readonly LogLine[]): number {
    const arrivals = forwarded
      .filter((line) => parseLogLine(line.message))
      .map((line) => line.at + DELIVERY_MS)
      .sort((a, b) => a - b);
    let windows = 0;
    let open = Number.NEGATIVE_INFINITY;
    for (const at of arrivals) {
      if (at < open + FEED_BATCH_MS + MINUTE) continue;
      windows++;
      open = at;
    }
    return windows;
  }

  it.each([1])(
    'Steam: every line of news once, batched, names escaped (Discord faults, seed %i)',
    async (seed) => {
      const session = steamSession(START);
      const forwarded = await replay(session, settingsFor(false, ALL_KINDS), seed);
      const expected = steamNews(session);
      // Then the channel holds each expected line exactly once, and nothing else of the feed
      expect(feedLines().sort()).toEqual([...expected].sort());
      expect(expected.length).toBeGreaterThan(20);
      // in log order within each message
      for (const message of feedMessages()) {
        const times = message.content.split('\n').map((line) => Number(/<t:(\d+):t>/.exec(line)?.[1]));
        expect(times).toEqual([...times].sort((a, b) => a - b));
      }
      // batched: each batch is one edit, at most one per window of two minutes
      const batches = feedMessages().reduce((sum, message) => sum + 1 + message.changes, 0);
      expect(batches).toBeLessThanOrEqual(batchWindows(forwarded));
      // one message for the evening, edited as each batch comes (a busy evening may need a second)
      expect(feedMessages().length).toBeLessThanOrEqual(2);
      // the name with markdown and a mention shows as written and pings nobody
      expect(feedLines().join('\n')).toContain('**Björn\\_Järnsida \\*@\u200bhere\\*** joined');
      expect(feedLines().join('\n')).not.toMatch(/@here|@everyone/);
      for (const request of discord.requests.filter((r) => r.method === 'POST' || r.method === 'PATCH')) {
        expect((request.body as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [] });
      }
    },
  );

  it.each([4])(
    'crossplay: every line of news once, leaves unnamed when the log cannot tell who (seed %i)',
    async (seed) => {
      const session = crossplaySession(START);
      await replay(session, settingsFor(true, ALL_KINDS), seed);
      const expected = crossplayNews(session);
      expect(feedLines().sort()).toEqual([...expected].sort());
      expect(feedLines().filter((line) => line.includes('joined'))).toHaveLength(3);
      expect(feedLines().filter((line) => line.includes('left'))).toHaveLength(3);
    },
  );

  it('a muted kind posts nothing and is not forwarded; the kinds not opted into neither', async () => {
    // Given deaths muted from Discord, and a group that opted into joins, deaths and bosses only
    await store.setFeedMuted('deaths', true);
    const session = crossplaySession(START);
    const forwarded = await replay(session, settingsFor(true, ['joins', 'deaths', 'bosses']), 6);
    // Then no death or raid line reached the log Lambda at all, and none was posted
    const kinds = new Set(forwarded.map((line) => parseLogLine(line.message)?.kind));
    expect(kinds).not.toContain('death');
    expect(kinds).not.toContain('random-event');
    expect(kinds).toContain('boss-defeated');
    expect(feedLines().some((line) => /died|raid|saved/.test(line))).toBe(false);
    // and what was opted into came through
    expect(feedLines().filter((line) => /joined|left|defeated/.test(line))).toHaveLength(7);
  });
});
