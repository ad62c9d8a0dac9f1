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
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TRANSFER_SCRIPT = fileURLToPath(new URL('../../src/worlds/world-transfer.sh', import.meta.url));

/** The shell that runs the script: `sh` (dash here); WORLD_TRANSFER_SHELL=posh checks strict POSIX. */
export const SHELL = process.env.WORLD_TRANSFER_SHELL ?? 'sh';

/** The AWS CLI stand-in (see its header): copied into a temp bin folder first on PATH. */
const FAKE_AWS = fileURLToPath(new URL('./fake-aws.sh', import.meta.url));

export interface TransferRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A temp world file system, a temp bucket and the stub, for running the transfer script on real files. */
export interface TransferSandbox {
  /** Stands for /config (CONFIG_ROOT). */
  readonly config: string;
  /** The bucket's folder (keys are paths below it). */
  readonly bucket: string;
  readonly bucketName: string;
  run(env: Record<string, string>): TransferRun;
  /** Starts the script without waiting (with FAKE_AWS_PAUSE_MATCH, to run another transfer meanwhile). */
  start(env: Record<string, string>): Promise<TransferRun>;
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
  copyFileSync(FAKE_AWS, join(bin, 'aws'));
  chmodSync(join(bin, 'aws'), 0o755);
  const environment = (env: Record<string, string>) => ({
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    CONFIG_ROOT: config,
    FAKE_S3: s3,
    FAKE_AWS_STATE: state,
    BUCKET: bucketName,
    ...env,
  });
  const runCommand = (argv: readonly string[], env: Record<string, string>): TransferRun => {
    const [command = SHELL, ...args] = argv;
    const result = spawnSync(command, args, { encoding: 'utf8', env: environment(env) });
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  };
  const start = (env: Record<string, string>): Promise<TransferRun> =>
    new Promise((resolve, reject) => {
      const child = spawn(SHELL, [TRANSFER_SCRIPT], { env: environment(env) });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
    });
  const paused = async (): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!existsSync(join(state, 'paused'))) {
      if (Date.now() > deadline) throw new Error('the transfer never reached the paused call');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return {
    config,
    bucket: join(s3, bucketName),
    bucketName,
    run: (env) => runCommand([SHELL, TRANSFER_SCRIPT], env),
    start,
    paused,
    resume: () => writeFileSync(join(state, 'resume'), ''),
    runCommand: (argv, env) => runCommand(argv, env),
    calls: () => {
      try {
        return readFileSync(join(state, 'log'), 'utf8').trimEnd().split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    resetCalls: () => {
      rmSync(state, { recursive: true, force: true });
      mkdirSync(state);
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
