import { defineConfig } from 'vitest/config';

/**
 * The infra tests build CDK apps and mock nothing: they share one module cache per worker (isolate: false)
 * instead of loading aws-cdk-lib and its schemas again for every file, which was most of their run time.
 * state-table-access mocks an AWS SDK client at module level, so it stays isolated with the rest.
 */
const SHARED_MODULE_TESTS = ['test/infra/**/*.test.ts'];
const MODULE_MOCKING_INFRA_TESTS = ['test/infra/state-table-access.test.ts'];
/** gitlab-ci-local runs of .gitlab-ci.yml: `npm run test:pipelines` (vitest.pipelines.config.ts), not npm test. */
export const PIPELINE_TESTS = ['test/ci/gitlab-ci.test.ts'];

export default defineConfig({
  test: {
    // Infra tests synthesize stacks with esbuild bundling: give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
    // Node 20 is supported by the pinned SDK; its notice about future releases is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: {
          name: 'infra',
          include: SHARED_MODULE_TESTS,
          exclude: MODULE_MOCKING_INFRA_TESTS,
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'isolated',
          include: ['test/!(infra|e2e)/**/*.test.ts', ...MODULE_MOCKING_INFRA_TESTS],
          exclude: PIPELINE_TESTS,
        },
      },
    ],
  },
});
