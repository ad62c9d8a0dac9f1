import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sdkDocuments } from '../../src/aws/sdk-dynamodb.js';
import { parseWeeklyTime, type WeeklyTime } from '../../src/config/weekly-time.js';
import { silentLogger } from '../../src/log.js';
import { StateStore } from '../../src/monitor/state-store.js';
import { eveningSteps, medianStartMs } from '../../src/server/evening-plan.js';
import {
  type EveningPorts,
  eveningNonce,
  eveningStore,
  runEvening,
  runOpening,
} from '../../src/server/scheduled-evening.js';
import { type LocalDynamo, startDynalite } from '../support/dynalite.js';

const MINUTE = 60_000;
/** Friday 27 November 2026, 19:00 in Berlin (UTC+1). */
const OPENING = Date.parse('2026-11-27T18:00:00Z');
const settings = { openings: [parseWeeklyTime('Fri 19:00') as WeeklyTime], timeZone: 'Europe/Berlin' };

describe('a scheduled evening, on a fake clock in the group’s time zone', () => {
  let dynamo: LocalDynamo;
  let table = 0;
  let now: number;
  let posts: Array<{ at: number; content: string; nonce: string }>;
  let starts: number[];
  let ports: EveningPorts;
  let state: StateStore;
  /** Posts that Discord applies but whose answer is lost (the client sees an error). */
  let loseAnswers: number;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo.close();
  });
  beforeEach(async () => {
    const name = `evening-${++table}`;
    await dynamo.createTable(name);
    const doc = sdkDocuments(dynamo.client);
    state = new StateStore(doc, name);
    posts = [];
    starts = [];
    loseAnswers = 0;
    ports = {
      store: eveningStore(doc, name, (from, to) => state.sessions(from, to)),
      post: async (content, nonce) => {
        // Discord keeps one message per nonce: a repeat returns the first
        if (!posts.some((post) => post.nonce === nonce)) posts.push({ at: now, content, nonce });
        if (loseAnswers > 0) {
          loseAnswers--;
          throw new Error('socket hang up');
        }
      },
      start: async () => {
        starts.push(now);
        return 'started';
      },
      now: () => now,
      log: silentLogger,
    };
  });

  /** Sessions whose starts took these minutes to become joinable. */
  async function pastStarts(...minutes: number[]) {
    for (const [i, m] of minutes.entries()) {
      const startedAt = OPENING - (i + 1) * 7 * 86_400_000;
      await state.recordSession({
        sessionId: new Date(startedAt).toISOString(),
        startedAt,
        readyAt: startedAt + m * MINUTE,
      });
    }
  }

  /** Every minute from 62 minutes before the opening (the window opens at 60) to 3 after. */
  async function evening() {
    for (now = OPENING - 62 * MINUTE; now <= OPENING + 3 * MINUTE; now += MINUTE)
      await runEvening(ports, settings);
  }

  it('posts the countdowns 60 and 10 minutes before, and starts at the opening minus the median start', async () => {
    // Given recent starts of 3, 4, 5, 6 and 20 minutes (median 5)
    await pastStarts(3, 4, 5, 6, 20);
    await evening();
    // Then one countdown at 18:00 Berlin, one at 18:50, each naming 19:00 Berlin
    expect(posts.map((post) => post.at)).toEqual([OPENING - 60 * MINUTE, OPENING - 10 * MINUTE]);
    expect(posts[0]?.content).toContain(`<t:${OPENING / 1000}:t>`);
    expect(posts[1]?.content).toContain('in 10 minutes');
    // And the start began 5 minutes before the opening, once
    expect(starts).toEqual([OPENING - 5 * MINUTE]);
  });

  it('with no starts recorded, plans on the usual start time', async () => {
    await evening();
    expect(starts).toHaveLength(1);
    expect(OPENING - (starts[0] ?? 0)).toBe(Math.ceil(medianStartMs([]) / MINUTE) * MINUTE);
  });

  it('posts each countdown once although Discord lost the answers, and repeats a failed start next minute', async () => {
    await pastStarts(4, 4, 4);
    loseAnswers = 2; // the 60-minute countdown's first two tries
    let failStart = true;
    const start = ports.start;
    ports = {
      ...ports,
      start: async () => {
        if (failStart) {
          failStart = false;
          throw new Error('a world transfer runs');
        }
        return start();
      },
    };
    await evening();
    expect(posts.map((post) => post.nonce)).toEqual([eveningNonce(OPENING, 60), eveningNonce(OPENING, 10)]);
    expect(starts).toEqual([OPENING - 3 * MINUTE]);
  });

  it('at the start time itself: starts when the window did not, never twice, and a skip holds', async () => {
    // Given the window's runs did not happen: the start-time run (a little late) starts the server
    now = OPENING + 20_000;
    expect(await runOpening(ports, settings)).toBe('started');
    // A repeat (Scheduler's retry) does not start again
    expect(await runOpening(ports, settings)).toBe('started already');
    expect(starts).toEqual([OPENING + 20_000]);
    // A week later the window started it already: the start-time run leaves it alone
    await pastStarts(4);
    for (now = OPENING + 7 * 86_400_000 - 60 * MINUTE; now < OPENING + 7 * 86_400_000; now += MINUTE) {
      await runEvening(ports, settings);
    }
    expect(await runOpening(ports, settings)).toBe('started already');
    expect(starts).toHaveLength(2);
    // A skipped evening is not started by the start time either
    await ports.store.skip(OPENING + 14 * 86_400_000);
    now = OPENING + 14 * 86_400_000;
    expect(await runOpening(ports, settings)).toBe('skipped');
    expect(starts).toHaveLength(2);
    // A refused start is thrown (Lambda tries again) and may be tried again
    const refusing = { ...ports, start: async () => Promise.reject(new Error('a world transfer runs')) };
    now = OPENING + 21 * 86_400_000;
    await expect(runOpening(refusing, settings)).rejects.toThrow('a world transfer runs');
    expect(await runOpening(ports, settings)).toBe('started');
  });

  it('run by hand, far from any opening, it just starts', async () => {
    now = OPENING - 3 * 86_400_000;
    expect(await runOpening(ports, settings)).toBe('started');
  });

  it('does nothing for an evening an operator skipped', async () => {
    await ports.store.skip(OPENING);
    await evening();
    expect(posts).toEqual([]);
    expect(starts).toEqual([]);
  });

  it('plans across the change to summer time in the configured zone', () => {
    // Friday 3 April 2026, 19:00 in Berlin is 17:00 UTC
    const opening = Date.parse('2026-04-03T17:00:00Z');
    expect(eveningSteps(opening, undefined, 5 * MINUTE, opening - 60 * MINUTE)).toEqual([
      { type: 'countdown', opening, minutes: 60 },
    ]);
    expect(eveningSteps(opening, undefined, 5 * MINUTE, opening - 5 * MINUTE)).toEqual([
      { type: 'countdown', opening, minutes: 10 },
      { type: 'start', opening, leadMs: 5 * MINUTE },
    ]);
  });
});
