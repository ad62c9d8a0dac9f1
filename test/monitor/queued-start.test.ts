import type { APIInteractionResponseChannelMessageWithSource } from 'discord-api-types/v10';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type CommandContext,
  runValheimCommand,
  type WorldTransfers,
} from '../../src/bot/valheim-command.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import { type MonitorPorts, reportTransfer, runMonitorTick } from '../../src/monitor/monitor.js';
import { monitorWorlds } from '../../src/monitor/monitor-worlds.js';
import { QUEUED_START_MAX_AGE_MS } from '../../src/monitor/queued-start.js';
import type { StateStore } from '../../src/monitor/state-store.js';
import type { ServerStatus } from '../../src/server/server-status.js';
import type { FakeDiscord } from '../cli/fake-discord.js';
import { commandInteraction, GUILD_ID, USER_ID } from '../support/discord-signing.js';
import { type FakeGameServer, RUNNING, STOPPED } from '../support/fake-game-server.js';
import { type MemoryWorlds, memoryWorlds } from '../worlds/memory-worlds.js';
import { APP, CHANNEL_PATH, contentOf, MINUTE, monitorHarness, requestsTo, SETTINGS, T0 } from './harness.js';

/*
 * A `/valheim start` right after a stop, while the session-end snapshot runs: queued by the command, made by
 * the monitor when the transfer task has stopped. Against the real state store (dynalite), the real command
 * and monitor code; ECS's transfer tasks and the game service are scripted.
 */

const FAMILY = 'valheim-ondemand-world-transfer';
const TRANSFER = 'arn:aws:ecs:eu-central-1:111122223333:task/valheim-ondemand/transfer1';
/** The reply of the queued start (commandInteraction's token). */
const QUEUED_REPLY_PATH = `/api/v10/webhooks/${APP}/interaction-token/messages/@original`;

/** The transfer tasks as ECS lists them: the test adds and ends them. */
class Transfers implements WorldTransfers {
  running: string[] = [];
  /** Called right after the command's first look, before it queues: a transfer may end in between. */
  afterFirstLook: (() => void) | undefined;
  looks = 0;
  async inProgress(): Promise<readonly string[]> {
    this.looks++;
    const now = [...this.running];
    if (this.looks === 1) this.afterFirstLook?.();
    return now;
  }
  async gameActive(): Promise<boolean> {
    return false;
  }
  async startSnapshot(): Promise<string> {
    this.running.push(TRANSFER);
    return TRANSFER;
  }
}

const stoppedTransfer = (mode: string, exitCode: number) => ({
  taskArn: TRANSFER,
  group: `family:${FAMILY}`,
  lastStatus: 'STOPPED',
  stoppedReason: 'Essential container in task exited',
  containers: [{ name: 'transfer', exitCode }],
  overrides: {
    containerOverrides: [
      {
        name: 'transfer',
        environment: [
          { name: 'MODE', value: mode },
          { name: 'SNAPSHOT_ID', value: '20261123T190500Z-session-end' },
        ],
      },
    ],
  },
});

type Reply = APIInteractionResponseChannelMessageWithSource;

describe('a start while a world transfer runs is queued, and made when the transfer has stopped', () => {
  const harness = monitorHarness();
  let discord: FakeDiscord;
  let store: StateStore;
  let server: FakeGameServer;
  let ports: MonitorPorts;
  let transfers: Transfers;
  let worlds: MemoryWorlds;
  let now: number;
  /** What happened, in order: "switch <world>", "desired <n>". */
  let order: string[];

  beforeEach(async () => {
    now = T0;
    order = [];
    transfers = new Transfers();
    worlds = memoryWorlds('Midgard', new Date(T0));
    ({ discord, store, server, ports } = await harness.fresh({
      status: STOPPED,
      now: () => now,
      ports: ({ server }) => ({
        transfersInProgress: async () => [...transfers.running],
        worlds: monitorWorlds(worlds),
        snapshots: {
          take: async () => {
            transfers.running.push(TRANSFER);
            return '20261123T190500Z-session-end';
          },
          prune: async () => [],
        },
        server: {
          status: (signal) => server.status(signal),
          setDesiredCount: async (count, signal) => {
            order.push(`desired ${count}`);
            await server.setDesiredCount(count, signal);
          },
        },
      }),
    }));
    worlds.gameActive = async () => server.current.state !== 'stopped';
    const write = worlds.active.write.bind(worlds.active);
    worlds.active.write = async (world) => {
      order.push(`switch ${world.name}`);
      await write(world);
    };
  });

  function context(): CommandContext {
    return {
      server: async () => ports.server,
      store: async () => store,
      worldTransfers: { worldName: 'Midgard', tasks: async () => transfers },
      worlds: async () => worlds,
      passwordVisibleTo: 'members',
      guildId: GUILD_ID,
      operatorRoleIds: [],
      lifecycle: DEFAULT_LIFECYCLE,
      budgetMs: 2000,
      now: () => new Date(now),
      log: ports.log,
    };
  }

  async function start() {
    const response = (await runValheimCommand(
      commandInteraction({ subcommand: 'start' }),
      context(),
    )) as Reply;
    return { content: response.data.content ?? '', ephemeral: response.data.flags === 64 };
  }

  const edits = () => requestsTo(discord, 'PATCH', QUEUED_REPLY_PATH).map(contentOf);

  it('queues a start asked for while the session-end snapshot runs, and starts once that snapshot is done', async () => {
    // Given a session that ended: the monitor sees the task gone and starts the session-end snapshot
    await store.save({ phase: 'ready', sessionId: 's1', startedAt: T0 - 60 * MINUTE }, 0);
    server.current = STOPPED;
    now = T0 + 2 * MINUTE;
    await runMonitorTick(ports, SETTINGS, 'task-event');
    now += 2 * MINUTE; // past the wait for the shutdown save's log lines
    await runMonitorTick(ports, SETTINGS, 'task-event');
    expect(transfers.running).toEqual([TRANSFER]);

    // When a member asks for a start while it runs
    now += 10_000;
    const reply = await start();

    // Then the start is not refused: everyone sees it is queued, and nothing starts yet
    expect(reply.ephemeral).toBe(false);
    expect(reply.content).toContain(`<@${USER_ID}> asked to start the server`);
    expect(reply.content).toContain('starts as soon as that is done');
    expect(server.desiredCounts).toEqual([]);
    expect(await store.queuedStart()).toMatchObject({
      reply: { userId: USER_ID, token: 'interaction-token' },
    });

    // When the snapshot task stops
    transfers.running = [];
    now += 90_000;
    await reportTransfer(ports, stoppedTransfer('snapshot', 0), FAMILY);

    // Then the server starts, once, and the monitor follows the queued reply through the start
    expect(server.desiredCounts).toEqual([1]);
    expect(await store.queuedStart()).toBeUndefined();
    const stored = await store.load();
    expect(stored.startReply).toMatchObject({ token: 'interaction-token', userId: USER_ID });
    expect(stored.claim).toMatchObject({ desiredCount: 1 });
  });

  it('starts at once when the transfer ended between the first look and the queue', async () => {
    transfers.running = [TRANSFER];
    transfers.afterFirstLook = () => {
      transfers.running = [];
    };
    const reply = await start();
    // The command found the queue's taker gone: it starts the server itself, like any start
    expect(server.desiredCounts).toEqual([1]);
    expect(reply.content).toContain(`<@${USER_ID}> started the server`);
    expect(await store.queuedStart()).toBeUndefined();
  });

  it('waits for the next transfer when another one still runs', async () => {
    transfers.running = [TRANSFER];
    await start();
    // One transfer ends, another (e.g. a restore queued by the CLI) still runs
    transfers.running = ['arn:aws:ecs:eu-central-1:111122223333:task/valheim-ondemand/transfer2'];
    await reportTransfer(ports, stoppedTransfer('snapshot', 0), FAMILY);
    expect(server.desiredCounts).toEqual([]);
    // The last one ends
    transfers.running = [];
    await reportTransfer(ports, stoppedTransfer('snapshot', 0), FAMILY);
    expect(server.desiredCounts).toEqual([1]);
  });

  it('starts once when the stop event is delivered twice at the same time', async () => {
    transfers.running = [TRANSFER];
    await start();
    transfers.running = [];
    await Promise.all([
      reportTransfer(ports, stoppedTransfer('snapshot', 0), FAMILY),
      reportTransfer(ports, stoppedTransfer('snapshot', 0), FAMILY),
      reportTransfer(ports, stoppedTransfer('snapshot', 0), FAMILY),
    ]);
    expect(server.desiredCounts).toEqual([1]);
  });

  it('a second start while queued replaces the first (one start, the latest reply followed)', async () => {
    transfers.running = [TRANSFER];
    await start();
    transfers.looks = 0;
    now += 5000;
    await start();
    transfers.running = [];
    await reportTransfer(ports, stoppedTransfer('snapshot', 0), FAMILY);
    expect(server.desiredCounts).toEqual([1]);
    expect((await store.load()).startReply?.createdAt).toBe(now);
  });

  it('starts after a failed snapshot too (it only read the world)', async () => {
    transfers.running = [TRANSFER];
    await start();
    transfers.running = [];
    await reportTransfer(ports, stoppedTransfer('snapshot', 1), FAMILY);
    expect(server.desiredCounts).toEqual([1]);
  });

  it('does not start the game on a restore that failed, and tells the member why', async () => {
    transfers.running = [TRANSFER];
    await start();
    transfers.running = [];
    await reportTransfer(ports, stoppedTransfer('restore', 3), FAMILY);
    expect(server.desiredCounts).toEqual([]);
    expect(await store.queuedStart()).toBeUndefined();
    expect(edits().at(-1)).toMatch(/was not started: the world restore it waited for failed \(exit code 3\)/);
  });

  it('does not start on behalf of a reply older than 15 minutes, and says so', async () => {
    transfers.running = [TRANSFER];
    await start();
    transfers.running = [];
    now += QUEUED_START_MAX_AGE_MS + 1000;
    await reportTransfer(ports, stoppedTransfer('snapshot', 0), FAMILY);
    expect(server.desiredCounts).toEqual([]);
    // Its token has expired: the notice goes to the channel instead
    expect(requestsTo(discord, 'POST', CHANNEL_PATH).map(contentOf).at(-1)).toContain(
      `<@${USER_ID}>: the world transfer took longer than 15 minutes`,
    );
  });

  it('a stop while the start waits calls it off: the server stays stopped', async () => {
    transfers.running = [TRANSFER];
    await start();
    const stop = (await runValheimCommand(commandInteraction({ subcommand: 'stop' }), context())) as Reply;
    expect(stop.data.content).toContain('called off the start that was waiting');
    expect(stop.data.flags).toBeUndefined();
    transfers.running = [];
    await reportTransfer(ports, stoppedTransfer('snapshot', 0), FAMILY);
    expect(server.desiredCounts).toEqual([]);
    // A second stop is the usual "already stopped"
    const again = (await runValheimCommand(commandInteraction({ subcommand: 'stop' }), context())) as Reply;
    expect(again.data.flags).toBe(64);
  });

  it('leaves a server someone started meanwhile alone', async () => {
    transfers.running = [TRANSFER];
    await start();
    transfers.running = [];
    server.current = RUNNING as ServerStatus;
    await reportTransfer(ports, stoppedTransfer('snapshot', 0), FAMILY);
    expect(server.desiredCounts).toEqual([]);
  });

  it('applies a pending "Stop and switch" before the queued start, so the start runs the new world', async () => {
    await worlds.catalog.add({ name: 'Ashlands', origin: 'new', createdAt: T0 });
    await worlds.catalog.setPendingSwitch({ to: 'Ashlands', at: T0 });
    transfers.running = [TRANSFER];
    await start();
    transfers.running = [];
    await reportTransfer(ports, stoppedTransfer('snapshot', 0), FAMILY);
    expect(order).toEqual(['switch Ashlands', 'desired 1']);
    expect(worlds.active.current?.name).toBe('Ashlands');
  });
});
