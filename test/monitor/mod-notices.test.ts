import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, type Observation } from '../../src/monitor/decide.js';
import { type NoticeContext, noticeFor } from '../../src/monitor/notices.js';
import { observe } from '../../src/monitor/observe.js';
import {
  applyLogEvent,
  emptyPresence,
  type LogPresence,
  MAX_MOD_KICKS,
} from '../../src/players/log-presence.js';
import { LOG_FILTER_PATTERN, parseLogLine } from '../../src/players/server-log.js';
import { type Action, INITIAL_STATE, type LifecycleState } from '../../src/records/lifecycle.js';
import type { ServerStatus } from '../../src/server/server-status.js';
import { filterMatcher } from '../support/cloudwatch-filter.js';

/**
 * From the server's log line to Discord: what the mod install (src/mods/mods.sh) and a modded server print,
 * through the subscription filter, the parser, the stored presence, observe and decide, to the notice.
 */

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-23T19:00:00Z');
const TASK_ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const TASK = `arn:aws:ecs:eu-central-1:111122223333:task/valheim/${TASK_ID}`;
const STEAM_ID = '76561198000000009';

const LINES = {
  // The fetch container logs straight to CloudWatch; the install runs under the image's valheim-updater.
  refusedFetch:
    'mods: refusing to start: RandyKnapp-EpicLoot-0.10.3: the zip in the bucket has SHA-256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, the lockfile says 60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752',
  refusedInstall:
    'Nov 23 19:03:10 supervisord: valheim-updater mods: refusing to start: RandyKnapp-EpicLoot-0.10.3: the zip has SHA-256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, the lockfile says 60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752',
  installed:
    'Nov 23 19:03:12 supervisord: valheim-updater mods: installed 3 mods (BepInExPack 5.4.2333, plan 0123456789ab) in 4 s',
  gameChanged:
    'Nov 23 19:03:12 supervisord: valheim-updater mods: Valheim changed from build 16523741 to build 17280354 since these mods last ran',
  // The mod template most Valheim mods are made from (its RpcHandlers), through BepInEx's console.
  modKick: `Nov 23 19:07:05 supervisord: valheim-server [Warning:WardIsLove] Peer (${STEAM_ID}) has incompatible version, disconnecting...`,
  missingKick: `Nov 23 19:08:05 supervisord: valheim-server [Warning:   Jotunn] Peer (${STEAM_ID}) never sent version or couldn't due to previous disconnect, disconnecting`,
  // ServerSync, which many mods embed for their version check.
  serverSyncKick: `Nov 23 19:09:05 supervisord: valheim-server [Warning:ServerSync] Disconnect: The client (${STEAM_ID}) doesn't have the correct Azumatt's Plant Everything version 1.17.0`,
};

/**
 * Valheim itself, for a client on another game version: the game's line, not a mod's. It is read as a
 * `version-mismatch` and told once per player per session with what to do about the version
 * (test/monitor/game-update.test.ts), so it is no mod kick.
 */
const GAME_KICK = `Nov 23 19:06:05 supervisord: valheim-server 11/23/2026 19:06:05: Peer ${STEAM_ID} has incompatible version, mine:0.219.16 (network version 33)   remote 0.218.21 (network version 32)`;

const context: NoticeContext = { crossplay: false, idleStopMinutes: 15, emptyStopMinutes: 30 };

function presenceOf(lines: ReadonlyArray<readonly [string, number]>, base?: LogPresence): LogPresence {
  let presence = base ?? emptyPresence(TASK_ID);
  for (const [line, at] of lines) {
    const event = parseLogLine(line);
    if (event) presence = applyLogEvent(presence, event, at);
  }
  return presence;
}

const status = (state: ServerStatus['state'], desiredCount = 1): ServerStatus => ({
  state,
  desiredCount,
  runningCount: state === 'running' ? 1 : 0,
  pendingCount: state === 'starting' ? 1 : 0,
  ...(state !== 'stopped' && {
    task: {
      taskArn: TASK,
      lastStatus: state === 'running' ? 'RUNNING' : 'PENDING',
      desiredStatus: 'RUNNING',
    },
  }),
  ...(state === 'running' && { publicIp: '3.120.45.67' }),
});

async function observed(server: ServerStatus, presence: LogPresence, now: number): Promise<Observation> {
  const noQuery = async () => {
    throw new Error('no answer');
  };
  return observe(
    server,
    presence,
    noQuery,
    { public: false, crossplay: false },
    now,
    AbortSignal.timeout(1000),
  );
}

const notices = (actions: readonly Action[], now: number) =>
  actions.flatMap((action) => noticeFor(action, context, now)?.content ?? []);

describe('the mod lines the server logs', () => {
  const forwards = filterMatcher(LOG_FILTER_PATTERN);
  it.each(Object.entries(LINES))('forwards and reads the %s line', (_name, line) => {
    expect(forwards(line)).toBe(true);
    expect(parseLogLine(line)?.kind).toMatch(/^mods?-/);
  });

  it('reads who was turned away, for which mod, and what the server needs', () => {
    expect(parseLogLine(GAME_KICK)).toEqual({
      kind: 'version-mismatch',
      peerId: STEAM_ID,
      mine: '0.219.16',
      remote: '0.218.21',
    });
    expect(parseLogLine(LINES.modKick)).toEqual({
      kind: 'mod-kick',
      peer: STEAM_ID,
      reason: 'version',
      mod: 'WardIsLove',
    });
    expect(parseLogLine(LINES.missingKick)).toMatchObject({ reason: 'missing', mod: 'Jotunn' });
    expect(parseLogLine(LINES.serverSyncKick)).toMatchObject({
      reason: 'version',
      mod: "Azumatt's Plant Everything",
      need: '1.17.0',
    });
    expect(parseLogLine(LINES.installed)).toEqual({
      kind: 'mods-installed',
      mods: 3,
      bepinexPack: '5.4.2333',
    });
  });

  it('keeps the first reason when the fetch and the install both refuse', () => {
    const presence = presenceOf([
      [LINES.refusedFetch, T0 + MINUTE],
      [LINES.refusedInstall, T0 + 2 * MINUTE],
    ]);
    expect(presence.mods?.refused).toEqual({
      at: T0 + MINUTE,
      detail: expect.stringContaining('the zip in the bucket has SHA-256 9f86d'),
    });
  });

  it('counts a kick once when a retried batch delivers it again, and keeps only the latest few', () => {
    const once = presenceOf([[LINES.modKick, T0]]);
    expect(presenceOf([[LINES.modKick, T0]], once).mods?.kicks).toHaveLength(1);
    const flood = presenceOf(
      Array.from({ length: 3 * MAX_MOD_KICKS }, (_, i) => [LINES.modKick, T0 + i * 1000] as const),
    );
    expect(flood.mods?.kicks).toHaveLength(MAX_MOD_KICKS);
    expect(flood.mods?.kicks?.at(-1)?.at).toBe(T0 + (3 * MAX_MOD_KICKS - 1) * 1000);
  });
});

describe('a refused mod install in Discord', () => {
  it('is announced with its reason and stops the starting task, never a vanilla start; the stop says why', async () => {
    // Given a start whose install refused a zip with the wrong hash
    let state: LifecycleState = INITIAL_STATE;
    const opened = decide(state, await observed(status('starting'), emptyPresence(TASK_ID), T0), T0);
    state = opened.state;
    const presence = presenceOf([[LINES.refusedFetch, T0 + MINUTE]]);

    // When the monitor ticks after the line arrived
    const now = T0 + 2 * MINUTE;
    const refused = decide(state, await observed(status('running'), presence, now), now);

    // Then Discord hears the reason, and the task is stopped
    expect(refused.actions.map((a) => a.type)).toEqual(['announce-mods-refused', 'stop-server']);
    expect(refused.actions).toContainEqual({ type: 'stop-server', reason: 'mods-refused' });
    const [message] = notices(refused.actions, now);
    expect(message).toContain('The mods could not be installed, so the server will not start');
    expect(message).toContain('RandyKnapp-EpicLoot-0.10.3: the zip in the bucket has SHA-256 9f86d');
    expect(message).toContain('npx valheim deploy');
    expect(refused.state).toMatchObject({ phase: 'stopping', stopReason: 'mods-refused' });

    // And a tick that reads the same line again says nothing new
    const again = decide(refused.state, await observed(status('running', 0), presence, now + MINUTE), now);
    expect(again.actions.filter((a) => a.type.startsWith('announce'))).toEqual([]);

    // When the task is gone: the stop notice says why, without waiting for a save or taking a snapshot
    const stoppedAt = now + 2 * MINUTE;
    const stopped = decide(again.state, await observed(status('stopped', 0), presence, stoppedAt), stoppedAt);
    expect(stopped.actions.map((a) => a.type)).not.toContain('snapshot-world');
    expect(stopped.actions).toContainEqual(
      expect.objectContaining({ type: 'announce-stopped', reason: 'mods-refused' }),
    );
    const stopNotice = notices(stopped.actions, stoppedAt).join('\n');
    expect(stopNotice).toContain('the mods could not be installed, so the game never started');
    expect(stopNotice).not.toContain('did not see the world being saved');
  });

  it('never stops a server that is already up (a ready server keeps running on the tree it has)', async () => {
    const presence = presenceOf([[LINES.installed, T0 + MINUTE]]);
    let state = decide(INITIAL_STATE, await observed(status('starting'), presence, T0), T0).state;
    state = decide(
      state,
      { ...(await observed(status('running'), presence, T0 + 2 * MINUTE)), serverAnswering: true },
      T0 + 2 * MINUTE,
    ).state;
    expect(state.phase).toBe('ready');
    const late = presenceOf([[LINES.refusedInstall, T0 + 3 * MINUTE]], presence);
    const now = T0 + 4 * MINUTE;
    const decision = decide(
      state,
      { ...(await observed(status('running'), late, now)), serverAnswering: true, players: 2 },
      now,
    );
    expect(decision.actions.map((a) => a.type)).toContain('announce-mods-refused');
    expect(decision.actions.map((a) => a.type)).not.toContain('stop-server');
  });
});

describe('a modded server in Discord', () => {
  it('says "modded: N mods" in the ready notice and where to get the profile', async () => {
    const presence = presenceOf([[LINES.installed, T0 + MINUTE]]);
    const state = decide(INITIAL_STATE, await observed(status('starting'), presence, T0), T0).state;
    const now = T0 + 2 * MINUTE;
    const ready = decide(
      state,
      { ...(await observed(status('running'), presence, now)), serverAnswering: true },
      now,
    );
    expect(ready.actions).toContainEqual(expect.objectContaining({ type: 'announce-ready', mods: 3 }));
    expect(notices(ready.actions, now)[0]).toContain('Modded: 3 mods, get the profile with `/valheim mods`');
  });

  it('says nothing of mods for a vanilla start', async () => {
    const state = decide(
      INITIAL_STATE,
      await observed(status('starting'), emptyPresence(TASK_ID), T0),
      T0,
    ).state;
    const now = T0 + 2 * MINUTE;
    const ready = decide(
      state,
      { ...(await observed(status('running'), emptyPresence(TASK_ID), now)), serverAnswering: true },
      now,
    );
    expect(notices(ready.actions, now)[0]).not.toContain('Modded');
  });

  it('tells who was turned away and what to install, each kick once', async () => {
    // Given a ready modded server
    const installed = presenceOf([[LINES.installed, T0 + MINUTE]]);
    let state = decide(INITIAL_STATE, await observed(status('starting'), installed, T0), T0).state;
    state = decide(
      state,
      { ...(await observed(status('running'), installed, T0 + 2 * MINUTE)), serverAnswering: true },
      T0 + 2 * MINUTE,
    ).state;

    // When the log shows two kicks for mods (and the game's own version refusal, told on its own), then one more
    const kicked = presenceOf(
      [
        [GAME_KICK, T0 + 6 * MINUTE],
        [LINES.modKick, T0 + 7 * MINUTE],
        [LINES.missingKick, T0 + 8 * MINUTE],
      ],
      installed,
    );
    const now = T0 + 9 * MINUTE;
    const first = decide(
      state,
      { ...(await observed(status('running'), kicked, now)), serverAnswering: true },
      now,
    );

    // Then one notice names the player and what each needs
    const kicks = first.actions.filter((a) => a.type === 'announce-mod-kicks');
    expect(kicks).toHaveLength(1);
    const text = notices(kicks, now)[0] ?? '';
    expect(text.split('\n')).toHaveLength(2);
    expect(text).toContain(`[${STEAM_ID}](<https://steamcommunity.com/profiles/${STEAM_ID}>)`);
    expect(first.actions.filter((a) => a.type === 'announce-version-mismatch')).toHaveLength(1);
    expect(text).toContain('their **WardIsLove** is not the server');
    expect(text).toContain('they do not have **Jotunn**');
    expect(text).toContain('`/valheim mods`');

    // And the next tick announces only the new kick
    const more = presenceOf([[LINES.serverSyncKick, T0 + 10 * MINUTE]], kicked);
    const later = T0 + 11 * MINUTE;
    const second = decide(
      first.state,
      { ...(await observed(status('running'), more, later)), serverAnswering: true },
      later,
    );
    const next = second.actions.filter((a) => a.type === 'announce-mod-kicks');
    expect(next).toEqual([
      {
        type: 'announce-mod-kicks',
        kicks: [{ peer: STEAM_ID, reason: 'version', mod: "Azumatt's Plant Everything", need: '1.17.0' }],
      },
    ]);
    expect(notices(next, later)[0]).toContain(
      "Azumatt's Plant Everything** is not the server's version (1.17.0)",
    );
  });

  it('tells about a player who keeps retrying once, and again only after a quarter of an hour', async () => {
    const installed = presenceOf([[LINES.installed, T0 + MINUTE]]);
    let state = decide(INITIAL_STATE, await observed(status('starting'), installed, T0), T0).state;
    state = decide(
      state,
      { ...(await observed(status('running'), installed, T0 + 2 * MINUTE)), serverAnswering: true },
      T0 + 2 * MINUTE,
    ).state;
    let presence = installed;
    const told: number[] = [];
    // The same player turned away every 2 minutes for 40 minutes, a tick after each
    for (let minute = 4; minute <= 44; minute += 2) {
      const at = T0 + minute * MINUTE;
      presence = presenceOf([[LINES.modKick, at]], presence);
      const decision = decide(
        state,
        { ...(await observed(status('running'), presence, at + 30_000)), serverAnswering: true, players: 1 },
        at + 30_000,
      );
      state = decision.state;
      if (decision.actions.some((a) => a.type === 'announce-mod-kicks')) told.push(minute);
    }
    expect(told).toEqual([4, 20, 36]);
  });

  it('announces a Valheim update the mods have not run on yet, once', async () => {
    const presence = presenceOf([
      [LINES.gameChanged, T0 + MINUTE],
      [LINES.installed, T0 + MINUTE],
    ]);
    const now = T0 + 2 * MINUTE;
    const decision = decide(INITIAL_STATE, await observed(status('starting'), presence, now), now);
    const changed = decision.actions.filter((a) => a.type === 'announce-mods-game-changed');
    expect(changed).toEqual([{ type: 'announce-mods-game-changed', from: '16523741', to: '17280354' }]);
    expect(notices(changed, now)[0]).toContain('build 16523741 → 17280354');
    const later = now + MINUTE;
    const again = decide(decision.state, await observed(status('starting'), presence, later), later);
    expect(again.actions.map((a) => a.type)).not.toContain('announce-mods-game-changed');
  });
});

describe('mod notices under late, repeated and reordered log batches', () => {
  const kickLine = (peer: string, second: number) =>
    `Nov 23 19:${String(10 + Math.floor(second / 60)).padStart(2, '0')}:${String(second % 60).padStart(2, '0')} supervisord: valheim-server [Warning:WardIsLove] Peer (${peer}) has incompatible version, disconnecting...`;

  it('announces each kick at most once, and a refused install once, with one stop, whatever the delivery', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 4 }),
        async (peers, refused, order, batchSize) => {
          // The log as written: kicks a second apart, and perhaps a refused install before them
          const written: Array<readonly [string, number]> = peers.map(
            (_, i) =>
              [kickLine(`7656119800000${String(i).padStart(4, '0')}`, i), T0 + (i + 1) * 1000] as const,
          );
          if (refused) written.unshift([LINES.refusedFetch, T0]);
          // Delivered in the order the generator picked, with repeats (a retried batch), in small batches
          const delivered = order.map((n) => written[n % written.length] as readonly [string, number]);
          for (const line of written) delivered.push(line); // every line arrives at least once
          let presence = emptyPresence(TASK_ID);
          let state: LifecycleState = INITIAL_STATE;
          let now = T0;
          const actions: Action[] = [];
          for (let i = 0; i < delivered.length; i += batchSize) {
            presence = presenceOf(delivered.slice(i, i + batchSize), presence);
            now += MINUTE;
            const server = state.phase === 'stopping' ? status('running', 0) : status('running');
            const decision = decide(state, await observed(server, presence, now), now);
            state = decision.state;
            actions.push(...decision.actions);
          }
          const announced = actions.flatMap((a) => (a.type === 'announce-mod-kicks' ? a.kicks : []));
          // No kick twice: each player here was turned away once
          const peersAnnounced = announced.map((kick) => kick.peer);
          expect(new Set(peersAnnounced).size).toBe(peersAnnounced.length);
          expect(actions.filter((a) => a.type === 'announce-mods-refused')).toHaveLength(refused ? 1 : 0);
          expect(actions.filter((a) => a.type === 'stop-server')).toHaveLength(refused ? 1 : 0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
