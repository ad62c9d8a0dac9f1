import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DynamoFaults, fakeDynamo } from '../support/fake-dynamodb-cli.js';
import { TRANSFER_SCRIPT } from './fake-aws-cli.js';

/*
 * The lock harness: rounds of contenders started at once on one lock, each a real process running the real
 * lock functions of world-transfer.sh (lock-contender.sh) against dynalite, with generated faults:
 *   - wall clocks up to 10 minutes ahead or behind (the `date` stand-in),
 *   - slow lock writes (up to 0.6 of a lease), writes that fail, writes applied whose answer is lost, and
 *     renewals that fail for good from some point on (a heartbeat that stops),
 *   - SIGKILL of the whole process group at a random moment (a task killed with its container, renewer and
 *     all; no clean-up runs), and SIGSTOP for up to a quarter lease (a frozen task).
 * A lane is one lock (a table of its own) and one events file; its rounds run one after another, so a
 * killed holder's lock is there for the next round to take over, and lanes run in parallel.
 *
 * The truth, in one events file per lane (appends are ordered, times are /proc/uptime, one clock for all
 * processes of the machine): the script itself (LOCK_TRACE) appends each stretch of time its holder counts
 * on the lease, from the moment it took or renewed it to 0.9 lease after it sent that write, and when it
 * releases it; contenders append "enter"/"exit" around each step and the harness "ended" once a process is
 * gone. Two holders whose stretches overlap held the lock at the same instant; two whose acting spans (first
 * enter to last exit) overlap in the file acted at the same time. The stated assumption (world-transfer.sh): a step ends within
 * half a lease of its guard (precisely: 0.6 lease); steps here take at most a quarter lease and stops at
 * most a tenth, which leaves the rest (0.5 s with the default 2 s lease) for the machine's own scheduling
 * delays, which are large on a loaded 2-core CI machine. Gaps between steps (up to two leases) need no guard, so
 * that is where a lease runs out.
 */

const CONTENDER = fileURLToPath(new URL('./lock-contender.sh', import.meta.url));
const FAKE_AWS = fileURLToPath(new URL('./fake-aws.sh', import.meta.url));
const FAKE_CLOCK = fileURLToPath(new URL('./fake-clock.sh', import.meta.url));

export interface HarnessOptions {
  readonly rounds: number;
  /** Contenders per round (half start at once, the others within two leases). @default 4 */
  readonly contenders?: number;
  /** Lanes (locks) run in parallel. @default 40 */
  readonly lanes?: number;
  /** @default 2 */
  readonly leaseSeconds?: number;
  /** @default 0.5 */
  readonly renewSeconds?: number;
  /** The longest gap between two steps, and the latest kill, in leases (shorter rounds). @default 2 */
  readonly gapLeases?: number;
  /** Seed of the generated faults (printed in the report, to run a failure again). @default random */
  readonly seed?: number;
}

export interface HarnessReport {
  readonly seed: number;
  readonly rounds: number;
  readonly contenders: number;
  /** Stretches of time during which two or more transfers counted on the lock: must be 0. */
  readonly instantsWithTwoHolders: number;
  /** Pairs of contenders whose acting spans overlap: must be 0. */
  readonly overlappingHolders: readonly string[];
  /** Steps that ended after their lease (the machine was slower than the stated assumption allows). */
  readonly stepsPastLease: number;
  readonly acquired: number;
  readonly takeovers: number;
  /** Exit codes (or "killed") and how often. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly faults: Readonly<Record<string, number>>;
  readonly seconds: number;
}

/** Mulberry32: small, seedable, good enough to pick faults. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Plan {
  readonly id: string;
  readonly env: Record<string, string>;
  readonly startAfterMs: number;
  readonly killAfterMs?: number;
  readonly stopAfterMs?: number;
  readonly stopForMs?: number;
  readonly labels: string[];
}

function plan(id: string, rand: () => number, lease: number, gapLeases: number): Plan {
  const labels: string[] = [];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const offset = Math.round((rand() * 2 - 1) * 600);
  if (Math.abs(offset) >= 300) labels.push('clock off by 5-10 min');
  const leaseMs = lease * 1000;
  let faults: DynamoFaults = {};
  switch (pick(['none', 'slow', 'failing', 'lost', 'renewals stop', 'renewals stop', 'very slow'] as const)) {
    case 'slow':
      faults = { delayMs: [0, 0.2 * leaseMs] };
      labels.push('slow lock writes');
      break;
    case 'very slow':
      faults = { delayMs: [0.3 * leaseMs, 0.6 * leaseMs], ops: ['update-item'] };
      labels.push('renewals slower than a quarter lease');
      break;
    case 'failing':
      faults = { failRate: 0.3 };
      labels.push('30 % of lock calls fail');
      break;
    case 'lost':
      faults = { loseRate: 0.3 };
      labels.push('30 % of lock answers lost');
      break;
    case 'renewals stop':
      faults = { fail: { 'update-item': `${1 + Math.floor(rand() * 4)}+` } };
      labels.push('renewals fail for good');
      break;
    default:
  }
  // 1 to 4 steps of up to a quarter lease each, with gaps of up to two leases after them (a third of
  // them frozen: the renewer stops too).
  const steps = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => {
    const step = ((rand() * lease) / 4).toFixed(3);
    if (rand() < 0.4) return `${step}:0`;
    const gap = `${step}:${(rand() * gapLeases * lease).toFixed(3)}`;
    if (rand() >= 1 / 3) return gap;
    labels.push('frozen between steps');
    return `${gap}:frozen`;
  });
  const killed = rand() < 0.25;
  const stopped = !killed && rand() < 0.15;
  if (killed) labels.push('killed');
  if (stopped) labels.push('SIGSTOP anywhere');
  return {
    id,
    env: {
      CONTENDER: id,
      PLAN: steps.join(' '),
      FAKE_CLOCK_OFFSET: String(offset),
      FAKE_DYNAMO_CLIENT: id,
      FAKE_DYNAMO_FAULTS: JSON.stringify(faults),
    },
    // Half start with the round, the others while its first holder works.
    startAfterMs: rand() < 0.5 ? 0 : rand() * gapLeases * leaseMs,
    ...(killed && { killAfterMs: rand() * 2 * gapLeases * leaseMs }),
    ...(stopped && { stopAfterMs: rand() * 2 * leaseMs, stopForMs: (rand() * leaseMs) / 10 }),
    labels,
  };
}

/** Runs one contender to its end; resolves with its exit code, or "killed". */
function contend(
  p: Plan,
  env: NodeJS.ProcessEnv,
  events: string,
  leaseMs: number,
): Promise<{ outcome: string; stdout: string }> {
  return new Promise((resolve) => setTimeout(resolve, p.startAfterMs)).then(() =>
    launch(p, env, events, leaseMs),
  );
}

function launch(
  p: Plan,
  env: NodeJS.ProcessEnv,
  events: string,
  leaseMs: number,
): Promise<{ outcome: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', [CONTENDER], { env: { ...env, ...p.env }, detached: true });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    const group = (signal: NodeJS.Signals) => {
      try {
        process.kill(-(child.pid ?? 0), signal);
      } catch {
        // gone already
      }
    };
    // Nothing in a round may take long: a contender still there after 40 leases counts as hung.
    const timers: NodeJS.Timeout[] = [
      setTimeout(() => {
        hung = true;
        group('SIGKILL');
      }, 40 * leaseMs),
    ];
    let hung = false;
    if (p.killAfterMs !== undefined) timers.push(setTimeout(() => group('SIGKILL'), p.killAfterMs));
    if (p.stopAfterMs !== undefined) {
      timers.push(
        setTimeout(() => {
          group('SIGSTOP');
          timers.push(setTimeout(() => group('SIGCONT'), p.stopForMs));
        }, p.stopAfterMs),
      );
    }
    child.on('close', (code, signal) => {
      for (const timer of timers) clearTimeout(timer);
      // A killed group may leave a renewer for a moment: end it too, as ECS ends the container.
      group('SIGKILL');
      appendFileSync(events, `ended ${p.id} ${mono()}\n`);
      const outcome = hung ? 'hung' : signal === 'SIGKILL' ? 'killed' : String(code);
      resolve({
        outcome: stderr.includes('took the transfer lock over') ? `${outcome} (taken over)` : outcome,
        stdout,
      });
    });
  });
}

/** What one lane's events file says. */
export interface Judgement {
  /** Stretches of time during which two or more transfers counted on their lease: must be 0. */
  readonly instants: number;
  /** How long those lasted in all, in hundredths of a second. */
  readonly overlapHundredths: number;
  /** Pairs of contenders whose acting spans (first enter to last exit) overlap in the file: must be 0. */
  readonly overlaps: string[];
  /** Steps that ended after the lease their guard gave (the machine broke the stated assumption). */
  readonly stepsPastLease: number;
}

/**
 * Judges a lane: (1) the leases each holder counted on ("lease" lines, cut short by its "release"), on the one
 * clock of the machine, must never overlap between holders; (2) each holder acts from its first enter to its
 * last exit (to its end when it died inside a step), and in the file's order no two of these spans overlap.
 */
export function judge(lines: readonly string[]): Judgement {
  const leases = new Map<string, Array<[number, number]>>();
  const released = new Map<string, number>();
  const holderOf = new Map<string, string>();
  const spans = new Map<string, { start: number; end: number; open: boolean }>();
  let stepsPastLease = 0;
  lines.forEach((line, index) => {
    const [kind = '', id = '', a = '', b = ''] = line.split(' ');
    const span = spans.get(id);
    switch (kind) {
      case 'acquired':
        holderOf.set(id, a);
        break;
      case 'lease':
        leases.set(id, [...(leases.get(id) ?? []), [Number(a), Number(b)]]);
        break;
      case 'release':
        released.set(id, Number(a));
        break;
      case 'enter':
        if (span) span.open = true;
        else spans.set(id, { start: index, end: index, open: true });
        break;
      case 'exit': {
        if (span) Object.assign(span, { end: index, open: false });
        const current = leases.get(holderOf.get(id) ?? '')?.at(-1);
        if (!current || Number(a) > current[1]) stepsPastLease++;
        break;
      }
      case 'ended':
        if (span?.open) Object.assign(span, { end: index, open: false });
        break;
    }
  });
  // (1) A sweep over the ends of every holder's counted-on stretches.
  const edges: Array<[number, string, 1 | -1]> = [];
  for (const [token, stretches] of leases) {
    const until = released.get(token) ?? Number.POSITIVE_INFINITY;
    for (const [from, to] of stretches) {
      const end = Math.min(to, until);
      if (end > from) edges.push([from, token, 1], [end, token, -1]);
    }
  }
  edges.sort((x, y) => x[0] - y[0] || x[2] - y[2]);
  const counting = new Map<string, number>();
  let instants = 0;
  let overlapHundredths = 0;
  let since = 0;
  for (const [time, token, delta] of edges) {
    const before = counting.size;
    const n = (counting.get(token) ?? 0) + delta;
    if (n === 0) counting.delete(token);
    else counting.set(token, n);
    if (before < 2 && counting.size >= 2) {
      instants++;
      since = time;
    } else if (before >= 2 && counting.size < 2) overlapHundredths += time - since;
  }
  // (2) Acting spans in the file's order.
  const all = [...spans.entries()];
  const overlaps: string[] = [];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const [a, x] = all[i] as [string, { start: number; end: number }];
      const [b, y] = all[j] as [string, { start: number; end: number }];
      if (x.start < y.end && y.start < x.end) overlaps.push(`${a} and ${b}`);
    }
  }
  return { instants, overlapHundredths, overlaps, stepsPastLease };
}

/** This machine's monotonic clock in hundredths of a second, as the script reads it. */
function mono(): number {
  const [up = '0'] = readFileSync('/proc/uptime', 'utf8').split(' ');
  return Math.round(Number(up) * 100);
}

export async function runLockHarness(options: HarnessOptions): Promise<HarnessReport> {
  const started = Date.now();
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rand = random(seed);
  const contenders = options.contenders ?? 4;
  const lanes = Math.min(options.lanes ?? 40, options.rounds);
  const lease = options.leaseSeconds ?? 2;
  const renew = options.renewSeconds ?? 0.5;
  const root = mkdtempSync(join(tmpdir(), 'lock-harness-'));
  const bin = join(root, 'bin');
  mkdirSync(bin);
  for (const [name, source] of [
    ['aws', FAKE_AWS],
    ['date', FAKE_CLOCK],
  ] as const) {
    copyFileSync(source, join(bin, name));
    chmodSync(join(bin, name), 0o755);
  }
  const dynamo = fakeDynamo(join(tmpdir(), `fake-dynamodb-${process.pid}`));
  const realDate = spawnSync('sh', ['-c', 'command -v date'], { encoding: 'utf8' }).stdout.trim();
  const outcomes: Record<string, number> = {};
  const faults: Record<string, number> = {};
  let acquired = 0;
  let takeovers = 0;
  let instants = 0;
  let stepsPastLease = 0;
  const overlaps: string[] = [];
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        const table = `harness-${lane}-${basename(root)}`;
        const events = join(root, `lane-${lane}.events`);
        appendFileSync(events, '');
        const env = {
          ...process.env,
          PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          FAKE_DYNAMO: dynamo.dir,
          FAKE_AWS_STATE: root,
          REAL_DATE: realDate,
          TRANSFER_SCRIPT,
          EVENTS: events,
          LOCK_TABLE: table,
          LOCK_LEASE_SECONDS: String(lease),
          LOCK_RENEW_SECONDS: String(renew),
        };
        const created = spawnSync(
          'sh',
          [
            join(bin, 'aws'),
            ...['dynamodb', 'create-table', '--table-name', table],
            '--attribute-definitions',
            JSON.stringify(['pk', 'sk'].map((name) => ({ AttributeName: name, AttributeType: 'S' }))),
            '--key-schema',
            JSON.stringify([
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'sk', KeyType: 'RANGE' },
            ]),
          ],
          { env, encoding: 'utf8' },
        );
        if (created.status !== 0) throw new Error(`could not create ${table}: ${created.stderr}`);
        while (next < options.rounds) {
          const round = next++;
          const plans = Array.from({ length: contenders }, (_, n) =>
            plan(`r${round}c${n}`, rand, lease, options.gapLeases ?? 2),
          );
          for (const p of plans) for (const label of p.labels) faults[label] = (faults[label] ?? 0) + 1;
          const results = await Promise.all(plans.map((p) => contend(p, env, events, lease * 1000)));
          for (const { outcome, stdout } of results) {
            outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
            if (stdout.includes('took over the lock')) takeovers++;
          }
        }
        const lines = readFileSync(events, 'utf8').split('\n').filter(Boolean);
        acquired += lines.filter((line) => line.startsWith('acquired ')).length;
        const judged = judge(lines);
        instants += judged.instants;
        stepsPastLease += judged.stepsPastLease;
        overlaps.push(...judged.overlaps);
      }),
    );
  } finally {
    if (!process.env.HARNESS_KEEP) rmSync(root, { recursive: true, force: true });
    else console.error(root);
  }
  return {
    seed,
    rounds: options.rounds,
    contenders: options.rounds * contenders,
    instantsWithTwoHolders: instants,
    overlappingHolders: overlaps,
    stepsPastLease,
    acquired,
    takeovers,
    outcomes,
    faults,
    seconds: (Date.now() - started) / 1000,
  };
}

/** `node --import tsx test/worlds/lock-harness.ts [rounds] [seed]`: exits 1 on any instant with two holders. */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rounds = Number.parseInt(process.argv[2] ?? '1000', 10);
  const seed = process.argv[3] ? Number.parseInt(process.argv[3], 10) : undefined;
  const report = await runLockHarness({ rounds, ...(seed !== undefined && { seed }) });
  console.log(JSON.stringify(report, null, 2));
  const clean = report.instantsWithTwoHolders === 0 && report.overlappingHolders.length === 0;
  process.exit(clean && !report.outcomes.hung ? 0 : 1);
}
