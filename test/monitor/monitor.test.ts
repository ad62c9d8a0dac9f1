import { beforeEach, describe, expect, it } from 'vitest';
import { claimBasis, isRepeatClaim } from '../../src/monitor/claims.js';
import { type MonitorPorts, reportTransfer, runMonitorTick } from '../../src/monitor/monitor.js';
import type { StateStore } from '../../src/monitor/state-store.js';
import { queryInfo } from '../../src/players/a2s.js';
import { applyLogEvent, emptyPresence } from '../../src/players/log-presence.js';
import { parseLogLine } from '../../src/players/server-log.js';
import { taskIdOf } from '../../src/server/server-status.js';
import type { FakeDiscord } from '../cli/fake-discord.js';
import type { Responder } from '../support/a2s-responder.js';
import { type FakeGameServer, RUNNING, STOPPED } from '../support/fake-game-server.js';
import {
  APP,
  CHANNEL,
  type LogEntry,
  startedByCommand as leaveStartReply,
  MINUTE,
  monitorHarness,
  STARTING,
  SETTINGS as settings,
  T0,
} from './harness.js';

describe('monitor tick', () => {
  const harness = monitorHarness();
  let discord: FakeDiscord;
  let a2s: Responder;
  let store: StateStore;
  let server: FakeGameServer;
  let now: number;
  let events: string[];
  let logged: LogEntry[];
  let ports: MonitorPorts;
  let notifier: (channel: string | undefined) => MonitorPorts['notify'];

  beforeEach(async () => {
    now = T0;
    ({ discord, a2s, store, server, events, logged, ports, notifier } = await harness.fresh({
      status: STARTING,
      now: () => now,
      // retries are the subject of deliveries.test.ts
      rest: { timeoutMs: 300, retryBudgetMs: 0 },
    }));
  });

  const requestsTo = (fragment: string) => discord.requests.filter((r) => r.path.includes(fragment));
  const contentOf = (request: { body: unknown }) => (request.body as { content: string }).content;

  const startedByCommand = () => leaveStartReply(store);

  it('opens a session, then edits the start reply with the address once the server answers', async () => {
    await startedByCommand();

    // When the task is starting
    const first = await runMonitorTick(ports, settings, 'task-event');
    // Then a session is opened, polling switched on, and a ledger row written
    expect(first.state.phase).toBe('starting');
    expect(events).toEqual(['polling on']);
    expect(await store.sessions(new Date(T0 - 1), new Date(T0 + 1))).toMatchObject([
      { startedAt: T0, cpu: 2048, spot: false },
    ]);

    // When the task runs and answers the query
    server.current = RUNNING;
    now = T0 + 4 * MINUTE;
    const second = await runMonitorTick(ports, settings, 'schedule');

    // Then the start reply is edited with the address, DNS is updated, the ledger gets readyAt
    expect(second.state.phase).toBe('ready');
    const [edit] = requestsTo('/messages/@original');
    if (!edit) throw new Error('the start reply was not edited');
    expect(edit.method).toBe('PATCH');
    expect(contentOf(edit)).toContain('`3.120.45.67:2456`');
    expect(contentOf(edit)).toContain('<@345678901234567890> started the server');
    expect((edit.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [] });
    expect(events).toContain('dns upsert 3.120.45.67');
    expect((await store.sessions(new Date(T0 - 1), new Date(T0 + 1)))[0]?.readyAt).toBe(T0 + 4 * MINUTE);
  });

  it('posts the ready notice to the channel when the start reply has expired', async () => {
    await startedByCommand();
    await runMonitorTick(ports, settings, 'task-event');
    server.current = RUNNING;
    now = T0 + 20 * MINUTE; // the interaction token is no longer valid
    await runMonitorTick(ports, settings, 'schedule');
    expect(requestsTo('/messages/@original')).toHaveLength(0);
    const [post] = requestsTo(`/channels/${CHANNEL}/messages`);
    expect(post?.headers.authorization).toBe('Bot bot-token');
    expect(contentOf(post as { body: unknown })).toContain('The server is up');
  });

  it('warns, stops an empty server, and announces the stop with its reason', async () => {
    server.current = RUNNING;
    await runMonitorTick(ports, settings, 'task-event'); // ready at T0
    // (warned for minute 30; the stop comes on the query's 0 at least 90 s later: minute 32)
    for (let minute = 1; minute <= 32; minute++) {
      now = T0 + minute * MINUTE;
      await runMonitorTick(ports, settings, 'schedule');
      if (minute === 31) expect(server.desiredCounts).toEqual([]);
    }
    const posts = requestsTo(`/channels/${CHANNEL}/messages`).map(contentOf);
    expect(posts.some((text) => text.includes('Nobody has joined'))).toBe(true);
    expect(server.desiredCounts).toEqual([0]);

    // When ECS has stopped the task (and, no shutdown save in the log, the notice waited 90 s for one)
    server.current = STOPPED;
    now = T0 + 32 * MINUTE;
    expect((await runMonitorTick(ports, settings, 'task-event')).state.phase).toBe('stopping');
    now = T0 + 32 * MINUTE + 90_000;
    const done = await runMonitorTick(ports, settings, 'schedule');
    expect(done.state.phase).toBe('stopped');
    expect(requestsTo(`/channels/${CHANNEL}/messages`).map(contentOf).at(-1)).toContain(
      'nobody joined within 30 minutes',
    );
    expect(events.slice(-2)).toEqual(['dns remove 3.120.45.67', 'polling off']);
    const [session] = await store.sessions(new Date(T0 - 1), new Date(T0 + 1));
    expect(session).toMatchObject({ stoppedAt: T0 + 32 * MINUTE + 90_000, stopReason: 'nobody-joined' });
    expect((await store.load()).startReply).toBeUndefined();
  });

  it('writes the minutes each character played into the session row when the session closes', async () => {
    // Given a running server where the log named Anna from her connection, which ended after 4 minutes
    server.current = RUNNING;
    await runMonitorTick(ports, settings, 'task-event'); // ready at T0
    const lines: Array<[string, number]> = [
      ['Got connection SteamID 76561198000000001', T0 + MINUTE],
      ['Got character ZDOID from Ånna 🛡️ : 2146304912:1', T0 + MINUTE + 20_000],
      ['Closing socket 76561198000000001', T0 + 5 * MINUTE],
    ];
    const presence = lines.reduce(
      (current, [text, at]) => {
        const event = parseLogLine(text);
        return event ? applyLogEvent(current, event, at) : current;
      },
      emptyPresence(taskIdOf(RUNNING.task?.taskArn ?? '')),
    );
    expect(await store.savePresence(presence, 0)).toBe(true);
    // When the monitor stops the empty server and the session closes
    for (let minute = 1; minute <= 40; minute++) {
      now = T0 + minute * MINUTE;
      await runMonitorTick(ports, settings, 'schedule');
    }
    server.current = STOPPED;
    now = T0 + 42 * MINUTE;
    await runMonitorTick(ports, settings, 'task-event');
    now = T0 + 42 * MINUTE + 90_000;
    await runMonitorTick(ports, settings, 'schedule');
    // Then the ledger row says who played how long
    const [session] = await store.sessions(new Date(T0 - 1), new Date(T0 + 1));
    expect(session?.stoppedAt).toBeDefined();
    expect(session?.characterMinutes).toEqual({ 'Ånna 🛡️': 4 });
  });

  it('claims its idle stop like /valheim stop does, so a member pressing Stop meanwhile does not scale down again', async () => {
    // Given an empty server the monitor stops at minute 32 (announced for 30, settled on the query's 0)
    server.current = RUNNING;
    for (let minute = 0; minute <= 32; minute++) {
      now = T0 + minute * MINUTE;
      await runMonitorTick(ports, settings, 'schedule');
    }
    expect(server.desiredCounts).toEqual([0]);
    // Then the state carries the claim, made on the view ECS gave (desired 1, the running task)
    const { claim } = await store.load();
    expect(claim).toEqual({ desiredCount: 0, basis: `1:${RUNNING.task?.taskArn}`, at: T0 + 32 * MINUTE });
    // and /valheim stop on that same (not yet updated) view is a repeat
    expect(isRepeatClaim(claim, 0, claimBasis(RUNNING), T0 + 32 * MINUTE + 5000)).toBe(true);
  });

  it('re-checks at the moment of stopping: a join the log brought during the tick calls the stop off', async () => {
    // Given an empty server due to stop (warned for minute 30, the query answering 0)
    server.current = RUNNING;
    for (let minute = 0; minute <= 31; minute++) {
      now = T0 + minute * MINUTE;
      await runMonitorTick(ports, settings, 'schedule');
    }
    expect(server.desiredCounts).toEqual([]);
    // When, while the tick at minute 32 asks the query, the log Lambda stores a "Got connection" line (a
    // player still loading in, whom the query does not show yet)
    const taskId = taskIdOf(RUNNING.task?.taskArn ?? '');
    let asked = 0;
    now = T0 + 32 * MINUTE;
    const during: MonitorPorts = {
      ...ports,
      queryPlayers: async () => {
        if (asked++ === 0) {
          const event = parseLogLine('Got connection SteamID 76561198000000001');
          if (!event) throw new Error('unparsed');
          const { version } = await store.loadPresence();
          await store.savePresence(
            applyLogEvent({ ...emptyPresence(taskId), readyAt: T0 }, event, now - 5000),
            version,
          );
        }
        return 0;
      },
    };
    const tick = await runMonitorTick(during, settings, 'schedule');
    // Then the query was asked again and the newest log read: no stop, the player counts
    expect(asked).toBe(2);
    expect(server.desiredCounts).toEqual([]);
    expect(tick.actions.map((action) => action.type)).toContain('cancel-idle-warning');
    expect(tick.state).toMatchObject({ phase: 'ready', players: 1 });
  });

  it('never stops while the query reports players', async () => {
    server.current = RUNNING;
    a2s.options = { infoPlayers: 2 };
    for (let minute = 0; minute <= 120; minute += 5) {
      now = T0 + minute * MINUTE;
      await runMonitorTick(ports, settings, 'schedule');
    }
    expect(server.desiredCounts).toEqual([]);
    expect((await store.load()).state).toMatchObject({ phase: 'ready', players: 2, everJoined: true });
  });

  it('takes a query that gets no answer as "unknown" and does not stop', async () => {
    server.current = RUNNING;
    a2s.options = { mode: 'silent' };
    // a silent server is what is tested, not the wait for it: a short query timeout keeps seven ticks quick
    ports = {
      ...ports,
      queryPlayers: async (_host, signal) =>
        (await queryInfo('127.0.0.1', a2s.port, { timeoutMs: 150, signal })).players,
    };
    // the server log says it is up (and shows no Steam connection), so the session is ready
    await store.savePresence({ taskId: taskIdOf(RUNNING.task?.taskArn ?? ''), peers: [], readyAt: T0 }, 0);
    for (let minute = 0; minute <= 60; minute += 10) {
      now = T0 + minute * MINUTE;
      await runMonitorTick(ports, settings, 'schedule');
    }
    expect(server.desiredCounts).toEqual([]);
    expect((await store.load()).state).toMatchObject({ phase: 'ready', players: 'unknown' });
  });

  it('does not act when a command changed the state since the tick read it', async () => {
    server.current = RUNNING;
    await runMonitorTick(ports, settings, 'task-event');
    now = T0 + 31 * MINUTE;
    // Given a command that writes between the tick's read and its write
    const racingStore: StateStore = Object.assign(Object.create(store) as StateStore, {
      save: async (...args: Parameters<StateStore['save']>) => {
        const current = await store.load();
        await store.save(current.state, current.version); // the command's write
        return store.save(...args);
      },
    });
    const result = await runMonitorTick({ ...ports, store: racingStore }, settings, 'schedule');
    expect(result.applied).toBe(false);
    expect(server.desiredCounts).toEqual([]);
  });

  it('still stops the server when Discord is down', async () => {
    discord.reply('POST', `/api/v10/channels/${CHANNEL}/messages`, {
      status: 503,
      body: { message: 'down' },
    });
    server.current = RUNNING;
    for (let minute = 0; minute <= 32; minute++) {
      now = T0 + minute * MINUTE;
      await runMonitorTick(ports, settings, 'schedule');
    }
    expect(server.desiredCounts).toEqual([0]);
    expect(logged.some((entry) => entry.message.startsWith('notice not delivered yet'))).toBe(true);
    // the ready notice and the warning wait for Discord
    expect((await store.load()).outbox?.map((notice) => notice.kind)).toEqual([
      'announce-ready',
      'warn-idle',
    ]);
  });

  describe('world transfer tasks', () => {
    const FAMILY = 'valheim-ondemand-world-transfer';
    const stoppedTransfer = (exitCode: number, snapshotId = '20261123T190500Z-discord') => ({
      taskArn: 'arn:aws:ecs:eu-central-1:111122223333:task/valheim-ondemand/transfer1',
      group: `family:${FAMILY}`,
      lastStatus: 'STOPPED',
      stoppedReason: 'Essential container in task exited',
      containers: [{ name: 'transfer', exitCode }],
      overrides: {
        containerOverrides: [
          {
            name: 'transfer',
            environment: [
              { name: 'MODE', value: 'snapshot' },
              { name: 'SNAPSHOT_ID', value: snapshotId },
            ],
          },
        ],
      },
    });

    it('reports a finished snapshot to the channel', async () => {
      expect(await reportTransfer(ports, stoppedTransfer(0), FAMILY)).toBe(true);
      const [post] = requestsTo(`/channels/${CHANNEL}/messages`);
      expect(contentOf(post as { body: unknown })).toContain('`20261123T190500Z-discord` is saved in S3');
    });

    it('reports a failed snapshot, saying the world is untouched', async () => {
      await reportTransfer(ports, stoppedTransfer(1), FAMILY);
      const [post] = requestsTo(`/channels/${CHANNEL}/messages`);
      expect(contentOf(post as { body: unknown })).toMatch(
        /snapshot `20261123T190500Z-discord` failed \(exit code 1\).*untouched/,
      );
    });

    it('follows up on the /valheim backup reply when there is no notice channel', async () => {
      await store.saveBackupReply('20261123T190500Z-discord', {
        applicationId: APP,
        token: 'backup-token',
        createdAt: T0,
      });
      discord.reply('POST', `/api/v10/webhooks/${APP}/backup-token`, { status: 200, body: {} });
      now = T0 + 60_000;
      const withoutChannel = { ...ports, notify: notifier(undefined) };
      await reportTransfer(withoutChannel, stoppedTransfer(0), FAMILY);
      expect(requestsTo('/webhooks/')).toHaveLength(1);
    });

    it('ignores running transfer tasks and other families', async () => {
      expect(await reportTransfer(ports, { ...stoppedTransfer(0), lastStatus: 'RUNNING' }, FAMILY)).toBe(
        false,
      );
      expect(
        await reportTransfer(
          ports,
          { ...stoppedTransfer(0), group: 'service:valheim-ondemand-server' },
          FAMILY,
        ),
      ).toBe(false);
      expect(discord.requests).toHaveLength(0);
    });
  });
});
