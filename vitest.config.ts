import { defineConfig } from 'vitest/config';

/**
 * Most test files share one module cache per worker (isolate: false): a worker loads aws-cdk-lib, the AWS SDK
 * clients and the project's sources once and runs file after file, instead of a fresh process importing them
 * again for each of 130 files, which was half of the suite's CPU (docs/developing.md, "Where the suite's time
 * goes").
 *
 * Files that replace something for everything else in their process keep a fresh worker each (ISOLATED_TESTS):
 * a module (vi.mock, vi.resetModules), an AWS SDK client class's `send` (aws-sdk-client-mock's mockClient
 * stubs the prototype and nothing restores it), the environment (vi.stubEnv, process.env) or the clock
 * (vi.useFakeTimers). test/architecture/test-isolation.test.ts fails when a shared file (or a helper it
 * imports) starts doing one of these without being listed here.
 */
export const ISOLATED_TESTS = [
  // vi.mock / vi.resetModules / the environment replaced
  'test/aws/client.test.ts',
  'test/cli/program.test.ts',
  'test/handlers/interactions.test.ts',
  'test/handlers/discord-wiring-bundle.test.ts',
  'test/handlers/discord-wiring.test.ts',
  'test/worlds/stalled-transfers.test.ts',
  'test/cost/actual-spend.test.ts',
  // aws-sdk-client-mock's mockClient, directly or through test/worlds/fake-world-stack.ts
  'test/cli/deploy.test.ts',
  'test/cli/destroy.test.ts',
  'test/cli/discord-register.test.ts',
  'test/cli/discord-wire.test.ts',
  'test/cli/doctor.test.ts',
  'test/cli/logs.test.ts',
  'test/cli/secrets.test.ts',
  'test/cli/session-snapshot-restore.test.ts',
  'test/cli/setup.test.ts',
  'test/cli/start-stop.test.ts',
  'test/cli/status.test.ts',
  'test/cli/world-backups.test.ts',
  'test/cli/world-export.test.ts',
  'test/cli/world-import.test.ts',
  'test/cli/world-manage.test.ts',
  'test/cli/world-restore.test.ts',
  'test/monitor/session-snapshots.test.ts',
  'test/server/ecs-game-server.test.ts',
  'test/server/scheduled-start.test.ts',
  'test/server/service-activity.test.ts',
  'test/worlds/aws-worlds.test.ts',
  'test/worlds/backups.test.ts',
  'test/worlds/snapshots.test.ts',
  'test/worlds/stack.test.ts',
  'test/worlds/transfer-task.test.ts',
  'test/infra/state-table-access.test.ts',
];
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
