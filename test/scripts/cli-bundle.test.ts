import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript (bin/ runs before anything is compiled), no declarations
import { chooseRun, isFresh } from '../../bin/cli-bundle.js';

/*
 * How bin/valheim.js decides between the bundled CLI and the sources, and runs the bundle with V8's code
 * cache. The real bundle, built and run, is in test/e2e/cli-bundle.test.ts.
 */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'valheim-cli-bundle-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A manifest recording `files` (relative to dir) as they are now. */
function record(files: string[]) {
  const inputs = Object.fromEntries(
    files.map((file) => {
      const stats = statSync(join(dir, file));
      return [file, [stats.mtimeMs, stats.size]];
    }),
  );
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: 1, inputs }));
}

describe('isFresh (is dist/cli built from the files that are there now?)', () => {
  beforeEach(() => {
    writeFileSync(join(dir, 'a.ts'), 'export const a = 1;\n');
    writeFileSync(join(dir, 'b.ts'), 'export const b = 2;\n');
    record(['a.ts', 'b.ts']);
  });

  it('is fresh when every recorded file is unchanged', () => {
    expect(isFresh(dir, dir)).toBe(true);
  });

  it('is stale when a file changed size, even with the same mtime', () => {
    const { mtime } = statSync(join(dir, 'a.ts'));
    writeFileSync(join(dir, 'a.ts'), 'export const a = 10;\n');
    utimesSync(join(dir, 'a.ts'), mtime, mtime);
    expect(isFresh(dir, dir)).toBe(false);
  });

  it('is stale when a file was touched (a checkout, an edit that kept the size), also to an older time', () => {
    utimesSync(join(dir, 'b.ts'), new Date(2020, 0, 1), new Date(2020, 0, 1));
    expect(isFresh(dir, dir)).toBe(false);
  });

  it('is stale when a file is gone, or when there is no manifest (never built)', () => {
    rmSync(join(dir, 'b.ts'));
    expect(isFresh(dir, dir)).toBe(false);
    rmSync(join(dir, 'manifest.json'));
    expect(isFresh(dir, dir)).toBe(false);
  });

  it('is stale when the manifest is damaged', () => {
    writeFileSync(join(dir, 'manifest.json'), '{"version":1,');
    expect(isFresh(dir, dir)).toBe(false);
  });
});

describe('chooseRun', () => {
  const build = (fails = false) => {
    const calls: string[] = [];
    return {
      calls,
      build: async () => {
        calls.push('build');
        if (fails) throw new Error('EACCES: read-only install');
      },
    };
  };

  it('runs a fresh bundle without building', async () => {
    const builder = build();
    expect(await chooseRun({ fresh: () => true, build: builder.build })).toBe('bundle');
    expect(builder.calls).toEqual([]);
  });

  it('rebuilds a stale bundle, then runs it', async () => {
    const builder = build();
    let built = false;
    const way = await chooseRun({
      fresh: () => built,
      build: async () => {
        await builder.build();
        built = true;
      },
    });
    expect(way).toBe('bundle');
    expect(builder.calls).toEqual(['build']);
  });

  it('runs the sources when the rebuild fails, or when a file changed while it built', async () => {
    expect(await chooseRun({ fresh: () => false, build: build(true).build })).toBe('sources');
    expect(await chooseRun({ fresh: () => false, build: build().build })).toBe('sources');
  });
});

/** runBundle in a new process, like bin/valheim.js (V8 would answer a second compile here from memory). */
function runBundleInProcess(file: string) {
  const helpers = pathToFileURL(join(import.meta.dirname, '../../bin/cli-bundle.js')).href;
  execFileSync(process.execPath, [
    '--input-type=module',
    '-e',
    `import { runBundle } from ${JSON.stringify(helpers)}; runBundle(${JSON.stringify(file)});`,
  ]);
}

describe('runBundle', () => {
  it('runs a CommonJS script with require, module and __dirname, and keeps V8 code beside it', () => {
    // Given a bundle that records what it was given
    const file = join(dir, 'cli.cjs');
    const out = join(dir, 'out.json');
    writeFileSync(
      file,
      `const { writeFileSync } = require('node:fs');\nmodule.exports.ran = true;\nwriteFileSync(${JSON.stringify(out)}, JSON.stringify({ dirname: __dirname, filename: __filename }));\n`,
    );
    // When it runs twice
    runBundleInProcess(file);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ dirname: dir, filename: file });
    const cache = `${file}.v8-cache`;
    expect(existsSync(cache)).toBe(true);
    const first = statSync(cache).mtimeMs;
    runBundleInProcess(file);
    // Then the second run used the cache (it would rewrite a rejected one)
    expect(statSync(cache).mtimeMs).toBe(first);
  });

  it('replaces a cache that does not fit the bundle any more', () => {
    const file = join(dir, 'cli.cjs');
    writeFileSync(file, 'module.exports = 1;\n');
    runBundleInProcess(file);
    const cache = `${file}.v8-cache`;
    writeFileSync(cache, 'not a V8 code cache');
    runBundleInProcess(file);
    expect(readFileSync(cache, 'utf8')).not.toBe('not a V8 code cache');
  });
});
