import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/build-cli.js';
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
    'leaves the large packages that only some commands need out of what every start reads',
    async () => {
      // When the CLI is built (into a folder of its own: the real one is in use by the other tests)
      const { bytes, packages } = await buildCli(mkdtempSync(join(tmpdir(), 'valheim-cli-')));
      // Then the packages one command imports lazily are loaded from node_modules by that command alone:
      // EC2 (doctor's region check, the status address), Discord's REST client with undici (the discord
      // commands), aws-cdk-lib (synth and deploy only; the region list is the CLI's own)
      for (const name of ['@aws-sdk/client-ec2', '@discordjs/rest', 'undici', 'aws-cdk-lib']) {
        expect(packages[name], name).toBeUndefined();
      }
      // And the bundle stays about 2 MB (it was 4.9 MB with them: 0.27 s of CPU for --help, now 0.15 s)
      expect(bytes).toBeLessThan(2.5 * 1024 * 1024);
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
