import { beforeEach, describe, expect, it } from 'vitest';
import { type MonitorPorts, runMonitorTick } from '../../src/monitor/monitor.js';
import { monitorWorlds } from '../../src/monitor/monitor-worlds.js';
import type { StateStore } from '../../src/monitor/state-store.js';
import type { SessionRecord } from '../../src/records/session.js';
import type { ServerStatus } from '../../src/server/server-status.js';
import { type FakeGameServer, RUNNING, STOPPED } from '../support/fake-game-server.js';
import { type MemoryWorlds, memoryWorlds } from '../worlds/memory-worlds.js';
import { MINUTE, monitorHarness, SETTINGS, STARTING, T0 } from './harness.js';

/*
 * The monitor and the worlds: a "Stop and switch" is applied once the game has stopped (never while it runs),
 * and the ledger row and the session snapshot name the world the session ran.
 */

describe('the monitor keeps the worlds apart', () => {
  const harness = monitorHarness();
  let store: StateStore;
  let server: FakeGameServer;
  let ports: MonitorPorts;
  let worlds: MemoryWorlds;
  let now: number;
  let snapshots: Array<{ reason: string; world: string | undefined }>;

  beforeEach(async () => {
    now = T0;
    snapshots = [];
    worlds = memoryWorlds('Midgard', new Date(T0));
    await worlds.catalog.add({ name: 'Ashlands', origin: 'new', createdAt: T0 });
    ({ store, server, ports } = await harness.fresh({
      status: STOPPED,
      now: () => now,
      ports: () => ({
        queryPlayers: async () => 2,
        worlds: monitorWorlds(worlds),
        snapshots: {
          take: async (reason, _at, world) => {
            snapshots.push({ reason, world });
            return 'snapshot';
          },
          prune: async () => [],
        },
      }),
    }));
    worlds.gameActive = async () => server.current.state !== 'stopped';
  });

  const sessions = async (): Promise<SessionRecord[]> => store.sessions(new Date(0), new Date(T0 + 1e9));

  it('records the world a session runs in its ledger row', async () => {
    worlds.active.current = { name: 'Ashlands', args: '-preset hard' };
    server.current = STARTING;
    await runMonitorTick(ports, SETTINGS, 'task-event');
    const [row] = await sessions();
    expect(row?.world).toBe('Ashlands');
  });

  it('applies a pending switch only once the game has stopped, and the session snapshot names the old world', async () => {
    // Given a session of Midgard with players on, and a "Stop and switch to Ashlands" pressed
    server.current = STARTING;
    await runMonitorTick(ports, SETTINGS, 'task-event');
    server.current = RUNNING as ServerStatus;
    now += MINUTE;
    await runMonitorTick(ports, SETTINGS, 'task-event');
    await worlds.catalog.setPendingSwitch({ to: 'Ashlands', at: now });

    // While the game runs (players on), ticks leave the world alone
    for (let minute = 0; minute < 3; minute++) {
      now += MINUTE;
      await runMonitorTick(ports, SETTINGS, 'schedule');
    }
    // and while it stops (desired 0, the task still saving)
    server.current = { ...(RUNNING as ServerStatus), state: 'stopping', desiredCount: 0 };
    now += MINUTE;
    await runMonitorTick(ports, SETTINGS, 'task-event');
    expect(worlds.active.writes).toEqual([]);
    expect(worlds.catalog.pending?.to).toBe('Ashlands');

    // When ECS reports the task gone
    server.current = STOPPED;
    now += MINUTE;
    await runMonitorTick(ports, SETTINGS, 'task-event');
    now += 2 * MINUTE;
    await runMonitorTick(ports, SETTINGS, 'task-event');

    // Then the switch is made, once, and the session-end snapshot named the world that ran
    expect(worlds.active.writes).toEqual([{ name: 'Ashlands', args: '' }]);
    expect(worlds.catalog.pending).toBeUndefined();
    expect(snapshots).toContainEqual({ reason: 'session-end', world: 'Midgard' });
    const [row] = await sessions();
    expect(row?.world).toBe('Midgard');
  });

  it('leaves the switch pending when ECS shows the game again at the moment of switching', async () => {
    await worlds.catalog.setPendingSwitch({ to: 'Ashlands', at: now });
    // The monitor saw the server stopped, but a start came in: ECS says active when the switch asks again
    worlds.gameActive = async () => true;
    await runMonitorTick(ports, SETTINGS, 'task-event');
    expect(worlds.active.writes).toEqual([]);
    expect(worlds.catalog.pending?.to).toBe('Ashlands');
  });
});
