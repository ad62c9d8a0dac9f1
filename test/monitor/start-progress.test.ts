import { beforeEach, describe, expect, it } from 'vitest';
import { REFRESH_AS_NEW_MESSAGE_ID } from '../../src/discord/components.js';
import { type MonitorPorts, runMonitorTick } from '../../src/monitor/monitor.js';
import { discordStartProgress } from '../../src/monitor/start-progress.js';
import type { StateStore } from '../../src/monitor/state-store.js';
import type { LogPresence } from '../../src/players/log-presence.js';
import { type TaskSnapshot, taskIdOf } from '../../src/server/server-status.js';
import { USUAL_START_TIME } from '../../src/server/start-budget.js';
import type { FakeDiscord, RecordedRequest } from '../cli/fake-discord.js';
import { type FakeGameServer, RUNNING } from '../support/fake-game-server.js';
import {
  CHANNEL,
  FOLLOW_UP_PATH,
  monitorHarness,
  REPLY_PATH,
  STARTER,
  SETTINGS as settings,
  startedByCommand,
  starting,
} from './harness.js';

/* A start the group can watch, end to end through the monitor: the real Discord REST client against the
 * loopback Discord fake, the ledger in dynalite, the real A2S client against a loopback responder. */

const T0 = Date.parse('2026-11-30T18:02:00Z');
const baseTask = RUNNING.task as TaskSnapshot;

describe('start progress (monitor, loopback Discord)', () => {
  const harness = monitorHarness();
  let discord: FakeDiscord;
  let store: StateStore;
  let server: FakeGameServer;
  let now: number;
  let ports: MonitorPorts;

  beforeEach(async () => {
    now = T0 + 5_000;
    ({ discord, store, server, ports } = await harness.fresh({
      status: starting({ createdAt: new Date(T0 + 3_000), lastStatus: 'PROVISIONING' }),
      now: () => now,
      // A short retry budget: how long a refused edit is retried is the subject of rest-client.test.ts
      rest: { retryBudgetMs: 500 },
      queryTimeoutMs: 300,
      ports: ({ rest, store }) => ({
        startProgress: discordStartProgress({ rest, noticeChannelId: CHANNEL, store, now: () => now }),
      }),
    }));
    // What /valheim start leaves behind: the reply to edit
    await startedByCommand(store, T0);
  });

  const edits = () => discord.requests.filter((r) => r.method === 'PATCH' && r.path === REPLY_PATH);
  const content = (request: RecordedRequest | undefined) =>
    (request?.body as { content?: string } | undefined)?.content ?? '';
  const logSays = async (start: LogPresence['start']) => {
    const { version } = await store.loadPresence();
    await store.savePresence(
      { taskId: taskIdOf(baseTask.taskArn), peers: [], ...(start && { start }) },
      version,
    );
  };
  const tick = async (at: number) => {
    now = at;
    await runMonitorTick(ports, settings, 'schedule');
  };

  it('edits the start reply through the phases, then announces the ready server with its start time', async () => {
    // Given the task was created and is being placed
    await tick(T0 + 5_000);
    expect(edits()).toHaveLength(1);
    expect(content(edits()[0])).toContain(`<@${STARTER}> started the server`);
    expect(content(edits()[0])).toContain('**Starting… placing the task** · 5 s so far.');
    expect(content(edits()[0])).toContain(`A start usually takes ${USUAL_START_TIME}.`);

    // When nothing changes, no edit; when the pull starts, one
    await tick(T0 + 10_000);
    expect(edits()).toHaveLength(1);
    server.current = starting({ createdAt: new Date(T0 + 3_000), pullStartedAt: new Date(T0 + 18_000) });
    await tick(T0 + 20_000);
    expect(content(edits()[1])).toContain('**Starting… pulling the image**');
    expect(content(edits()[1])).toContain('✅ placing the task 18 s · ⏳ pulling the image');

    // When the cache is restored and steamcmd reports its download size
    server.current = starting({
      createdAt: new Date(T0 + 3_000),
      pullStartedAt: new Date(T0 + 18_000),
      pullStoppedAt: new Date(T0 + 58_000),
    });
    await logSays({ cache: 'restored', cacheRestoredAt: T0 + 80_000, updateStartedAt: T0 + 90_000 });
    await tick(T0 + 91_000);
    expect(content(edits().at(-1))).toContain('**Starting… updating the game**');
    expect(content(edits().at(-1))).toContain('✅ restoring the game files 32 s');
    await logSays({
      cache: 'restored',
      cacheRestoredAt: T0 + 80_000,
      updateStartedAt: T0 + 90_000,
      downloadBytes: 583_712_014,
    });
    await tick(T0 + 95_000);
    expect(content(edits().at(-1))).toContain('**Starting… updating the game (downloading 584 MB)**');

    // When the world loads, then the server is up and answers
    await logSays({
      cache: 'restored',
      updateStartedAt: T0 + 90_000,
      downloadBytes: 583_712_014,
      launchedAt: T0 + 100_000,
    });
    await tick(T0 + 101_000);
    expect(content(edits().at(-1))).toContain('**Starting… loading the world**');
    const editsBeforeReady = edits().length;
    await logSays({
      cache: 'restored',
      updateStartedAt: T0 + 90_000,
      downloadBytes: 583_712_014,
      launchedAt: T0 + 100_000,
      readyAt: T0 + 112_000,
    });
    server.current = {
      ...RUNNING,
      task: {
        ...baseTask,
        createdAt: new Date(T0 + 3_000),
        pullStartedAt: new Date(T0 + 18_000),
        pullStoppedAt: new Date(T0 + 58_000),
      },
    };
    await tick(T0 + 115_000);

    // Then the reply's last edit says where to join and how long it took
    expect(edits()).toHaveLength(editsBeforeReady + 1);
    const ready = content(edits().at(-1));
    expect(ready).toContain('Join at `3.120.45.67:2456` — ready in 1 min 52 s.');
    expect(ready).toContain('placing the task 18 s · pulling the image 40 s · restoring the game files 32 s');
    // And its Refresh answers with a new message instead of replacing it
    expect(
      JSON.stringify((edits().at(-1)?.body as { components?: unknown } | undefined)?.components),
    ).toContain(REFRESH_AS_NEW_MESSAGE_ID);
    // And a new message under the reply and in the notice channel notifies only the starter
    const notices = discord.requests.filter(
      (r) =>
        r.method === 'POST' &&
        (r.path === FOLLOW_UP_PATH || r.path.startsWith(`/api/v10/channels/${CHANNEL}`)),
    );
    expect(notices.map((r) => r.path)).toEqual([FOLLOW_UP_PATH, `/api/v10/channels/${CHANNEL}/messages`]);
    for (const notice of notices) {
      expect(content(notice)).toContain(`<@${STARTER}> The server is ready: join at \`3.120.45.67:2456\``);
      expect((notice.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({
        parse: [],
        users: [STARTER],
      });
    }
    // And the ledger keeps the start's timeline
    const [session] = await store.sessions(new Date(T0 - 1), new Date(T0 + 600_000));
    expect(session?.start).toEqual({
      totalMs: 112_000,
      phases: { placing: 18_000, pulling: 40_000, restoring: 32_000, updating: 10_000, loading: 12_000 },
      cache: 'restored',
      downloadBytes: 583_712_014,
    });
  });

  it('says how long starts usually take, from the ledger', async () => {
    // Given three earlier starts in the ledger
    for (const [i, totalMs] of [90_000, 150_000, 120_000].entries()) {
      await store.recordSession({
        sessionId: new Date(T0 - (i + 1) * 86_400_000).toISOString(),
        startedAt: T0 - (i + 1) * 86_400_000,
        start: { totalMs, phases: {} },
      });
    }
    // When the start reply is first edited
    await tick(T0 + 5_000);
    // Then it quotes the median
    expect(content(edits()[0])).toContain('A start here usually takes 2 min.');
  });

  it('leaves an expired start reply alone and still starts the server', async () => {
    await tick(T0 + 20 * 60_000);
    expect(edits()).toEqual([]);
    expect((await store.load()).state.phase).toBe('starting');
  });

  it('keeps the start going when Discord refuses the edit', async () => {
    discord.reply('PATCH', REPLY_PATH, { status: 500, body: { message: 'boom' } });
    await tick(T0 + 5_000);
    expect((await store.load()).state).toMatchObject({ phase: 'starting', startProgress: 'placing' });
  });
});
