import { describe, expect, it } from 'vitest';
import { observe, type PlayerQuery } from '../../src/monitor/observe.js';
import { emptyPresence, type LogPresence } from '../../src/players/log-presence.js';
import { taskIdOf } from '../../src/server/server-status.js';
import { RUNNING } from '../support/fake-game-server.js';

const NOW = Date.parse('2026-11-23T20:00:00Z');
const TASK_ID = taskIdOf(RUNNING.task?.taskArn ?? '');
const signal = AbortSignal.timeout(5000);
const answers =
  (players: number): PlayerQuery =>
  async () =>
    players;
const silent: PlayerQuery = async () => {
  throw new Error('no answer');
};
const publicServer = { public: true, crossplay: false };
const presence = (extra: Partial<LogPresence>): LogPresence => ({
  ...emptyPresence(TASK_ID),
  readyAt: NOW - 600_000,
  ...extra,
});

describe('observe', () => {
  it('counts players with the query on a public server', async () => {
    const observation = await observe(RUNNING, undefined, answers(3), publicServer, NOW, signal);
    expect(observation).toMatchObject({
      server: 'running',
      players: 3,
      serverAnswering: true,
      publicIp: '3.120.45.67',
    });
  });

  it('takes the log count when it sees more players than the query', async () => {
    const observation = await observe(
      RUNNING,
      presence({ peers: ['1', '2'] }),
      answers(1),
      publicServer,
      NOW,
      signal,
    );
    expect(observation.players).toBe(2);
  });

  it('reports "unknown" — not 0 — when the query fails and the log shows nobody', async () => {
    const observation = await observe(RUNNING, presence({}), silent, publicServer, NOW, signal);
    expect(observation.players).toBe('unknown');
    expect(observation.serverAnswering).toBe(true); // the log said it is ready
  });

  it('uses the log, not the query, with crossplay (the query always says 0 there)', async () => {
    let asked = false;
    const query: PlayerQuery = async () => {
      asked = true;
      return 0;
    };
    const crossplay = { public: true, crossplay: true };
    const fresh = presence({ reportedCount: 2, reportedAt: NOW - 60_000, joinCode: '482913' });
    expect(await observe(RUNNING, fresh, query, crossplay, NOW, signal)).toMatchObject({
      players: 2,
      joinCode: '482913',
    });
    expect(asked).toBe(false);
    const stale = presence({ reportedCount: 0, reportedAt: NOW - 30 * 60_000 });
    expect((await observe(RUNNING, stale, query, crossplay, NOW, signal)).players).toBe('unknown');
  });

  it('ignores log presence from an earlier task', async () => {
    const old = { ...presence({ peers: ['1'] }), taskId: 'old-task' };
    const observation = await observe(RUNNING, old, silent, { public: false, crossplay: false }, NOW, signal);
    expect(observation).toMatchObject({ players: 'unknown', serverAnswering: false });
  });

  it('passes on why the previous task stopped', async () => {
    const status = {
      ...RUNNING,
      lastStopped: {
        taskArn: 'arn:old',
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stopCode: 'SpotInterruption',
      },
    };
    expect((await observe(status, undefined, answers(0), publicServer, NOW, signal)).lastStop).toEqual({
      spot: true,
    });
  });
});
