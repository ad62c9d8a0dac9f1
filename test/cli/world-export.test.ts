import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { worldExport } from '../../src/cli/commands/world-export.js';
import { errorLines } from '../../src/cli/errors.js';
import { type FakeWorldStack, useFakeWorldStack } from '../worlds/fake-world-stack.js';
import { writeConfig } from './helpers.js';

let fake: FakeWorldStack;
let out: string;
useFakeWorldStack((stack) => {
  fake = stack;
  fake.worldsLocal = new Map([
    ['Dedicated/_main.0.fwl2', 'meta'],
    ['Dedicated/chunk.0.0.fwl2', 'chunk'],
    ['Other.fwl', 'other fwl'],
    ['Other.db', 'other db'],
  ]);
  out = mkdtempSync(join(tmpdir(), 'world-export-'));
});

describe('valheim world export', () => {
  it('snapshots the world on the server and downloads it, ready for a PC', async () => {
    // Given
    const deps = fake.deps();

    // When
    await worldExport({ config: writeConfig(), out }, deps);

    // Then a manual snapshot was taken…
    expect(fake.runs).toEqual([
      {
        MODE: 'snapshot',
        BUCKET: fake.bucket,
        SNAPSHOT_ID: '20261124T080001Z-manual',
        WORLD_NAME: 'Dedicated',
      },
    ]);
    // …and only the configured world's files were downloaded, laid out as in worlds_local
    const target = join(out, 'Dedicated-20261124T080001Z-manual');
    expect(readdirSync(out)).toEqual(['Dedicated-20261124T080001Z-manual']);
    expect(readdirSync(join(target, 'Dedicated')).sort()).toEqual(['_main.0.fwl2', 'chunk.0.0.fwl2']);
    expect(readFileSync(join(target, 'Dedicated', 'chunk.0.0.fwl2'), 'utf8')).toBe('chunk');
    expect(deps.term.stdout[0]).toBe(`Exported "Dedicated" (Valheim 1.0 folder, 2 files, 9 B) to ${target}`);
    expect(deps.term.stdout[2]).toBe(
      'The snapshot stays in S3: npx valheim world restore snapshot:20261124T080001Z-manual brings it back.',
    );
    expect(deps.term.stderr).toContain('Downloading Dedicated: 9 B of 9 B (100%)');
  });

  it('warns that a running server may not have saved lately, and exports anyway', async () => {
    fake.game = { desiredCount: 1, runningCount: 1 };
    const deps = fake.deps();
    await worldExport({ config: writeConfig(), out }, deps);
    expect(deps.term.stderr[0]).toMatch(
      /^valheim: warning: the server is running; the export holds the world as of its last save/,
    );
    expect(readdirSync(out)).toEqual(['Dedicated-20261124T080001Z-manual']);
  });

  it('says when the server holds other worlds but not the active one', async () => {
    fake.worldsLocal = new Map([
      ['Other.fwl', 'f'],
      ['Other.db', 'd'],
    ]);
    const error = await worldExport({ config: writeConfig(), out }, fake.deps()).catch((e: unknown) => e);
    expect(errorLines(error, false)).toEqual([
      'valheim: the server has no world "Dedicated" (it holds Other) — valheim world list shows the worlds; the snapshot of what is there stays in S3 as snapshot:20261124T080001Z-manual',
    ]);
    expect(readdirSync(out)).toEqual([]);
  });

  it('says when the server has no world at all', async () => {
    fake.worldsLocal = new Map();
    await expect(worldExport({ config: writeConfig(), out }, fake.deps())).rejects.toThrow(
      'there is no world on the server yet (worlds_local is empty) — start the server once to create one, or import one (valheim world import)',
    );
  });
});
