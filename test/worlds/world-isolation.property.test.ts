import { rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { belongsToWorld } from '../../src/worlds/snapshots.js';
import { tree, write } from '../support/file-tree.js';
import { createTransferSandbox } from './fake-aws-cli.js';

/*
 * The promise: a restore, an import or a delete names one world and never touches another, whatever the
 * worlds are called (names that are prefixes of each other included), however they are stored (Valheim 1.0
 * folders, legacy .fwl/.db pairs, both) and in whatever order the operations come. Checked against the
 * truth: the files on the (sandboxed) file system after running world-transfer.sh itself, operation after
 * operation.
 */

const NAMES = ['Mid', 'Mid_2', 'Mid-x', 'Midgard', 'A', 'Ashlands', 'ashlands'] as const;
type Format = 'folder' | 'legacy' | 'both';

function worldFiles(name: string, format: Format, tag: string): Record<string, string> {
  const folder = { [`${name}/_main.0.fwl2`]: `meta ${tag}`, [`${name}/chunk.1.fwl2`]: `chunk ${tag}` };
  const legacy = {
    [`${name}.fwl`]: `fwl ${tag}`,
    [`${name}.db`]: `db ${tag}`,
    [`${name}.db.old`]: `old ${tag}`,
  };
  return format === 'folder' ? folder : format === 'legacy' ? legacy : { ...folder, ...legacy };
}

/** The files of every world but `name`. */
function othersOf(files: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(files).filter(([path]) => !belongsToWorld(path, name)));
}
function onlyOf(files: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(files).filter(([path]) => belongsToWorld(path, name)));
}

type Operation =
  | { kind: 'restore'; world: string }
  | { kind: 'import'; world: string; format: Format }
  | { kind: 'delete'; world: string };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant('restore' as const), world: fc.constantFrom(...NAMES) }),
  fc.record({
    kind: fc.constant('import' as const),
    world: fc.constantFrom(...NAMES),
    format: fc.constantFrom<Format>('folder', 'legacy', 'both'),
  }),
  fc.record({ kind: fc.constant('delete' as const), world: fc.constantFrom(...NAMES) }),
);

describe('no world operation touches another world (property)', () => {
  it('restore, import and delete change only the world they name', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 2, maxLength: 4 }),
        fc.array(fc.constantFrom<Format>('folder', 'legacy', 'both'), { minLength: 4, maxLength: 4 }),
        fc.array(operation, { minLength: 1, maxLength: 3 }),
        (names, formats, operations) => {
          const box = createTransferSandbox();
          try {
            const live = join(box.config, 'worlds_local');
            for (const [i, name] of names.entries())
              write(live, worldFiles(name, formats[i] ?? 'folder', 'v1'));
            // A snapshot of everything as it is now: what a restore comes back to
            const base = '20261120T190000Z-manual';
            const snap = box.run({ MODE: 'snapshot', SNAPSHOT_ID: base, WORLD_NAME: names[0] ?? 'A' });
            expect(snap.status, snap.stderr).toBe(0);
            const snapshot = tree(join(box.bucket, 'snapshots', base, 'worlds_local'));
            // Every world then changes, so a restore that brought back another world would show
            for (const [i, name] of names.entries())
              write(live, worldFiles(name, formats[i] ?? 'folder', 'v2'));

            operations.forEach((op, step) => {
              const before = tree(live);
              const id = `20261124T08000${step}Z`;
              let run: ReturnType<typeof box.run>;
              let expected: Record<string, string>;
              const game = { GAME_CLUSTER: 'c', GAME_SERVICE: 's' };
              if (op.kind === 'restore') {
                run = box.run({
                  MODE: 'restore',
                  SNAPSHOT_ID: `${id}-pre-restore`,
                  WORLD_NAME: op.world,
                  SOURCE_PREFIX: `snapshots/${base}`,
                  ...game,
                });
                expected = { ...othersOf(before, op.world), ...onlyOf(snapshot, op.world) };
              } else if (op.kind === 'import') {
                const files = worldFiles(op.world, op.format, `import ${step}`);
                write(join(box.bucket, 'imports', `${id}-import`, 'worlds_local'), files);
                write(join(box.bucket, 'imports', `${id}-import`), { 'manifest.json': '{}' });
                run = box.run({
                  MODE: 'restore',
                  SNAPSHOT_ID: `${id}-pre-import`,
                  WORLD_NAME: op.world,
                  SOURCE_PREFIX: `imports/${id}-import`,
                  ...game,
                });
                expected = { ...othersOf(before, op.world), ...files };
              } else {
                run = box.run({
                  MODE: 'delete',
                  SNAPSHOT_ID: `${id}-pre-delete`,
                  WORLD_NAME: op.world,
                  ...game,
                });
                expected = othersOf(before, op.world);
              }
              const after = tree(live);
              // Whatever happened to the named world, every other world is exactly as it was
              expect(othersOf(after, op.world), `${op.kind} ${op.world}: ${run.stderr}`).toEqual(
                othersOf(before, op.world),
              );
              if (run.status === 0) {
                expect(after, `${op.kind} ${op.world}`).toEqual(expected);
              } else {
                // Refused (the world is not in the source, or not on the server): nothing changed at all
                expect(run.status, run.stderr).toBe(3);
                expect(after).toEqual(before);
              }
            });
          } finally {
            box.dispose();
            rmSync(box.config, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 4 },
    );
  });
});
