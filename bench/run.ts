/**
 * `npm run bench`: what a newcomer and Discord feel, measured on this machine.
 * - interactions bundle size (entry chunk and lazily loaded SDK chunks)
 * - cold start of the built bundle: new process → module loaded → first signed PING answered
 *   (and, for reference, the first /valheim status, which also loads the ECS client)
 * - warm throughput of `valheim serve` answering signed /valheim status requests, AWS answered on loopback
 * - the same under a bounded flood of junk (wrong signatures) on loopback: are Discord's requests still answered?
 * - the server-install cache's pack and unpack (bench/install-cache.ts)
 * - the mods' install step at a modded start, against that unpack (bench/mods-install.ts)
 * - the monitor's start-phase derivation (bench/start-phases.ts)
 * - the valheim CLI's start-up: --help and a local status (bench/cli-startup.ts)
 * - cold start of commands (PING, status, start, a button) against the original Lambda, also under a
 *   Lambda-like CPU cap (bench/cold-start.ts)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bundleLambda } from '../infra/bundling.js';
import {
  commandInteraction,
  GUILD_ID,
  makeSigningKeys,
  signedRequest,
} from '../test/support/discord-signing.js';
import { fakeAwsEnv, startFakeAws } from '../test/support/fake-aws-endpoint.js';
import { floodWhileSigned } from '../test/support/junk-flood.js';
import { measureCliStartup, printCliStartup } from './cli-startup.js';
import { measureColdStart, printColdStart } from './cold-start.js';
import { measureInstallCacheFromEnv, printInstallCache } from './install-cache.js';
import { LOG_INVOCATION_USD, measureLogFilter } from './log-filter.js';
import { measureModsInstallFromEnv, printModsInstall } from './mods-install.js';
import { measureMonitorTick } from './monitor-tick.js';
import { measureStartPhases, printStartPhases } from './start-phases.js';

// Node 20 is supported by the pinned SDK; its notice about future releases would clutter the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);
const WARM_SECONDS = Number(process.env.BENCH_WARM_SECONDS ?? 5);
const WARM_CONCURRENCY = 8;
const FLOOD = {
  junkRequests: Number(process.env.BENCH_FLOOD_REQUESTS ?? 20_000),
  maxSeconds: Number(process.env.BENCH_FLOOD_SECONDS ?? 10),
  junkConcurrency: 32,
  signedEveryMs: 100,
};
/** The original Python/Flask/boto3 handler's initialisation on this machine (reference figure). */
const ORIGINAL_INIT_MS = { low: 400, high: 550 };

const root = join(import.meta.dirname, '..');
const keys = makeSigningKeys();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

function apiEvent(body: string) {
  const signed = signedRequest(keys, body);
  return { headers: signed.headers, body, isBase64Encoded: false, rawPath: '/discord', version: '2.0' };
}

interface RunResult {
  status: number;
  body: string;
  loadMs: number;
  firstAnswerMs: number;
  sinceProcessStartMs: number;
  wallMs: number;
}

function runCold(bundle: string, event: unknown, env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(import.meta.dirname, 'cold-start-runner.mjs'), bundle], {
      env: { PATH: process.env.PATH ?? '', ...env, BENCH_EVENT: JSON.stringify(event) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk;
    });
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`cold-start runner failed (${code}): ${err}`));
      resolve({ ...(JSON.parse(out) as Omit<RunResult, 'wallMs'>), wallMs });
    });
  });
}

async function coldStarts(
  bundle: string,
  event: unknown,
  env: Record<string, string>,
  expect: (r: RunResult) => void,
) {
  const runs: RunResult[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const result = await runCold(bundle, event, env);
    expect(result);
    runs.push(result);
  }
  return {
    load: median(runs.map((r) => r.loadMs)),
    answer: median(runs.map((r) => r.firstAnswerMs)),
    sinceStart: median(runs.map((r) => r.sinceProcessStartMs)),
    wall: median(runs.map((r) => r.wallMs)),
  };
}

async function main(): Promise<void> {
  console.log(`valheim-ondemand benchmark — node ${process.version}, ${process.arch}\n`);

  // 1. Bundle size
  const outdir = mkdtempSync(join(tmpdir(), 'valheim-bench-'));
  bundleLambda({ entry: join(root, 'src/handlers/interactions.ts'), outdir });
  const chunks = readdirSync(join(outdir, 'chunks')).filter((f) => f.endsWith('.mjs'));
  const entrySize = statSync(join(outdir, 'index.mjs')).size;
  const chunkSizes = chunks.map((f) => ({
    name: f.replace(/-[A-Z0-9]{8}\.mjs$/, ''),
    size: statSync(join(outdir, 'chunks', f)).size,
  }));
  const total = entrySize + chunkSizes.reduce((sum, c) => sum + c.size, 0);
  console.log('Interactions bundle (ESM, minified, code-split)');
  console.log(`  entry chunk (all a PING loads)   ${kib(entrySize)}`);
  for (const chunk of chunkSizes.sort((a, b) => b.size - a.size).slice(0, 3)) {
    console.log(`  lazy chunk ${chunk.name.padEnd(21)} ${kib(chunk.size)}`);
  }
  console.log(`  total JavaScript                 ${kib(total)}\n`);

  // 2. Cold start
  const aws = await startFakeAws();
  const baseEnv = {
    ...fakeAwsEnv(aws.url),
    DISCORD_PUBLIC_KEY: keys.publicKeyHex,
    DISCORD_GUILD_ID: GUILD_ID,
    ECS_CLUSTER: 'valheim',
    ECS_SERVICE: 'valheim-server',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const bundle = join(outdir, 'index.mjs');
  const ping = apiEvent(JSON.stringify({ type: 1 }));
  const status = apiEvent(JSON.stringify(commandInteraction({ subcommand: 'status' })));
  const pongOk = (r: RunResult) => {
    if (r.status !== 200 || r.body !== '{"type":1}')
      throw new Error(`PING not answered: ${r.status} ${r.body}`);
  };
  const statusOk = (r: RunResult) => {
    if (r.status !== 200 || !r.body.includes('Stopped')) throw new Error(`status not answered: ${r.body}`);
  };
  console.log(`Cold start of the built bundle (median of ${COLD_RUNS} fresh processes)`);
  const pingCold = await coldStarts(bundle, ping, baseEnv, pongOk);
  console.log(`  signed PING: module load ${ms(pingCold.load)}, first answer ${ms(pingCold.answer)}`);
  console.log(
    `    process start → PING answered  ${ms(pingCold.sinceStart)}  (spawn → exit ${ms(pingCold.wall)})`,
  );
  const pingMaps = await coldStarts(
    bundle,
    ping,
    { ...baseEnv, NODE_OPTIONS: '--enable-source-maps' },
    pongOk,
  );
  console.log(`    same with --enable-source-maps  ${ms(pingMaps.sinceStart)}`);
  const statusCold = await coldStarts(bundle, status, baseEnv, statusOk);
  console.log(
    `  first /valheim status (loads the ECS client): process start → answered ${ms(statusCold.sinceStart)}`,
  );
  const statusMaps = await coldStarts(
    bundle,
    status,
    { ...baseEnv, NODE_OPTIONS: '--enable-source-maps' },
    statusOk,
  );
  console.log(`    same with --enable-source-maps (as deployed)  ${ms(statusMaps.sinceStart)}`);
  const target = ORIGINAL_INIT_MS.low / 5;
  console.log(
    `  reference: original Flask/boto3 handler initialises in ${ORIGINAL_INIT_MS.low}–${ORIGINAL_INIT_MS.high} ms; target ≤ ${target} ms → ${pingCold.sinceStart <= target ? 'met' : 'NOT met'} (${(ORIGINAL_INIT_MS.low / pingCold.sinceStart).toFixed(1)}× faster)\n`,
  );

  // 3. Warm throughput of `valheim serve`
  const port = 18000 + Math.floor(Math.random() * 1000);
  const serve = spawn(process.execPath, [join(root, 'bin/valheim.js'), 'serve', '--port', String(port)], {
    env: { ...process.env, ...baseEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('valheim serve did not start within 20 s')), 20_000);
      serve.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes(String(port))) {
          clearTimeout(timer);
          resolve();
        }
      });
      serve.on('exit', (code) => reject(new Error(`valheim serve exited with ${code}`)));
    });
    const url = `http://127.0.0.1:${port}/discord`;
    // Each request is a new interaction: the endpoint answers an interaction id only once.
    const signedStatus = () =>
      signedRequest(keys, JSON.stringify(commandInteraction({ subcommand: 'status' })));
    const send = async () => {
      const signed = signedStatus();
      const started = performance.now();
      const response = await fetch(url, { method: 'POST', headers: signed.headers, body: signed.body });
      const text = await response.text();
      if (response.status !== 200 || !text.includes('Stopped'))
        throw new Error(`bad answer ${response.status}: ${text}`);
      return performance.now() - started;
    };
    for (let i = 0; i < 50; i++) await send(); // warm-up: JIT, connection pools, SDK clients
    const latencies: number[] = [];
    const deadline = performance.now() + WARM_SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: WARM_CONCURRENCY }, async () => {
        while (performance.now() < deadline) latencies.push(await send());
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    console.log(
      `Warm throughput of \`valheim serve\` (signed /valheim status, ${WARM_CONCURRENCY} concurrent, ${WARM_SECONDS} s, AWS on loopback)`,
    );
    console.log(
      `  ${(latencies.length / elapsed).toFixed(0)} requests/s, latency p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))} (${latencies.length} requests)`,
    );

    const flood = await floodWhileSigned({
      url,
      ...FLOOD,
      signed: () => ({
        ...signedStatus(),
        ok: (code, text) => code === 200 && text.includes('Stopped'),
      }),
    });
    const signedMs = [...flood.signedLatencies];
    console.log(
      `\nJunk flood on loopback (wrong signatures, fresh timestamps, ${FLOOD.junkConcurrency} in flight, ≤ ${FLOOD.junkRequests} requests, ≤ ${FLOOD.maxSeconds} s) while a signed /valheim status goes every ${FLOOD.signedEveryMs} ms`,
    );
    console.log(
      `  junk: ${flood.junkSent} sent at ${flood.junkPerSecond.toFixed(0)}/s, ${flood.junkRefused} refused with 401`,
    );
    console.log(
      `  signed: ${flood.signedAnswered} of ${flood.signedSent} answered, latency p50 ${ms(percentile(signedMs, 50))}, p99 ${ms(percentile(signedMs, 99))}, max ${ms(Math.max(0, ...signedMs))} (Discord allows 3000 ms)`,
    );
  } finally {
    serve.kill('SIGTERM');
    await aws.close();
    rmSync(outdir, { recursive: true, force: true });
  }

  // 4. One monitor tick
  const tick = await measureMonitorTick(Number(process.env.BENCH_TICKS ?? 40));
  console.log(
    '\nMonitor tick (server up with 3 players: ECS + EC2 + DynamoDB + A2S query + conditional write, all on loopback)',
  );
  console.log(
    `  first tick ${ms(tick.firstMs)} (first SDK requests, sources compiled on the fly), then median ${ms(tick.medianMs)}, p90 ${ms(tick.p90Ms)} over ${tick.ticks - 1} ticks`,
  );

  // 5. What the log subscription filter lets through
  console.log(
    '\nLog subscription filter, replayed sessions (log-Lambda invocations = 5-s shipments with a forwarded line)',
  );
  for (const row of measureLogFilter()) {
    const perHour = (n: number) => (n / row.hours).toFixed(0);
    console.log(
      `  ${row.session}, ${row.hours.toFixed(2)} h, ${row.lines} lines: before ${perHour(row.before.invocations)} invocations/h (${perHour(row.before.lines)} lines/h), now ${perHour(row.after.invocations)} invocations/h (${perHour(row.after.lines)} lines/h, of which the character names ${row.spawnInvocations} per session)`,
    );
    // The activity feed with every kind: what deaths, boss kills and raids add (40 play-hours a month).
    const added = row.feed.added / row.hours;
    console.log(
      `    + activity feed (all kinds): ${perHour(row.feed.invocations)} invocations/h (${(row.feed.invocations / row.after.invocations).toFixed(2)}× the filter without it), +${added.toFixed(1)} invocations/h, +$${(added * 40 * LOG_INVOCATION_USD).toFixed(5)} a month at 40 play-hours`,
    );
  }
  // 5. The server-install cache (scaled down; BENCH_INSTALL_MB=2048 for the real size)
  console.log('');
  printInstallCache(measureInstallCacheFromEnv());
  // The mods' install step at a modded start (bench/mods-install.ts)
  console.log('');
  printModsInstall(measureModsInstallFromEnv());

  // 6. Start-phase derivation
  console.log('');
  printStartPhases(measureStartPhases(50));

  // 7. The valheim CLI's start-up (bench/cli-startup.ts)
  console.log('');
  printCliStartup(await measureCliStartup(Number(process.env.BENCH_CLI_RUNS ?? 9)));

  // 8. Cold start of commands, the built bundle against the original Lambda (BENCH_COLD_START_RUNS runs)
  console.log('');
  printColdStart(await measureColdStart(Number(process.env.BENCH_COLD_START_RUNS ?? 7)));
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${(error as Error).message}`);
  process.exit(1);
});
