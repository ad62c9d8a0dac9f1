import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatWorldArgs, parseWorldArgs } from '../../src/worlds/active-world.js';
import { worldServerArgs } from '../../src/worlds/world-settings.js';
import {
  activeWorldOf,
  applyPendingSwitch,
  changeWorldSettings,
  createWorld,
  startOnSettledWorld,
  switchWorld,
  WorldChangeBusyError,
} from '../../src/worlds/worlds.js';
import { type MemoryWorlds, memoryWorlds } from './memory-worlds.js';

/*
 * The promise of a switch, against the truth of a modelled game: the world the game runs is the one whose
 * parameters it read when it launched (at the earliest moment ECS could: as the desired count changes), and
 * nothing else decides it. Over generated sequences of switches, new worlds, settings changes, "Stop and
 * switch", starts and stops, with the operations of each step (a start among them) running concurrently in
 * every order fast-check's scheduler picks (without the lease on world changes, it finds a switch that
 * checked the game stopped, then wrote after a start had launched the old world):
 * - never under a player: while the game runs, the parameters keep naming the world it runs;
 * - never mixed: the args parameter always carries the flags of the world it names, as that world's record
 *   has them (or had them, for one changed while it runs: applied at its next start);
 * - never lost: every world created is still listed, and a pending "Stop and switch" is made once the game
 *   has stopped.
 */

const NAMES = ['Dedicated', 'Season2', 'Hard', 'Mid_2'] as const;
const PRESETS = [undefined, 'hard', 'casual', 'hardcore'] as const;

type Operation =
  | { kind: 'start' }
  | { kind: 'switch'; world: string }
  | { kind: 'new'; world: string; preset: (typeof PRESETS)[number] }
  | { kind: 'settings'; world: string; preset: (typeof PRESETS)[number] }
  | { kind: 'stop-and-switch'; world: string };

const world = fc.constantFrom(...NAMES);
const preset = fc.constantFrom(...PRESETS);
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.constant({ kind: 'start' } as const),
  fc.record({ kind: fc.constant('switch' as const), world }),
  fc.record({ kind: fc.constant('new' as const), world, preset }),
  fc.record({ kind: fc.constant('settings' as const), world, preset }),
  fc.record({ kind: fc.constant('stop-and-switch' as const), world }),
);
/** A step: the game stops (ECS reports the task gone), or a few operations at once (a start among them). */
type Step = { kind: 'stop' } | { kind: 'together'; operations: Operation[] };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'stop' } as const) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('together' as const),
      operations: fc.array(operation, { minLength: 1, maxLength: 3 }),
    }),
  },
);

/** Every port call of the worlds goes through the scheduler, so concurrent operations interleave anywhere. */
function scheduled(worlds: MemoryWorlds, s: fc.Scheduler): MemoryWorlds {
  const wrap =
    <A extends unknown[], R>(label: string, call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      s.schedule(Promise.resolve(), label).then(() => call(...args));
  const { catalog, active } = worlds;
  return {
    ...worlds,
    catalog: Object.assign(Object.create(catalog), {
      list: wrap('list', catalog.list.bind(catalog)),
      get: wrap('get', catalog.get.bind(catalog)),
      add: wrap('add', catalog.add.bind(catalog)),
      setSettings: wrap('setSettings', catalog.setSettings.bind(catalog)),
      pendingSwitch: wrap('pendingSwitch', catalog.pendingSwitch.bind(catalog)),
      setPendingSwitch: wrap('setPendingSwitch', catalog.setPendingSwitch.bind(catalog)),
      clearPendingSwitch: wrap('clearPendingSwitch', catalog.clearPendingSwitch.bind(catalog)),
      lockChanges: wrap('lockChanges', catalog.lockChanges.bind(catalog)),
      unlockChanges: wrap('unlockChanges', catalog.unlockChanges.bind(catalog)),
    }),
    active: Object.assign(Object.create(active), {
      read: wrap('read', active.read.bind(active)),
      write: wrap('write', active.write.bind(active)),
    }),
    gameActive: wrap('gameActive', () => worlds.gameActive()),
  };
}

describe('a switch never loses or mixes a world, and never happens under a player (property)', () => {
  it('holds over generated steps with concurrent operations in any order', async () => {
    /** Operations that went through (not refused as busy), over all runs: the property is not vacuous. */
    let made = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), fc.scheduler(), async (steps, s) => {
        const truth = memoryWorlds('Dedicated');
        /** The world the game runs, with the args it launched with; undefined while stopped. */
        let running: { name: string; args: string } | undefined;
        truth.gameActive = async () => running !== undefined;
        const ports = { ...scheduled(truth, s), sleep: () => s.schedule(Promise.resolve(), 'sleep') };
        const created = new Set<string>(['Dedicated']);
        /** Settings a world had when the game launched it, for "applied at the next start". */
        const check = (when: string) => {
          const current = truth.active.current;
          if (!current) throw new Error(`${when}: no active world`);
          const parsed = parseWorldArgs(formatWorldArgs(current));
          expect(parsed?.name, when).toBe(current.name);
          // Never mixed: the flags are those of the world named, as its record has them now
          const record = truth.catalog.records.get(current.name);
          expect(current.args, `${when}: flags of ${current.name}`).toBe(worldServerArgs(record?.settings));
          // Never under a player
          if (running) expect(current.name, `${when}: the game runs ${running.name}`).toBe(running.name);
          // Never lost
          for (const name of created) {
            expect(truth.catalog.records.has(name) || name === 'Dedicated', `${when}: ${name} kept`).toBe(
              true,
            );
          }
        };

        for (const [index, current] of steps.entries()) {
          const when = `step ${index} (${JSON.stringify(current)})`;
          if (current.kind === 'stop') {
            if (!running) continue;
            running = undefined;
            // The monitor, once the game is gone
            const pending = truth.catalog.pending;
            await s.waitFor(applyPendingSwitch(ports));
            if (pending) {
              expect(truth.active.current?.name, `${when}: the pending switch is made`).toBe(pending.to);
            }
          } else {
            const runs = current.operations.map(async (op) => {
              try {
                const outcome = await run(op);
                made++;
                return outcome;
              } catch (error) {
                // Refused while another change holds the lease: nothing of it happened
                if (error instanceof WorldChangeBusyError) {
                  refused++;
                  return undefined;
                }
                throw error;
              }
            });
            await s.waitFor(Promise.all(runs));
          }
          check(when);
        }

        async function run(op: Operation) {
          if (op.kind === 'start') {
            if (running) return undefined;
            // The bot's start: the desired count to 1 on a settled world. ECS may launch the task, and resolve
            // its parameters, at once: the game runs what they say at that moment
            return startOnSettledWorld(ports, async () => {
              const launched = await activeWorldOf(truth);
              running = { name: launched.name, args: launched.args };
            });
          }
          if (op.kind === 'switch') return switchWorld(ports, op.world);
          if (op.kind === 'new') {
            const outcome = await createWorld(ports, {
              name: op.world,
              ...(op.preset && { settings: { preset: op.preset } }),
            });
            created.add(op.world);
            return outcome;
          }
          if (op.kind === 'settings') {
            return changeWorldSettings(ports, op.world, op.preset ? { preset: op.preset } : undefined);
          }
          // "Stop and switch" while the game runs: recorded, made after the stop
          const outcome = await switchWorld(ports, op.world);
          if (outcome.kind === 'running') {
            await ports.catalog.setPendingSwitch({ to: op.world, at: 0 });
          }
          return outcome;
        }
      }),
      { numRuns: 200 },
    );
    expect(made).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(0);
  });
});
