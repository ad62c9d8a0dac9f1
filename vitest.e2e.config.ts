import { defineConfig } from 'vitest/config';

/**
 * `npm run test:e2e`: the built bundles (npm run build) against moto_server on loopback. Not part of
 * `npm test`, which stays Node-only; `.ci/run` runs both. One file at a time: each starts its own moto and
 * one Node.js process per Lambda function.
 */
export default defineConfig({
  test: {
    name: 'e2e',
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
