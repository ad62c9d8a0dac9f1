import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { lazyImportUses } from './support/lazy-imports.js';

/*
 * The class of bug the deployed monitor had: a lazy `import('pkg')` that works from the sources (Node finds a
 * CommonJS package's named exports) but not from the bundle (esbuild's chunk for it exported only `default`).
 * For every bundle of `npm run build`: every chunk loads, and every lazy import() in the code that went into
 * it — ours and the dependencies' — resolves to a chunk that has each export the code takes from it.
 */

const ROOT = join(import.meta.dirname, '../..');
const DIST = join(ROOT, 'dist/lambdas');
const bundles = readdirSync(DIST, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

describe.each(bundles)('the %s bundle', (name) => {
  const metafile = JSON.parse(readFileSync(join(DIST, `${name}.meta.json`), 'utf8')) as Metafile;

  it('loads every chunk', async () => {
    const chunks = readdirSync(join(DIST, name, 'chunks')).filter((file) => file.endsWith('.mjs'));
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) await import(pathToFileURL(join(DIST, name, 'chunks', chunk)).href);
  });

  it('has every export each lazy import() takes, in the chunk it became', async () => {
    const chunkOf = new Map(
      Object.entries(metafile.outputs).flatMap(([file, output]) =>
        output.entryPoint ? [[output.entryPoint, file] as const] : [],
      ),
    );
    const problems: string[] = [];
    const checked: string[] = [];
    for (const [input, { imports }] of Object.entries(metafile.inputs)) {
      const lazy = imports.filter((entry) => entry.kind === 'dynamic-import' && !entry.external);
      if (lazy.length === 0) continue;
      const uses = lazyImportUses(input, readFileSync(join(ROOT, input), 'utf8'));
      for (const entry of lazy) {
        const chunk = chunkOf.get(entry.path);
        const written = uses.filter((use) => use.specifier === entry.original);
        if (!chunk || written.length === 0) {
          problems.push(
            `${input}: import('${entry.original}') → ${chunk ?? 'no chunk'}, not found in the source`,
          );
          continue;
        }
        const module = (await import(pathToFileURL(join(ROOT, chunk)).href)) as Record<string, unknown>;
        for (const use of written) {
          const where = `${input}:${use.line}: import('${use.specifier}')`;
          if (!use.names) {
            problems.push(
              `${where}: cannot tell which exports it takes; write it as import('…').then(({ Name }) => …) or const { Name } = await import('…')`,
            );
            continue;
          }
          for (const exported of use.names) {
            if (module[exported] === undefined)
              problems.push(`${where}: ${chunk} has no export "${exported}"`);
            else checked.push(`${use.specifier} ${exported}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked.length).toBeGreaterThan(0);
    if (name === 'monitor') expect(checked).toContain('@aws-sdk/client-s3 S3Client');
  });
});
