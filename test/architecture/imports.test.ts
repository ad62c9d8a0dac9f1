import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importCycles, importGraph, upwardImports } from '../support/import-graph.js';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * The layers of src/, lowest first: a file may import its own layer and the ones below, never one above.
 * Records and small utilities (the light AWS client among them) at the bottom; the use cases over AWS, Discord and the game in the middle; the
 * monitor that composes them; the bot; and the thin callers (Lambda handlers, the CLI) on top.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['src/records', 'src/config', 'src/aws', 'src/log.ts', 'src/deadline.ts'],
  [
    'src/discord',
    'src/players',
    'src/server',
    'src/cost',
    'src/worlds',
    'src/server-cache',
    'src/mods',
    'src/game',
  ],
  ['src/monitor'],
  ['src/bot'],
  ['src/handlers', 'src/cli'],
  ['infra', 'scripts', 'bin'],
];

function layerOf(file: string): number | undefined {
  const layer = LAYERS.findIndex((folders) =>
    folders.some((folder) => file === folder || file.startsWith(`${folder}/`)),
  );
  return layer === -1 ? undefined : layer;
}

describe('the import graph', () => {
  const graph = importGraph(ROOT, ['src', 'infra', 'scripts', 'bin']);

  it('reads the whole project (type-only imports included)', () => {
    // Given the project's sources; Then the graph knows the files and a type-only import between them
    expect(graph.size).toBeGreaterThan(150);
    expect(graph.get('src/monitor/state-store.ts')).toContain('src/records/lifecycle.ts');
  });

  it('has no import circle anywhere in src/, infra/, scripts/ or bin/', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('never imports upwards: a lower layer knows nothing of the layers above it', () => {
    expect(upwardImports(graph, layerOf)).toEqual([]);
  });

  it('keeps the shared records free of everything else in the project', () => {
    const outside = [...graph]
      .filter(([file]) => file.startsWith('src/records/'))
      .flatMap(([file, targets]) =>
        targets.filter((t) => !t.startsWith('src/records/')).map((t) => `${file} → ${t}`),
      );
    expect(outside).toEqual([]);
  });

  it('places every source file in a layer', () => {
    const unplaced = [...graph.keys()].filter((file) => layerOf(file) === undefined);
    expect(unplaced).toEqual([]);
  });
});

describe('the checks themselves', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'import-graph-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  function project(files: Record<string, string>): string {
    const root = mkdtempSync(join(scratch, 'p-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  }

  it('finds a circle made of type-only imports and re-exports', () => {
    // Given three files that import each other in a ring, one link a type import and one a re-export
    const root = project({
      'src/a.ts': "import type { B } from './b.js';\nexport type A = B;\n",
      'src/b.ts': "export { c } from './sub/c.js';\nexport type B = string;\n",
      'src/sub/c.ts': "import { a } from '../a.js';\nexport const c = a;\n",
      'src/d.ts': "import { c } from './sub/c.js';\nexport const d = c;\n",
    });
    // When the graph is walked; Then the ring is reported, and the file that only imports into it is not
    expect(importCycles(importGraph(root, ['src']))).toEqual([['src/a.ts', 'src/b.ts', 'src/sub/c.ts']]);
  });

  it('finds a circle made by a dynamic import()', () => {
    const root = project({
      'src/x.ts': "export const load = () => import('./y.js');\n",
      'src/y.ts': "import { load } from './x.js';\nexport const y = load;\n",
    });
    expect(importCycles(importGraph(root, ['src']))).toEqual([['src/x.ts', 'src/y.ts']]);
  });

  it('reports a circle deliberately added between the records and the monitor', () => {
    // Given a state store on the records, and the records made to import the store back
    const root = project({
      'src/records/lifecycle.ts':
        "import type { StoredState } from '../monitor/state-store.js';\nexport type S = StoredState;\n",
      'src/monitor/state-store.ts':
        "import type { S } from '../records/lifecycle.js';\nexport type StoredState = { s?: S };\n",
    });
    const graph = importGraph(root, ['src']);
    expect(importCycles(graph)).toEqual([['src/monitor/state-store.ts', 'src/records/lifecycle.ts']]);
    expect(upwardImports(graph, layerOf)).toEqual([
      { from: 'src/records/lifecycle.ts', to: 'src/monitor/state-store.ts' },
    ]);
  });

  it('passes a graph without circles', () => {
    const root = project({
      'src/a.ts': "import { b } from './b.js';\nexport const a = b;\n",
      'src/b.ts': 'export const b = 1;\n',
    });
    expect(importCycles(importGraph(root, ['src']))).toEqual([]);
  });
});
