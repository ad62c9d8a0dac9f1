import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLambdas, LAMBDA_ENTRIES } from '../../scripts/build-lambdas.js';
import { report, runTogether } from '../../scripts/test.js';

const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
const ciRun = readFileSync('.ci/run', 'utf8');

describe('npm scripts', () => {
  it('name only files that a fresh clone has', () => {
    // Given every script's command / When the project files it names are looked up
    const missing = Object.entries(packageJson.scripts).flatMap(([script, command]) =>
      [...command.matchAll(/(?:^|\s)((?:scripts|bench|bin|test|infra|src)\/[\w./-]+)/g)]
        .map((match) => match[1] ?? '')
        .filter((file) => !existsSync(file))
        .map((file) => `${script}: ${file}`),
    );
    // Then none is missing
    expect(missing).toEqual([]);
  });

  it('run the pipeline tests outside `npm test`, and .ci/run runs both (no test is left out of CI)', async () => {
    // Given the two test scripts and their configs
    const { test, 'test:pipelines': pipelines } = packageJson.scripts;
    const { default: config, PIPELINE_TESTS } = await import('../../vitest.config.js');
    const { default: pipelineConfig } = await import('../../vitest.pipelines.config.js');
    // Then npm test's config leaves out exactly the files test:pipelines runs, and CI runs both
    expect(test).not.toContain('--config');
    expect(pipelines).toBe('vitest run --config vitest.pipelines.config.ts');
    expect(PIPELINE_TESTS).toEqual(['test/ci/gitlab-ci.test.ts']);
    expect(pipelineConfig.test?.include).toEqual(PIPELINE_TESTS);
    const projects = (config.test?.projects ?? []) as Array<{
      test: { include?: string[]; exclude?: string[] };
    }>;
    for (const { test: project } of projects) {
      expect(project.include?.some((glob) => PIPELINE_TESTS.includes(glob))).toBe(false);
    }
    expect(
      projects.find(({ test: project }) => project.include?.includes('test/**/*.test.ts'))?.test.exclude,
    ).toEqual(expect.arrayContaining(PIPELINE_TESTS));
    expect(ciRun).toMatch(/^npm test$/m);
    expect(ciRun).toMatch(/^npm run test:pipelines$/m);
    // and the idle stop's truth property with its full 10,000 evenings
    expect(packageJson.scripts['test:truth']).toContain('VALHEIM_TRUTH_RUNS=10000');
    // and the presence properties with 10,000 sessions each (npm test runs 250)
    expect(packageJson.scripts['test:truth']).toMatch(
      /VALHEIM_PRESENCE_RUNS=10000 .*test\/monitor\/presence-properties\.test\.ts/,
    );
    expect(ciRun).toMatch(/^npm run test:truth$/m);
    // and installs rsync for them before
    expect(ciRun.search(/apt-get install .*\brsync\b/)).toBeLessThan(
      ciRun.search(/^npm run test:pipelines$/m),
    );
  });
});

describe('the end-to-end suite (npm run test:e2e)', () => {
  it('builds first, stays out of npm test, and runs in .ci/run right after npm test', () => {
    // Given the scripts and the CI entry point
    const { test, 'test:e2e': e2e, prepare } = packageJson.scripts;
    // Then the suite runs what npm run build emits, npm test never picks it up, and CI runs it
    expect(e2e).toMatch(/^npm run build && vitest run --config vitest\.e2e\.config\.ts$/);
    expect(test).not.toContain('e2e');
    expect(readFileSync('vitest.config.ts', 'utf8')).toContain("exclude: ['test/e2e/**'");
    expect(ciRun.search(/^npm run test:e2e$/m)).toBeGreaterThan(ciRun.search(/^npm test$/m));
    // and npm ci bundles the CLI (prepare)
    expect(prepare).toBe('node --import tsx scripts/build-cli.ts');
  });
});

describe('npm run build (scripts/build-lambdas.ts)', () => {
  it('bundles each Lambda of the stack into its own folder', () => {
    // Given a fresh output folder
    const outdir = mkdtempSync(join(tmpdir(), 'valheim-build-'));
    try {
      // When the smallest handler is built
      const entry = LAMBDA_ENTRIES.find((file) => file.endsWith('server-log.ts')) ?? '';
      const [built] = buildLambdas(outdir, [entry]);
      // Then its bundle is there, named after the handler
      expect(built?.name).toBe('server-log');
      expect(existsSync(join(outdir, 'server-log', 'index.mjs'))).toBe(true);
      // and its metafile beside it (which chunk each lazy import() became), not inside what is uploaded
      expect(existsSync(join(outdir, 'server-log.meta.json'))).toBe(true);
      expect(built?.bytes).toBeGreaterThan(1000);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('builds every Lambda entry the stack names', async () => {
    // Given the stack module's *_ENTRY exports
    const stack = await import('../../infra/valheim-stack.js');
    const entries = Object.entries(stack)
      .filter(([name]) => name.endsWith('_ENTRY'))
      .map(([, file]) => file);
    // Then the build covers exactly those, each an existing file
    expect([...LAMBDA_ENTRIES].sort()).toEqual(entries.sort());
    for (const entry of LAMBDA_ENTRIES) expect(existsSync(entry), entry).toBe(true);
  });
});

describe('npm test (scripts/test.ts)', () => {
  it('runs Biome first, then the type check and vitest side by side', () => {
    // Given the script / Then lint gates the rest, and both the type check and vitest run
    expect(packageJson.scripts.test).toBe('npm run lint && node --import tsx scripts/test.ts');
    const runner = readFileSync('scripts/test.ts', 'utf8');
    expect(runner).toContain("tool('typescript/bin/tsc'), '--noEmit'");
    expect(runner).toContain("tool('vitest/vitest.mjs'), 'run'");
  });

  it('runs the steps at the same time and keeps what each printed', async () => {
    // Given two steps that each finish only once the other has started (a file each)
    const dir = mkdtempSync(join(tmpdir(), 'valheim-together-'));
    const waitFor = (mine: string, theirs: string) =>
      `require('fs').writeFileSync(${JSON.stringify(join(dir, mine))}, '');` +
      `const t = setInterval(() => { if (require('fs').existsSync(${JSON.stringify(join(dir, theirs))})) {` +
      `clearInterval(t); console.log('${mine} saw ${theirs}'); process.exit(); } }, 5);` +
      "setTimeout(() => { console.log('alone'); process.exit(3); }, 10000);";
    try {
      // When
      const results = await runTogether([
        { name: 'a', command: process.execPath, args: ['-e', waitFor('a', 'b')] },
        { name: 'b', command: process.execPath, args: ['-e', `process.exitCode = 2; ${waitFor('b', 'a')}`] },
      ]);
      // Then both ran together; b's failure and everything printed are kept
      expect(results).toEqual([
        { name: 'a', code: 0, output: 'a saw b\n' },
        { name: 'b', code: 2, output: 'b saw a\n' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails when any step fails, naming it after the output', () => {
    // Given
    const printed: string[] = [];
    // When
    const code = report(
      [
        { name: 'vitest run', code: 0, output: '' },
        { name: 'tsc --noEmit', code: 2, output: "src/x.ts(1,7): error TS2322: Type 'string' is not…\n" },
      ],
      (text) => printed.push(text),
    );
    // Then
    expect(code).toBe(1);
    expect(printed.join('')).toBe(
      "\ntsc --noEmit:\nsrc/x.ts(1,7): error TS2322: Type 'string' is not…\nnpm test: tsc --noEmit failed (exit code 2)\n",
    );
    expect(report([{ name: 'vitest run', code: 0, output: '' }], () => {})).toBe(0);
  });
});
