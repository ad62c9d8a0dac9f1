import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
// @ts-expect-error: plain JavaScript (bin/ runs before anything is compiled), no declarations
import { isFresh } from '../bin/cli-bundle.js';
import { startFakeAws } from '../test/support/fake-aws-endpoint.js';

/**
 * The `valheim` CLI's start-up, as a user waits for it: a new process until it exits. `--help` (the bundle
 * and its V8 code cache: bin/valheim.js), a local `valheim status` (config read, ECS and EC2 asked on
 * loopback, answer printed), the sources through tsx (what bin/valheim.js ran before), and `node -e 0` as the
 * yardstick of the same run.
 */
export interface CliStartup {
  readonly runs: number;
  readonly nodeMs: number;
  readonly helpMs: number;
  readonly statusMs: number;
  readonly tsxHelpMs: number;
}

const root = join(import.meta.dirname, '..');

function wallMs(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk;
    });
    child.on('close', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`${args.join(' ')}: ${err}`)),
    );
  });
}

async function median(runs: number, measure: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await measure());
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] ?? 0;
}

export async function measureCliStartup(runs = 9): Promise<CliStartup> {
  const bin = join(root, 'bin/valheim.js');
  // The first run rebuilds a stale bundle and writes the code cache: not what a user waits for every time.
  await wallMs([bin, '--help']);
  if (!isFresh()) throw new Error('dist/cli is stale after a run of bin/valheim.js: the rebuild failed');
  const aws = await startFakeAws({ desiredCount: 0 });
  try {
    const statusEnv = {
      ...process.env,
      AWS_REGION: 'eu-central-1',
      AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-for-loopback-only',
      AWS_ENDPOINT_URL: aws.url,
    };
    return {
      runs,
      nodeMs: await median(runs, () => wallMs(['-e', '0'])),
      helpMs: await median(runs, () => wallMs([bin, '--help'])),
      statusMs: await median(runs, () =>
        wallMs([bin, 'status', '--config', 'valheim.config.example.json'], statusEnv),
      ),
      tsxHelpMs: await median(Math.min(runs, 3), () =>
        wallMs(['--import', 'tsx', join(root, 'src/cli/main.ts'), '--help']),
      ),
    };
  } finally {
    await aws.close();
  }
}

export function printCliStartup(result: CliStartup): void {
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  const ratio = (value: number) => `${(value / result.nodeMs).toFixed(1)}× node -e 0`;
  console.log(
    `valheim CLI start-up (process start → exit, median of ${result.runs}; node -e 0: ${ms(result.nodeMs)})`,
  );
  console.log(
    `  valheim --help (bundle + V8 code cache)         ${ms(result.helpMs)}  (${ratio(result.helpMs)}; goal ≤ 300 ms)`,
  );
  console.log(
    `  valheim status (AWS answered on loopback)       ${ms(result.statusMs)}  (${ratio(result.statusMs)})`,
  );
  console.log(
    `  --help from the sources through tsx (before)    ${ms(result.tsxHelpMs)}  (${(result.tsxHelpMs / result.helpMs).toFixed(1)}× the bundle)`,
  );
}
