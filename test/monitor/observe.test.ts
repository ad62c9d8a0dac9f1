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

  it('adds a player the log saw join just now, whom the query does not show yet', async () => {
    const joined = presence({ peers: ['1', '2'], count: 2, countAt: NOW - 30_000, lastJoinAt: NOW - 30_000 });
    const observation = await observe(RUNNING, joined, answers(1), publicServer, NOW, signal);
    expect(observation).toMatchObject({ players: 2, lastJoinAt: NOW - 30_000 });
  });

  it('lets an answering query win over a log count pinned by a missed disconnect', async () => {
    // Given the log still counts a player whose "Closing socket" was lost 40 minutes ago (fresh count line)
    const pinned = presence({ peers: ['1'], count: 1, countAt: NOW - 60_000, lastJoinAt: NOW - 40 * 60_000 });
    // When the query answers 0, Then the count is 0
    expect((await observe(RUNNING, pinned, answers(0), publicServer, NOW, signal)).players).toBe(0);
    // And when the query fails, the fresh log count stands in
    expect((await observe(RUNNING, pinned, silent, publicServer, NOW, signal)).players).toBe(1);
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
    const fresh = presence({ count: 2, countAt: NOW - 60_000, joinCode: '482913' });
    expect(await observe(RUNNING, fresh, query, crossplay, NOW, signal)).toMatchObject({
      players: 2,
      joinCode: '482913',
    });
    expect(asked).toBe(false);
    const stale = presence({ count: 0, countAt: NOW - 30 * 60_000 });
    expect((await observe(RUNNING, stale, query, crossplay, NOW, signal)).players).toBe('unknown');
  });

  it('with crossplay, holds the ready notice back briefly while the join code is not logged yet', async () => {
    const crossplay = { public: true, crossplay: true };
    const justReady = presence({ readyAt: NOW - 30_000, count: 0, countAt: NOW - 30_000 });
    expect((await observe(RUNNING, justReady, silent, crossplay, NOW, signal)).joinCodePending).toBe(true);
    const withCode = { ...justReady, joinCode: '012345' };
    expect(
      (await observe(RUNNING, withCode, silent, crossplay, NOW, signal)).joinCodePending,
    ).toBeUndefined();
    // …but not forever: after two minutes the server is announced without it
    const late = presence({ readyAt: NOW - 3 * 60_000, count: 0, countAt: NOW - 60_000 });
    expect((await observe(RUNNING, late, silent, crossplay, NOW, signal)).joinCodePending).toBeUndefined();
  });

  it('reads whether the stopped task saved during shutdown, and passes on save errors', async () => {
    const stopped = {
      state: 'stopped' as const,
      desiredCount: 0,
      runningCount: 0,
      pendingCount: 0,
      lastStopped: { taskArn: RUNNING.task?.taskArn ?? '', lastStatus: 'STOPPED', desiredStatus: 'STOPPED' },
    };
    const log = presence({
      shutdownAt: NOW - 60_000,
      lastSaveAt: NOW - 55_000,
      saveError: { at: NOW - 9e5, detail: 'x' },
    });
    expect(await observe(stopped, log, silent, publicServer, NOW, signal)).toMatchObject({
      shutdownSaved: true,
      saveError: { detail: 'x' },
    });
    const unsaved = presence({ shutdownAt: NOW - 60_000, lastSaveAt: NOW - 600_000 });
    expect((await observe(stopped, unsaved, silent, publicServer, NOW, signal)).shutdownSaved).toBe(false);
  });

  describe("emptyAt: the server's own word that nobody is on (what an idle stop rests on)", () => {
    const privateServer = { public: false, crossplay: false };

    it('is the time of a count line saying 0, or of a query answering 0', async () => {
      const counted = presence({ count: 0, countAt: NOW - 60_000, base: { count: 0, at: NOW - 60_000 } });
      expect((await observe(RUNNING, counted, silent, privateServer, NOW, signal)).emptyAt).toBe(
        NOW - 60_000,
      );
      expect((await observe(RUNNING, presence({}), answers(0), publicServer, NOW, signal)).emptyAt).toBe(NOW);
    });

    it('is no count derived from connect and disconnect lines (a lost "Got connection" makes it 0)', async () => {
      // The count line said 1; a "Closing socket" took it to 0
      const derived = presence({ count: 0, countAt: NOW - 30_000, base: { count: 1, at: NOW - 5 * 60_000 } });
      const observation = await observe(RUNNING, derived, silent, privateServer, NOW, signal);
      expect(observation.players).toBe(0);
      expect(observation.emptyAt).toBeUndefined();
    });

    it('is no count taken within 3 minutes of a connection the log showed: that player may not be counted yet', async () => {
      // A connection logged a second before the game's count line said 0, and a query answering 0 a minute later
      const connecting = presence({
        count: 0,
        countAt: NOW - 60_000,
        base: { count: 0, at: NOW - 60_000 },
        lastJoinAt: NOW - 61_000,
      });
      const log = await observe(RUNNING, connecting, silent, privateServer, NOW, signal);
      expect(log).toMatchObject({ players: 0, lastJoinAt: NOW - 61_000 });
      expect(log.emptyAt).toBeUndefined();
      expect(
        (await observe(RUNNING, connecting, answers(0), publicServer, NOW, signal)).emptyAt,
      ).toBeUndefined();
      // Once 3 minutes have passed since the connection, the query's 0 is the server's word again
      const later = NOW + 3 * 60_000;
      expect((await observe(RUNNING, connecting, answers(0), publicServer, later, signal)).emptyAt).toBe(
        later,
      );
    });

    it('is absent while anyone is (or may be) on', async () => {
      expect(
        (await observe(RUNNING, presence({}), answers(2), publicServer, NOW, signal)).emptyAt,
      ).toBeUndefined();
      expect(
        (await observe(RUNNING, presence({}), silent, publicServer, NOW, signal)).emptyAt,
      ).toBeUndefined();
    });
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
