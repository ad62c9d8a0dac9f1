import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

/*
 * The `valheim` CLI as one CommonJS file (dist/cli/valheim.cjs), built by `npm ci` (the prepare script) and
 * again by bin/valheim.js whenever a source changed since (see its comment for why it rebuilds rather than
 * run stale code). One file, not an ES module, because Node 20 can keep V8's compiled code of a script
 * (vm.Script cachedData) but not of an ES module: with the cache, `valheim --help` starts in well under
 * 0.3 s, where tsx compiling src/ took over a second. Node 22's module.enableCompileCache would allow an ES
 * module bundle; the project still runs on Node 20.
 *
 * dist/cli/manifest.json records every source file that went in (size and mtime) and the installed
 * dependencies (node_modules/.package-lock.json, which npm rewrites on every install): bin/valheim.js
 * compares them before each run.
 */

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI_ENTRY = join(ROOT, 'src/cli/main.ts');
export const CLI_OUTDIR = join(ROOT, 'dist/cli');
export const CLI_BUNDLE = 'valheim.cjs';
export const CLI_MANIFEST = 'manifest.json';
/** npm's record of what is installed: rewritten whenever node_modules changes. */
export const INSTALLED_LOCK = 'node_modules/.package-lock.json';

/** What bin/valheim.js compares: [mtimeMs, size] of each source path, relative to the root. */
export interface CliManifest {
  readonly version: 1;
  readonly inputs: Record<string, readonly [number, number]>;
}

/**
 * `import.meta.url` in a source file becomes that file's own URL, worked out from where the bundle lies at
 * run time: `new URL('../../package.json', import.meta.url)` and createRequire(import.meta.url) keep meaning
 * what they mean in the sources, wherever the clone is.
 */
const sourceUrls: Plugin = {
  name: 'source-urls',
  setup(context) {
    context.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async ({ path }) => {
      const { readFile } = await import('node:fs/promises');
      const text = await readFile(path, 'utf8');
      const source = relative(ROOT, path).split('\\').join('/');
      return {
        contents: text.replaceAll('import.meta.url', `__valheimSourceUrl(${JSON.stringify(source)})`),
        loader: 'ts',
      };
    });
  },
};

/**
 * A package the CLI only imports lazily (`await import('@aws-sdk/client-cloudwatch-logs')` in one command)
 * stays out of the bundle: the command that needs it loads it from node_modules (Node's own loader, so the
 * named exports are Node's too), and every other command starts without reading, compiling or running it.
 * Bundled, a lazy import is evaluated at start-up with the rest (one script has no chunks), and the whole
 * namespace of it (all of EC2's 700 commands) goes in.
 */
const lazyPackagesOutside: Plugin = {
  name: 'lazy-packages-outside',
  setup(context) {
    context.onResolve({ filter: /^[^./]/ }, ({ path, kind }) =>
      kind === 'dynamic-import' && !path.startsWith('node:') ? { path, external: true } : undefined,
    );
  },
};

/** The bundle lies in dist/cli/: the root is two folders up. */
const BANNER = `const __valheimSourceUrl = (path) => require('node:url').pathToFileURL(require('node:path').join(__dirname, '..', '..', path)).href;`;

/** Builds the CLI into `outdir` (dist/cli): the bundle first, then its manifest, each written whole. */
export async function buildCli(
  outdir = CLI_OUTDIR,
): Promise<{ bytes: number; inputs: number; packages: Record<string, number> }> {
  const result = await build({
    entryPoints: [CLI_ENTRY],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // import() of what stays outside the bundle (node:http in the SDK) becomes require(): a script run with
    // vm.Script has no module loader for import() (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING).
    supported: { 'dynamic-import': false },
    // The ES module builds of the dependencies, as in the Lambdas (infra/bundling.ts), and for the same reason.
    mainFields: ['module', 'main'],
    // Minified: a third less to read and parse at every start (the CLI prints one-line errors, not stacks).
    minify: true,
    legalComments: 'none',
    banner: { js: BANNER },
    plugins: [sourceUrls, lazyPackagesOutside],
    metafile: true,
    write: false,
    logLevel: 'silent',
    absWorkingDir: ROOT,
    outfile: join(outdir, CLI_BUNDLE),
  });
  // A warning (an import.meta left over, a require that cannot be bundled) would be a CLI that breaks later.
  if (result.warnings.length > 0) {
    throw new Error(`the CLI bundle has warnings:\n${result.warnings.map((w) => w.text).join('\n')}`);
  }
  const code = result.outputFiles.find((file) => file.path.endsWith('.cjs'));
  if (!code) throw new Error('esbuild wrote no CLI bundle');
  const inputs: Record<string, readonly [number, number]> = {};
  const stamp = (path: string) => {
    const stats = statSync(join(ROOT, path));
    inputs[path] = [stats.mtimeMs, stats.size];
  };
  for (const path of Object.keys(result.metafile.inputs)) if (!path.startsWith('node_modules/')) stamp(path);
  stamp(INSTALLED_LOCK);
  stamp(relative(ROOT, fileURLToPath(import.meta.url)));
  const manifest: CliManifest = { version: 1, inputs };

  mkdirSync(outdir, { recursive: true });
  // Written whole (a temporary file renamed), so a concurrent `valheim` never reads half a bundle.
  const place = (name: string, contents: string | Uint8Array) => {
    const temporary = join(outdir, `${name}.${process.pid}.tmp`);
    writeFileSync(temporary, contents);
    renameSync(temporary, join(outdir, name));
  };
  place(CLI_BUNDLE, code.contents);
  place(CLI_MANIFEST, JSON.stringify(manifest));
  return {
    bytes: code.contents.byteLength,
    inputs: Object.keys(inputs).length,
    packages: packageBytes(result),
  };
}

/** Bytes each npm package puts into the bundle (what every `valheim` start reads), by package name. */
function packageBytes(result: { metafile: Metafile }): Record<string, number> {
  const bytes: Record<string, number> = {};
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
      if (name) bytes[name] = (bytes[name] ?? 0) + bytesInOutput;
    }
  }
  return bytes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await buildCli();
  console.log(`valheim CLI  ${(built.bytes / 1024).toFixed(1).padStart(8)} KiB  dist/cli/${CLI_BUNDLE}`);
}
