#!/usr/bin/env node
// The `valheim` executable. It runs the CLI bundled (dist/cli/valheim.cjs, scripts/build-cli.ts) with V8's
// compiled code kept beside it, so `valheim --help` answers in a fraction of the second tsx needs to compile
// src/ at every call.
//
// Never stale: before each run it compares every source file the bundle was built from (size and mtime,
// recorded in dist/cli/manifest.json; ~100 stat calls, about a millisecond) and the installed dependencies.
// When anything differs, or there is no bundle yet, it rebuilds first (about a second, once) rather than
// falling back to tsx for every later run: a developer who edits src/ gets the new code at the next call,
// a user who pulled gets it after the first. Only when the rebuild itself fails (a read-only install, a
// broken esbuild) does it run the sources through tsx, which is always right, just slower; a syntax error
// in src/ then shows as tsx reports it.
import { CLI_BUNDLE, chooseRun, isFresh, runBundle } from './cli-bundle.js';

const way = await chooseRun({
  fresh: () => isFresh(),
  build: async () => {
    const { register } = await import('tsx/esm/api');
    const unregister = register();
    try {
      const { buildCli } = await import('../scripts/build-cli.ts');
      await buildCli();
    } finally {
      await unregister();
    }
  },
});
if (way === 'bundle') {
  runBundle(CLI_BUNDLE);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
