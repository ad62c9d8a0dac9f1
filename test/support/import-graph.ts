import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';

/**
 * The project's own import graph, from the sources as written: every relative `import`, `import type`,
 * `export … from` and `import()` counts, because a type-only circle still ties the files' meaning together
 * and comes back as a value import at the next refactor. Packages are left out.
 */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

const SOURCE = /\.(ts|mts|js|mjs)$/;

function sourceFiles(root: string, folder: string): string[] {
  const here = join(root, folder);
  if (!existsSync(here)) return [];
  return readdirSync(here, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(root, path);
    return SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The file an import names: `./x.js` is `./x.ts` in the sources (NodeNext resolution). */
function resolveImport(root: string, from: string, specifier: string): string | undefined {
  const base = normalize(join(dirname(from), specifier));
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`];
  return candidates.find((candidate) => existsSync(join(root, candidate)));
}

/** Files under `folders` (relative to `root`) and the project files each one imports. */
export function importGraph(root: string, folders: readonly string[]): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const file of folders.flatMap((folder) => sourceFiles(root, folder))) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
    const targets = importedFiles
      .filter(({ fileName }) => fileName.startsWith('.'))
      .map(({ fileName }) => resolveImport(root, file, fileName))
      .filter((target): target is string => target !== undefined);
    graph.set(relative('.', file), [...new Set(targets)]);
  }
  return graph;
}

/** Every import circle, as the files of each strongly connected component (Tarjan), sorted for stable output. */
export function importCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file) ?? 0, index.get(target) ?? 0));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    const selfImport = (graph.get(file) ?? []).includes(file);
    if (component.length > 1 || selfImport) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

/** The imports that go from a file to a file of a higher layer (a layer is a folder's position in `layers`). */
export function upwardImports(
  graph: ImportGraph,
  layerOf: (file: string) => number | undefined,
): Array<{ readonly from: string; readonly to: string }> {
  return [...graph].flatMap(([from, targets]) => {
    const own = layerOf(from);
    if (own === undefined) return [];
    return targets
      .filter((to) => {
        const theirs = layerOf(to);
        return theirs !== undefined && theirs > own;
      })
      .map((to) => ({ from, to }));
  });
}
