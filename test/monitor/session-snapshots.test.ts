import { ECSClient, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type MonitorPorts,
  type MonitorSettings,
  reportTransfer,
  runMonitorTick,
  type SessionSnapshots,
} from '../../src/monitor/monitor.js';
import { sessionSnapshots } from '../../src/monitor/session-snapshots.js';
import type { StateStore } from '../../src/monitor/state-store.js';
import { taskIdOf } from '../../src/server/server-status.js';
import type { FakeDiscord } from '../cli/fake-discord.js';
import { mockAwsClient } from '../support/aws-mock.js';
import { type FakeGameServer, RUNNING, STOPPED } from '../support/fake-game-server.js';
import { CHANNEL, MINUTE, monitorHarness, SETTINGS, T0 } from './harness.js';

const ecsMock = mockAwsClient(ECSClient);
const FAMILY = 'valheim-ondemand-world-transfer';
const SNAPSHOT_SETTINGS = {
  taskDefinition: FAMILY,
  subnets: ['subnet-0123456789abcdef0'],
  securityGroups: ['sg-0123456789abcdef0'],
  bucket: 'valheim-worlds-test',
  worldName: 'Midgard',
  keepCount: 20,
  keepDays: 60,
};

const settings: MonitorSettings = {
  ...SETTINGS,
  lifecycle: { ...SETTINGS.lifecycle, snapshotEveryHours: 4 },
  // 2 vCPU / 8 GiB on demand in eu-central-1 plus the public IPv4 address
  notices: { ...SETTINGS.notices, hourlyCost: 0.139 },
};

describe('the monitor snapshots the world (monitor → world-transfer task)', () => {
  const harness = monitorHarness();
  let discord: FakeDiscord;
  let store: StateStore;
  let server: FakeGameServer;
  let now: number;
  let pruned: number[];
  let ports: MonitorPorts;

  beforeEach(async () => {
    ecsMock.reset();
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
    ecsMock
      .on(RunTaskCommand)
      .resolves({ tasks: [{ taskArn: 'arn:aws:ecs:eu-central-1:111122223333:task/valheim/transfer1' }] });
    now = T0;
    pruned = [];
    const real = sessionSnapshots(
      new ECSClient({}),
      async () => new S3Client({}),
      'valheim',
      'valheim-server',
      {
        ...SNAPSHOT_SETTINGS,
      },
    );
    const snapshots: SessionSnapshots = {
      take: real.take,
      uploadPreUpdate: real.uploadPreUpdate,
      prune: async (at) => {
        pruned.push(at);
        return [];
      },
    };
    ({ discord, store, server, ports } = await harness.fresh({
      status: RUNNING,
      now: () => now,
      ports: () => ({ queryPlayers: async () => 3, snapshots }),
    }));
  });

  const posts = () =>
    discord.requests
      .filter((request) => request.path.includes(`/channels/${CHANNEL}/messages`))
      .map((request) => (request.body as { content: string }).content);
  const runTaskEnvironments = () =>
    ecsMock
      .commandCalls(RunTaskCommand)
      .map((call) =>
        Object.fromEntries(
          (call.args[0].input.overrides?.containerOverrides?.[0]?.environment ?? []).map((entry) => [
            entry.name,
            entry.value,
          ]),
        ),
      );

  /**
   * ECS reports the game task stopped, and its log showed the shutdown save (so the stop is final at once,
   * without the stop notice's wait for that save).
   */
  async function stopAfterShutdownSave() {
    const taskArn = RUNNING.task?.taskArn ?? '';
    server.current = {
      ...STOPPED,
      lastStopped: { taskArn, lastStatus: 'STOPPED', desiredStatus: 'STOPPED' },
    };
    const { version } = await store.loadPresence();
    await store.savePresence(
      { taskId: taskIdOf(taskArn), peers: [], shutdownAt: now - 55_000, lastSaveAt: now - 52_000 },
      version,
    );
  }

  async function playThenStop(minutes: number) {
    for (let minute = 0; minute <= minutes; minute += 10) {
      now = T0 + minute * MINUTE;
      await runMonitorTick(ports, settings, 'schedule');
    }
    now = T0 + minutes * MINUTE + MINUTE;
    await stopAfterShutdownSave();
    await runMonitorTick(ports, settings, 'task-event');
  }

  it('starts a snapshot of the world once the game task of a session has stopped', async () => {
    // Given a session of 2 h 9 min with 3 players, When the server stops
    await playThenStop(129);
    // Then the transfer task ran once, in snapshot mode, for the session's end
    expect(runTaskEnvironments()).toEqual([
      {
        MODE: 'snapshot',
        BUCKET: 'valheim-worlds-test',
        SNAPSHOT_ID: '20261123T211000Z-session-end',
        WORLD_NAME: 'Midgard',
      },
    ]);
    expect(ecsMock.commandCalls(RunTaskCommand)[0]?.args[0].input).toMatchObject({
      cluster: 'valheim',
      taskDefinition: FAMILY,
      startedBy: 'valheim-monitor',
    });
    // And the stop notice says what the session was: 2 h 10 min × $0.139 ≈ $0.30
    expect(posts().find((post) => post.includes('Server stopped'))).toContain(
      'This session: 2 h 10 min, up to 3 players, about $0.30.',
    );
  });

  it('snapshots during a long session too, every snapshotEveryHours', async () => {
    // Given a 9-hour session, When it ends
    await playThenStop(9 * 60);
    // Then: at 4 h, 8 h and the end
    expect(runTaskEnvironments().map((env) => env.SNAPSHOT_ID)).toEqual([
      '20261123T230000Z-session',
      '20261124T030000Z-session',
      '20261124T040100Z-session-end',
    ]);
  });

  it('leaves the snapshot to a transfer that already runs (it holds the same world)', async () => {
    ecsMock.on(ListTasksCommand).resolves({ taskArns: ['arn:aws:ecs:eu-central-1:1:task/valheim/other'] });
    await playThenStop(30);
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
    expect(posts().filter((post) => post.includes('Operators'))).toEqual([]);
  });

  it('tells operators when the snapshot task cannot start, and the stop is still announced', async () => {
    ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'RESOURCE:ENI' }] });
    await playThenStop(30);
    expect(posts().some((post) => post.includes('Server stopped'))).toBe(true);
    expect(posts().find((post) => post.includes('Operators'))).toMatch(
      /automatic world snapshot of the end of this session did not start \(ECS did not start the world-transfer task \(RESOURCE:ENI\).*\).*no older snapshot was deleted/,
    );
  });

  const stoppedTransfer = (snapshotId: string, exitCode: number | undefined) => ({
    taskArn: 'arn:aws:ecs:eu-central-1:111122223333:task/valheim/transfer1',
    group: `family:${FAMILY}`,
    lastStatus: 'STOPPED',
    stoppedReason: exitCode === undefined ? 'Task stopped by user' : 'Essential container in task exited',
    containers: [{ name: 'transfer', ...(exitCode !== undefined && { exitCode }) }],
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

  it('prunes old automatic snapshots only after one completed, and says nothing when it did', async () => {
    now = T0 + 5 * MINUTE;
    await reportTransfer(ports, stoppedTransfer('20261123T190500Z-session-end', 0), FAMILY);
    expect(pruned).toEqual([T0 + 5 * MINUTE]);
    expect(posts()).toEqual([]);
  });

  it('reports an interrupted or failed automatic snapshot to operators and deletes nothing', async () => {
    // When the snapshot task was stopped before finishing, and when its script failed
    await reportTransfer(ports, stoppedTransfer('20261123T190500Z-session-end', undefined), FAMILY);
    await reportTransfer(ports, stoppedTransfer('20261123T230000Z-session', 1), FAMILY);
    // Then operators hear of both, and retention never ran
    expect(pruned).toEqual([]);
    expect(posts()).toEqual([
      expect.stringMatching(
        /Operators:.*`20261123T190500Z-session-end` failed \(Task stopped by user\).*no older snapshot was deleted.*\/valheim backup/,
      ),
      expect.stringMatching(/Operators:.*`20261123T230000Z-session` failed \(exit code 1\)/),
    ]);
  });

  it('warns once when a session takes the month past 80 % of the budget guard, and again past the limit', async () => {
    // Given a $1 limit, $0.10 fixed a month, and 0.139 $/h on demand in eu-central-1 (0.134 + 0.005)
    const guarded: MonitorSettings = {
      ...settings,
      budget: { monthlyLimitUsd: 1, fixedMonthly: 0.1, region: 'eu-central-1' },
    };
    const session = async (startMinute: number, minutes: number) => {
      server.current = RUNNING;
      for (let minute = 0; minute <= minutes; minute += 10) {
        now = T0 + (startMinute + minute) * MINUTE;
        await runMonitorTick(ports, guarded, 'schedule');
      }
      now = T0 + (startMinute + minutes + 1) * MINUTE;
      await stopAfterShutdownSave();
      await runMonitorTick(ports, guarded, 'task-event');
    };
    const budgetPosts = () => posts().filter((post) => post.includes('estimated spend'));
    // When a 5-hour session ends (≈ $0.70 play + $0.08 fixed so far: under 80 %)
    await session(0, 300);
    expect(budgetPosts()).toEqual([]);
    // When a 1-hour session follows (≈ $0.92: past 80 %)
    await session(400, 60);
    expect(budgetPosts()).toEqual([expect.stringMatching(/now \$0\.9\d of the \$1\.00 limit \(9\d %\)/)]);
    // When another hour follows (past the limit)
    await session(500, 60);
    expect(budgetPosts()).toHaveLength(2);
    expect(budgetPosts()[1]).toMatch(/now \$1\.\d\d of the \$1\.00 limit.*refused until next month/);
  });
});
