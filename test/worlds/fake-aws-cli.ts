import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fakeDynamo } from '../support/fake-dynamodb-cli.js';

export const TRANSFER_SCRIPT = fileURLToPath(new URL('../../src/worlds/world-transfer.sh', import.meta.url));

/** The shell that runs the script: `sh` (dash here); WORLD_TRANSFER_SHELL=posh checks strict POSIX. */
export const SHELL = process.env.WORLD_TRANSFER_SHELL ?? 'sh';

/** The AWS CLI stand-in (see its header): copied into a temp bin folder first on PATH. */
const FAKE_AWS = fileURLToPath(new URL('./fake-aws.sh', import.meta.url));
/** The date and mv stand-ins (a wrong wall clock, a stop at a chosen call): see its header. */
const FAKE_CLOCK = fileURLToPath(new URL('./fake-clock.sh', import.meta.url));

/** Where a command really is (the stand-ins hand over to it). */
function realCommand(name: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (!found.startsWith('/')) throw new Error(`${name} was not found on PATH`);
  return found;
}

/** The transfer lock as the script left it in the table (undefined: nobody holds it). */
export interface LockItem {
  readonly owner: string;
  readonly version: string;
  readonly renewedAt: string;
  readonly holder: string;
}

/** A process of its own in a sandbox: its own call log, count and pause (FAKE_AWS_STATE). */
export interface SandboxProcess {
  readonly env: Record<string, string>;
  paused(): Promise<void>;
  resume(): void;
  calls(): string[];
}

export interface TransferRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A transfer started in the background. */
export interface RunningTransfer {
  readonly result: Promise<TransferRun>;
  /** SIGKILL to its whole process group (a task killed with its container); resolves once it is gone. */
  kill(): Promise<void>;
}

/** A temp world file system, a temp bucket and the stub, for running the transfer script on real files. */
export interface TransferSandbox {
  /** Stands for /config (CONFIG_ROOT). */
  readonly config: string;
  /** The bucket's folder (keys are paths below it). */
  readonly bucket: string;
  readonly bucketName: string;
  /** The state table holding the transfer lock (LOCK_TABLE), in the DynamoDB stand-in. */
  readonly lockTable: string;
  /** The lock item right now. */
  lock(): LockItem | undefined;
  /** Environment and controls for one more process with its own pause and call log. */
  process(name: string): SandboxProcess;
  run(env: Record<string, string>): TransferRun;
  /** Starts the script without waiting (with FAKE_AWS_PAUSE_MATCH, to run another transfer meanwhile). */
  start(env: Record<string, string>): Promise<TransferRun>;
  /** Starts the script in a process group of its own, which `kill()` ends at once (SIGKILL, no clean-up). */
  launch(env: Record<string, string>): RunningTransfer;
  /** Resolves once a call matching FAKE_AWS_PAUSE_MATCH is waiting; `resume()` lets it go on. */
  paused(): Promise<void>;
  resume(): void;
  /** Runs another command line (e.g. the task definition's `sh -c '<script>'`) in the same environment. */
  runCommand(argv: readonly string[], env: Record<string, string>): TransferRun;
  /** The stub's calls so far, one line of arguments each. */
  calls(): string[];
  resetCalls(): void;
  dispose(): void;
}

export function createTransferSandbox(): TransferSandbox {
  const root = mkdtempSync(join(tmpdir(), 'world-transfer-'));
  const config = join(root, 'config');
  const s3 = join(root, 's3');
  const bin = join(root, 'bin');
  const state = join(root, 'state');
  const bucketName = 'valheim-worlds-test';
  for (const dir of [config, join(s3, bucketName), bin, state]) mkdirSync(dir, { recursive: true });
  const realDate = realCommand('date');
  const realMv = realCommand('mv');
  for (const [name, source] of [
    ['aws', FAKE_AWS],
    ['date', FAKE_CLOCK],
    ['mv', FAKE_CLOCK],
  ] as const) {
    copyFileSync(source, join(bin, name));
    chmodSync(join(bin, name), 0o755);
  }
  const dynamo = fakeDynamo(join(tmpdir(), `fake-dynamodb-${process.pid}`));
  const lockTable = `lock-${basename(root)}`;
  const environment = (env: Record<string, string>) => ({
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    CONFIG_ROOT: config,
    FAKE_S3: s3,
    FAKE_AWS_STATE: state,
    FAKE_DYNAMO: dynamo.dir,
    REAL_DATE: realDate,
    REAL_MV: realMv,
    BUCKET: bucketName,
    LOCK_TABLE: lockTable,
    ...env,
  });
  const dynamodb = (...args: string[]): TransferRun => {
    const result = spawnSync(SHELL, [join(bin, 'aws'), 'dynamodb', ...args], {
      encoding: 'utf8',
      env: environment({}),
    });
    if (result.status !== 0) throw new Error(`aws dynamodb ${args[0]} failed: ${result.stderr}`);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  dynamodb(
    'create-table',
    '--table-name',
    lockTable,
    '--attribute-definitions',
    JSON.stringify(['pk', 'sk'].map((name) => ({ AttributeName: name, AttributeType: 'S' }))),
    '--key-schema',
    JSON.stringify([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]),
  );
  const pauseControls = (dir: string) => ({
    paused: async (): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (!existsSync(join(dir, 'paused'))) {
        if (Date.now() > deadline) throw new Error('the transfer never reached the paused call');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    resume: () => writeFileSync(join(dir, 'resume'), ''),
    calls: (): string[] => {
      try {
        return readFileSync(join(dir, 'log'), 'utf8').trimEnd().split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
  });
  const runCommand = (argv: readonly string[], env: Record<string, string>): TransferRun => {
    const [command = SHELL, ...args] = argv;
    const result = spawnSync(command, args, { encoding: 'utf8', env: environment(env) });
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  };
  const launch = (env: Record<string, string>): RunningTransfer => {
    // Its own process group, so that a test can kill it whole, as ECS kills a task's container.
    const child = spawn(SHELL, [TRANSFER_SCRIPT], { env: environment(env), detached: true });
    const result = new Promise<TransferRun>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk;
      });
      child.on('error', reject);
      child.on('close', (code, signal) =>
        resolve({ status: code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : -1), stdout, stderr }),
      );
    });
    return {
      result,
      kill: async () => {
        try {
          process.kill(-(child.pid ?? 0), 'SIGKILL');
        } catch {
          // already gone
        }
        await result;
      },
    };
  };
  const main = pauseControls(state);
  return {
    config,
    bucket: join(s3, bucketName),
    bucketName,
    lockTable,
    lock: () => {
      const key = JSON.stringify({ pk: { S: 'LOCK' }, sk: { S: 'WORLD_TRANSFER' } });
      const query = '[Item.ownerToken.S, Item.leaseVersion.S, Item.renewedAt.N, Item.holder.S]';
      const { stdout } = dynamodb(
        ...['get-item', '--table-name', lockTable, '--key', key, '--consistent-read'],
        ...['--query', query, '--output', 'text'],
      );
      const [owner = 'None', version = '', renewedAt = '', holder = ''] = stdout.trimEnd().split('\t');
      return owner === 'None' ? undefined : { owner, version, renewedAt, holder };
    },
    process: (name) => {
      const dir = join(root, `state-${name}`);
      mkdirSync(dir);
      return { env: { FAKE_AWS_STATE: dir }, ...pauseControls(dir) };
    },
    run: (env) => runCommand([SHELL, TRANSFER_SCRIPT], env),
    start: (env) => launch(env).result,
    launch,
    paused: main.paused,
    resume: main.resume,
    runCommand: (argv, env) => runCommand(argv, env),
    calls: main.calls,
    resetCalls: () => {
      rmSync(state, { recursive: true, force: true });
      mkdirSync(state);
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
