import { defineConfig } from 'vitest/config';

/**
 * `npm run test:pipelines`: .gitlab-ci.yml checked and run with gitlab-ci-local (test/ci/gitlab-ci.test.ts).
 * Not part of `npm test`: every check starts gitlab-ci-local, a Node.js process of about a CPU second, and the
 * job runs need rsync. `.ci/run` and the GitHub workflow run both.
 */
export default defineConfig({
  test: {
    name: 'pipelines',
    include: ['test/ci/gitlab-ci.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
