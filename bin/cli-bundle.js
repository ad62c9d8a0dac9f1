// How bin/valheim.js runs the bundled CLI: is dist/cli current, and running the bundle with V8's code cache.
// Plain JavaScript, imported before anything is compiled (tests import it too).
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI_DIRECTORY = join(ROOT, 'dist/cli');
export const CLI_BUNDLE = join(CLI_DIRECTORY, 'valheim.cjs');

/** True when dist/cli was built from exactly the files that are there now. */
export function isFresh(directory = CLI_DIRECTORY, base = ROOT) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(directory, 'manifest.json'), 'utf8'));
  } catch {
    return false;
  }
  if (manifest?.version !== 1 || typeof manifest.inputs !== 'object') return false;
  for (const [path, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
    try {
      const stats = statSync(join(base, path));
      if (stats.mtimeMs !== mtimeMs || stats.size !== size) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Runs a CommonJS bundle as Node would require it, with V8's code cache: read when it fits this bundle and
 * this Node, written (whole, best effort) when it does not.
 */
export function runBundle(file) {
  const cacheFile = `${file}.v8-cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const source = readFileSync(file, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  // After the module's own start-up ran: the cache then holds every function that start-up compiled (half
  // the CPU time of a run without it; a cache taken before running holds only the outline and saves a quarter).
  if (cachedData === undefined || script.cachedDataRejected) {
    try {
      const temporary = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, cacheFile);
    } catch {
      // A read-only install runs without the cache.
    }
  }
}

/**
 * Which way to run: the bundle when it is fresh, or once rebuilt; the sources (tsx) when the rebuild fails or
 * leaves it stale (a file changed meanwhile).
 */
export async function chooseRun({ fresh, build }) {
  if (fresh()) return 'bundle';
  try {
    await build();
  } catch {
    return 'sources';
  }
  return fresh() ? 'bundle' : 'sources';
}
