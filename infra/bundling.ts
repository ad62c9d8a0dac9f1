import { type BuildResult, buildSync } from 'esbuild';

/**
 * How every Lambda in this project is bundled: ESM for nodejs22.x on arm64, minified, with source maps and
 * code splitting, so that a handler's `await import()` of an AWS SDK client becomes a chunk that is only
 * loaded by the requests that need it (a signed PING loads nothing but the entry chunk).
 *
 * Shared by the CDK constructs (local bundling, no Docker) and by `npm run bench`, so the benchmark
 * measures exactly what is deployed.
 */
export interface BundleOptions {
  /** Absolute path of the handler's TypeScript entry file. */
  readonly entry: string;
  /** Directory to write `index.mjs` and its chunks into. */
  readonly outdir: string;
}

/** The banner gives ESM bundles a `require`, which bundled CommonJS dependencies call. */
const REQUIRE_BANNER =
  "import { createRequire as __valheimCreateRequire } from 'node:module'; const require = __valheimCreateRequire(import.meta.url);";

export function bundleLambda({ entry, outdir }: BundleOptions): BuildResult {
  return buildSync({
    entryPoints: { index: entry },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    // A package's ES module build first (the AWS SDK ships one as `module`). With code splitting, esbuild turns
    // a lazy `import()` of a CommonJS build into a chunk whose only export is `default` (evanw/esbuild#3245),
    // so `import('@aws-sdk/client-s3').then(({ S3Client }) => …)` got undefined in the deployed monitor while
    // the sources, run by Node, found the named export. An ES module chunk has its real named exports.
    // test/scripts/lazy-imports.test.ts checks every lazy import of every built bundle.
    mainFields: ['module', 'main'],
    target: 'node22',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: REQUIRE_BANNER },
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
}
