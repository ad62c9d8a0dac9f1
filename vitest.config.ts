import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Most test files share one module cache per worker (isolate: false): a worker loads aws-cdk-lib, the AWS SDK
 * clients and the project's sources once and runs file after file, instead of a fresh process importing them
 * again for each of 130 files, which was half of the suite's CPU (docs/developing.md, "Where the suite's time
 * goes").
 *
 * Files that replace something for everything else in their process keep a fresh worker each (ISOLATED_TESTS):
 * a module (vi.mock, vi.resetModules), the environment (vi.stubEnv, process.env) or the clock
 * (vi.useFakeTimers). AWS SDK clients are mocked through test/support/aws-mock.ts, whose stubs test/setup.ts
 * restores at the end of every file. test/architecture/test-isolation.test.ts fails when a shared file (or a helper it
 * imports) starts doing one of these without being listed here.
 */
export const ISOLATED_TESTS = [
  // vi.mock, vi.resetModules
  'test/cli/program.test.ts',
  'test/handlers/interactions.test.ts',
  // the environment replaced (vi.stubEnv, process.env)
  'test/aws/client.test.ts',
  'test/handlers/discord-wiring-bundle.test.ts',
  'test/handlers/discord-wiring.test.ts',
  'test/worlds/stalled-transfers.test.ts',
  // the clock (vi.useFakeTimers)
  'test/cost/actual-spend.test.ts',
];
/** gitlab-ci-local runs of .gitlab-ci.yml: `npm run test:pipelines` (vitest.pipelines.config.ts), not npm test. */
export const PIPELINE_TESTS = ['test/ci/gitlab-ci.test.ts'];

export default defineConfig({
  test: {
    // Infra tests synthesize stacks with esbuild bundling: give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One worker per core. vitest's default for a run is one fewer than the cores, which on this project's
    // 2-core machines ran every file one after the other on one core while the other waited for tsc.
    maxWorkers: availableParallelism(),
    setupFiles: ['test/setup.ts'],
    // Node 20 is supported by the pinned SDK; its notice about future releases is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', ...ISOLATED_TESTS, ...PIPELINE_TESTS],
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'isolated',
          include: ISOLATED_TESTS,
        },
      },
    ],
  },
});
