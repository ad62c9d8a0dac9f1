import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Infra tests synthesize stacks with esbuild bundling: give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
    tags: [
      {
        name: 'pipeline-run',
        description: 'runs a CI job with gitlab-ci-local, which needs rsync: npm run test:pipelines',
      },
    ],
    // Node 20 is supported by the pinned SDK; its notice about future releases is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
