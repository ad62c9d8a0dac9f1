import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeAws } from '../support/fake-aws-endpoint.js';

/*
 * The `valheim` executable as a user runs it: bin/valheim.js and the bundle npm ci (prepare) or npm run build
 * made. Serial with the rest of the e2e suite, so touching a source file here cannot race another test.
 */

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/cli');
const run = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  promisify(execFile)(process.execPath, [join(ROOT, 'bin/valheim.js'), ...args], { cwd: ROOT, env });
/** A rebuild takes about a second of CPU; on a machine shared by many it can wait minutes for it. */
const REBUILD_TIMEOUT_MS = 300_000;
const manifest = () =>
  JSON.parse(readFileSync(join(CLI, 'manifest.json'), 'utf8')) as {
    inputs: Record<string, [number, number]>;
  };

describe('the bundled valheim CLI', () => {
  const touched = join(ROOT, 'src/cli/program.ts');
  const original = statSync(touched);
  afterAll(() => {
    // Whatever happened, the file's time as it was (the next run rebuilds once if it differs from the bundle's).
    utimesSync(touched, original.atime, original.mtime);
  });

  it(
    'answers --help from the bundle, with V8 code cached beside it',
    async () => {
      const { stdout } = await run(['--help']);
      expect(stdout).toContain('Usage: valheim');
      expect(existsSync(join(CLI, 'valheim.cjs.v8-cache'))).toBe(true);
      expect(manifest().inputs['src/cli/main.ts']).toBeDefined();
    },
    REBUILD_TIMEOUT_MS,
  );

  it(
    'rebuilds before running when a source file changed since the bundle was built',
    async () => {
      // Given a source file touched after the build (an edit, a checkout)
      const later = new Date(original.mtimeMs + 60_000);
      utimesSync(touched, later, later);
      // When valheim runs
      const { stdout } = await run(['--version']);
      // Then it answered, from a bundle that records the file as it is now
      expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
      expect(manifest().inputs['src/cli/program.ts']?.[0]).toBe(statSync(touched).mtimeMs);
    },
    REBUILD_TIMEOUT_MS,
  );

  it(
    'runs a command that talks to AWS (valheim status, AWS on loopback)',
    async () => {
      const aws = await startFakeAws({ desiredCount: 0 });
      try {
        const { stdout } = await run(['status', '--config', 'valheim.config.example.json'], {
          ...process.env,
          AWS_REGION: 'eu-central-1',
          AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
          AWS_SECRET_ACCESS_KEY: 'fake-secret-for-loopback-only',
          AWS_ENDPOINT_URL: aws.url,
        });
        expect(stdout).toMatch(/stopped/i);
        expect(aws.state.calls).toContain('ecs:DescribeServices');
      } finally {
        await aws.close();
      }
    },
    REBUILD_TIMEOUT_MS,
  );
});
