/**
 * `npm run bench`, cold start of commands: the BUILT interactions bundle (what `npm run build` writes to
 * dist/lambdas/interactions) in a fresh Node process per run, answering one signed request — a PING,
 * `/valheim status`, `/valheim start`, a Refresh button — against loopback stand-ins (ECS/EC2:
 * test/support/fake-aws-endpoint.ts; DynamoDB: dynalite), alternating with the original article's Flask +
 * boto3 Lambda (../shared/bench/original-lambda) answering its first status against the same ECS stand-in.
 * Then the same under a Lambda-like CPU share (cgroup v1 `cpu`, 29 ms per 100 ms ≈ a 512 MB Lambda), when
 * this process may create a cgroup.
 *
 * "first answer" is the time from importing the handler module to the answer, in both languages: what a cold
 * Lambda adds on top of its runtime's own start. "since process start" adds Node's boot.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { INTERACTIONS_ENTRY } from '../infra/valheim-stack.js';
import { buildLambdas } from '../scripts/build-lambdas.js';
import {
  buttonInteraction,
  commandInteraction,
  GUILD_ID,
  makeSigningKeys,
  signedRequest,
} from '../test/support/discord-signing.js';
import { startDynalite } from '../test/support/dynalite.js';
import { fakeAwsEnv, startFakeAws } from '../test/support/fake-aws-endpoint.js';

const ROOT = join(import.meta.dirname, '..');
/** shared/ sits beside the repository (CI's clone, /work/main) or two levels up (a worktree in /work/wt). */
const ORIGINAL =
  process.env.BENCH_ORIGINAL_LAMBDA ??
  [join(ROOT, '..', 'shared'), join(ROOT, '..', '..', 'shared')]
    .map((shared) => join(shared, 'bench', 'original-lambda'))
    .find((dir) => existsSync(dir)) ??
  join(ROOT, '..', 'shared', 'bench', 'original-lambda');
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const CGROUP_ROOT = '/sys/fs/cgroup/cpu';
/** ≈ the CPU share of a 512 MB Lambda function (1769 MB has one full vCPU). */
const LAMBDA_QUOTA = { quotaUs: 29_000, periodUs: 100_000 };
/** Discord's limit is 3 s for the whole exchange; the bot aims at half of it on a cold start. */
const CAPPED_START_LIMIT_MS = 1500;

interface Timing {
  /** Import of the handler module → answered (both languages). */
  readonly firstAnswerMs: number;
  /** Process start → answered (Node's boot included; for the original, the interpreter's is not). */
  readonly sinceStartMs: number;
  readonly wallMs: number;
}

type Case = 'ping' | 'status' | 'start' | 'button';

export interface ColdStartFigures {
  readonly runs: number;
  readonly ours: Record<Case, Timing>;
  readonly original?: { readonly status: Timing; readonly ping: Timing };
  readonly capped?: {
    readonly ours: Pick<Record<Case, Timing>, 'status' | 'start'>;
    readonly original?: Timing;
  };
  readonly cappedSkipped?: string;
  readonly originalSkipped?: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function medians(timings: Timing[]): Timing {
  return {
    firstAnswerMs: median(timings.map((t) => t.firstAnswerMs)),
    sinceStartMs: median(timings.map((t) => t.sinceStartMs)),
    wallMs: median(timings.map((t) => t.wallMs)),
  };
}

/** Runs a command to its end; `cgroup` puts it in that cpu cgroup before it starts (exec keeps the pid). */
function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  cgroup?: string,
): Promise<{ stdout: string; stderr: string; wallMs: number }> {
  const [file, argv] = cgroup
    ? ['sh', ['-c', `echo $$ > ${join(cgroup, 'cgroup.procs')} && exec "$0" "$@"`, command, ...args]]
    : [command, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, argv as string[], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} failed (${code}): ${err || out}`));
      else resolve({ stdout: out, stderr: err, wallMs });
    });
  });
}

/** A cgroup v1 cpu group with the Lambda-like quota, or why there is none. */
function lambdaCgroup(): { path: string; remove: () => void } | { skipped: string } {
  if (process.getuid?.() !== 0) return { skipped: 'not root: cannot create a cpu cgroup' };
  if (!existsSync(join(CGROUP_ROOT, 'cpu.cfs_quota_us'))) {
    return { skipped: `no cgroup v1 cpu controller at ${CGROUP_ROOT}` };
  }
  const path = join(CGROUP_ROOT, `valheim-bench-${process.pid}`);
  try {
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'cpu.cfs_period_us'), String(LAMBDA_QUOTA.periodUs));
    writeFileSync(join(path, 'cpu.cfs_quota_us'), String(LAMBDA_QUOTA.quotaUs));
  } catch (error) {
    return { skipped: `cannot set up ${path}: ${(error as Error).message}` };
  }
  return {
    path,
    // Empty by then: every process put in it has exited.
    remove: () => rmdirSync(path),
  };
}

/** Whether the original Lambda can run here: its folder and Debian's python3-flask, -nacl and -boto3. */
async function originalAvailable(): Promise<string | undefined> {
  if (!existsSync(join(ORIGINAL, 'cold_status.py'))) return `no original Lambda at ${ORIGINAL}`;
  try {
    await run(PYTHON, ['-c', 'import flask, nacl, boto3'], { PATH: process.env.PATH ?? '' });
    return undefined;
  } catch {
    return `${PYTHON} lacks flask, nacl or boto3 (apt-get install -y python3-flask python3-nacl python3-boto3)`;
  }
}

export async function measureColdStart(runs: number): Promise<ColdStartFigures> {
  // The bundle exactly as `npm run build` writes it.
  const [built] = buildLambdas(join(ROOT, 'dist', 'lambdas'), [INTERACTIONS_ENTRY]);
  if (!built) throw new Error('the interactions bundle was not built');
  const bundle = join(built.outdir, 'index.mjs');
  const runner = join(import.meta.dirname, 'cold-start-runner.mjs');

  const aws = await startFakeAws();
  const dynamo = await startDynalite();
  await dynamo.createTable('valheim-state');
  const keys = makeSigningKeys();
  const env = {
    PATH: process.env.PATH ?? '',
    ...fakeAwsEnv(aws.url),
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    // As deployed: the ledger and the state in the table, a world-transfer task to check for before a start.
    STATE_TABLE: 'valheim-state',
    DISCORD_PUBLIC_KEY: keys.publicKeyHex,
    DISCORD_GUILD_ID: GUILD_ID,
    ECS_CLUSTER: 'valheim',
    ECS_SERVICE: 'valheim-server',
    TRANSFER_TASK_DEFINITION: 'valheim-world-transfer',
    TRANSFER_SUBNETS: 'subnet-0123456789abcdef0',
    TRANSFER_SECURITY_GROUPS: 'sg-0123456789abcdef0',
    WORLD_BUCKET: 'valheim-worlds-111122223333',
    WORLD_NAME: 'Dedicated',
    NODE_OPTIONS: '--enable-source-maps',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  // Interaction ids must be new in every process (the ledger refuses a repeat); Discord's are snowflakes.
  let nextId = BigInt(Date.now() - 1_420_070_400_000) << 22n;
  const event = (body: object) => {
    nextId += 1n;
    const text = JSON.stringify({ ...body, id: String(nextId) });
    const signed = signedRequest(keys, text);
    return {
      headers: signed.headers,
      body: text,
      isBase64Encoded: false,
      rawPath: '/discord',
      version: '2.0',
    };
  };
  const requests: Record<Case, () => object> = {
    ping: () => ({ type: 1 }),
    status: () => commandInteraction({ subcommand: 'status' }),
    start: () => commandInteraction({ subcommand: 'start' }),
    button: () => buttonInteraction('valheim:status'),
  };
  const expected: Record<Case, (body: string) => boolean> = {
    ping: (body) => body === '{"type":1}',
    status: (body) => body.includes('Stopped'),
    // Answered at once (type 4), not deferred (type 5, "thinking…")
    start: (body) => body.includes('"type":4') && body.includes('started the server'),
    button: (body) => body.includes('"type":7') && body.includes('Stopped'),
  };

  const ours = async (which: Case, cgroup?: string): Promise<Timing> => {
    // Each start finds the server stopped and no claim in the state, as after a quiet week.
    aws.state.desiredCount = 0;
    await dynamo.client.send(
      new DeleteItemCommand({
        TableName: 'valheim-state',
        Key: { pk: { S: 'SERVER' }, sk: { S: 'STATE' } },
      }),
    );
    const { stdout, stderr, wallMs } = await run(
      process.execPath,
      [runner, bundle],
      { ...env, BENCH_EVENT: JSON.stringify(event(requests[which]())) },
      cgroup,
    );
    // The handler's own log lines (JSON, on stdout as in Lambda) come first; the runner's report is last.
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '') as {
      status: number;
      body: string;
      loadMs: number;
      firstAnswerMs: number;
      sinceProcessStartMs: number;
    };
    if (result.status !== 200 || !expected[which](result.body)) {
      throw new Error(`cold ${which} not answered as expected: ${result.status} ${result.body}\n${stderr}`);
    }
    return {
      firstAnswerMs: result.loadMs + result.firstAnswerMs,
      sinceStartMs: result.sinceProcessStartMs,
      wallMs,
    };
  };

  const original = async (which: 'status' | 'ping', cgroup?: string): Promise<Timing> => {
    const signed = await run(PYTHON, [join(ORIGINAL, 'sign.py')], {
      PATH: env.PATH,
      DISCORD_GUILD_ID: GUILD_ID,
    });
    const exports = Object.fromEntries(
      [...signed.stdout.matchAll(/^export (\w+)=(.*)$/gm)].map(([, name, value]) => [
        name,
        (value ?? '').replace(/^'(.*)'$/s, '$1').replace(/'"'"'/g, "'"),
      ]),
    );
    const { stdout, wallMs } = await run(
      PYTHON,
      [join(ORIGINAL, which === 'status' ? 'cold_status.py' : 'cold_ping.py')],
      {
        PATH: env.PATH,
        ...exports,
        FAKE_AWS: aws.url,
        AWS_DEFAULT_REGION: 'eu-central-1',
        ...fakeAwsEnv(aws.url),
        ECS_CLUSTER_ARN: 'valheim',
        ECS_SERVICE_NAME: 'valheim-server',
      },
      cgroup,
    );
    const match = /init_ms=([\d.]+) first_\w+_ms=([\d.]+)/.exec(stdout);
    if (!match) throw new Error(`the original Lambda printed no timing: ${stdout}`);
    const firstAnswerMs = Number(match[1]) + Number(match[2]);
    return { firstAnswerMs, sinceStartMs: firstAnswerMs, wallMs };
  };

  try {
    const originalSkipped = await originalAvailable();
    const samples: Record<Case | 'originalStatus' | 'originalPing', Timing[]> = {
      ping: [],
      status: [],
      start: [],
      button: [],
      originalStatus: [],
      originalPing: [],
    };
    // Alternated, so that a busy moment of the machine weighs on both sides alike.
    for (let i = 0; i < runs; i++) {
      if (!originalSkipped) samples.originalStatus.push(await original('status'));
      for (const which of ['ping', 'status', 'start', 'button'] as const) {
        samples[which].push(await ours(which));
      }
      if (!originalSkipped) samples.originalPing.push(await original('ping'));
    }
    const figures: ColdStartFigures = {
      runs,
      ours: {
        ping: medians(samples.ping),
        status: medians(samples.status),
        start: medians(samples.start),
        button: medians(samples.button),
      },
      ...(originalSkipped
        ? { originalSkipped }
        : {
            original: { status: medians(samples.originalStatus), ping: medians(samples.originalPing) },
          }),
    };

    const cgroup = lambdaCgroup();
    if ('skipped' in cgroup) return { ...figures, cappedSkipped: cgroup.skipped };
    try {
      const capped: Record<'status' | 'start' | 'original', Timing[]> = {
        status: [],
        start: [],
        original: [],
      };
      for (let i = 0; i < runs; i++) {
        if (!originalSkipped) capped.original.push(await original('status', cgroup.path));
        capped.status.push(await ours('status', cgroup.path));
        capped.start.push(await ours('start', cgroup.path));
      }
      return {
        ...figures,
        capped: {
          ours: { status: medians(capped.status), start: medians(capped.start) },
          ...(!originalSkipped && { original: medians(capped.original) }),
        },
      };
    } finally {
      cgroup.remove();
    }
  } finally {
    await aws.close();
    await dynamo.close();
  }
}

export function printColdStart(figures: ColdStartFigures): void {
  const ms = (value: number) => `${value.toFixed(1)} ms`.padStart(9);
  let yardstick = figures.original?.status.firstAnswerMs;
  const ratio = (value: number) => (yardstick ? `  ${(value / yardstick).toFixed(2)}×` : '');
  console.log(
    `Cold start of commands: the built bundle (dist/lambdas/interactions), a fresh process per run, median of ${figures.runs}; AWS on loopback (ECS stand-in, dynalite)`,
  );
  console.log(
    '                            first answer  since process start   ratio to the original’s first status',
  );
  const line = (label: string, t: Timing) =>
    console.log(
      `  ${label.padEnd(24)}${ms(t.firstAnswerMs)}   ${ms(t.sinceStartMs)}          ${ratio(t.firstAnswerMs)}`,
    );
  line('signed PING', figures.ours.ping);
  line('first /valheim status', figures.ours.status);
  line('first /valheim start', figures.ours.start);
  line('first Refresh button', figures.ours.button);
  if (figures.original) {
    line('original: first status', figures.original.status);
    line('original: signed PING', figures.original.ping);
    const worst = Math.max(figures.ours.status.firstAnswerMs, figures.ours.start.firstAnswerMs);
    console.log(
      `  target: status and start ≤ 0.10 × the original's first status → ${worst / (yardstick ?? 1) <= 0.1 ? 'met' : 'NOT met'} (${(worst / (yardstick ?? 1)).toFixed(3)})`,
    );
  } else {
    console.log(`  original Lambda skipped: ${figures.originalSkipped}`);
  }
  if (figures.capped) {
    const { status, start } = figures.capped.ours;
    // Capped figures are compared with the original capped alike, in the same run.
    yardstick = figures.capped.original?.firstAnswerMs;
    console.log(
      `  under a Lambda-like CPU share (cgroup v1 cpu ${LAMBDA_QUOTA.quotaUs}/${LAMBDA_QUOTA.periodUs} µs ≈ 512 MB):`,
    );
    line('  first /valheim status', status);
    line('  first /valheim start', start);
    if (figures.capped.original) line('  original: first status', figures.capped.original);
    console.log(
      `  target: a capped cold /valheim start answered (not deferred) within ${CAPPED_START_LIMIT_MS} ms of its process start → ${start.sinceStartMs <= CAPPED_START_LIMIT_MS ? 'met' : 'NOT met'} (${start.sinceStartMs.toFixed(0)} ms; spawn → exit ${start.wallMs.toFixed(0)} ms)`,
    );
  } else {
    console.log(`  Lambda-like CPU cap skipped: ${figures.cappedSkipped}`);
  }
}
