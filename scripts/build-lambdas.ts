import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleLambda } from '../infra/bundling.js';
import {
  DISCORD_ENDPOINT_PATH_ENTRY,
  DISCORD_WIRING_ENTRY,
  INTERACTIONS_ENTRY,
  MONITOR_ENTRY,
  SCHEDULED_START_ENTRY,
  SERVER_LOG_ENTRY,
} from '../infra/valheim-stack.js';

/*
 * `npm run build`: bundles every Lambda of the stack exactly as a deploy does (infra/bundling.ts), into
 * dist/lambdas/<handler>/, and prints their sizes. Nothing needs it to run the CLI or to deploy (tsx runs
 * the TypeScript, the CDK bundles at synth); it shows what would be uploaded and fails on a bundling error.
 */

export const LAMBDA_ENTRIES = [
  INTERACTIONS_ENTRY,
  MONITOR_ENTRY,
  SERVER_LOG_ENTRY,
  SCHEDULED_START_ENTRY,
  DISCORD_WIRING_ENTRY,
  DISCORD_ENDPOINT_PATH_ENTRY,
];

export interface BuiltLambda {
  readonly name: string;
  readonly outdir: string;
  /** Bytes of JavaScript: the entry file and its chunks. */
  readonly bytes: number;
}

/** Bundles each entry into `<outdir>/<handler name>/`, replacing what an earlier build left there. */
export function buildLambdas(outdir: string, entries: readonly string[] = LAMBDA_ENTRIES): BuiltLambda[] {
  return entries.map((entry) => {
    const name = basename(entry, '.ts');
    const dir = join(outdir, name);
    rmSync(dir, { recursive: true, force: true });
    const { metafile } = bundleLambda({ entry, outdir: dir });
    // Beside the bundle, not in it: which chunk each lazy import() became (test/e2e/lazy-imports.test.ts).
    writeFileSync(join(outdir, `${name}.meta.json`), JSON.stringify(metafile));
    return { name, outdir: dir, bytes: javascriptBytes(dir) };
  });
}

function javascriptBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.mjs'))
    .reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outdir = fileURLToPath(new URL('../dist/lambdas', import.meta.url));
  for (const built of buildLambdas(outdir)) {
    const kib = (built.bytes / 1024).toFixed(1).padStart(8);
    console.log(`${built.name.padEnd(16)} ${kib} KiB  ${relative(process.cwd(), built.outdir)}`);
  }
}
