import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

/**
 * A built Lambda bundle in its own Node.js process, like a Lambda execution environment: the function's
 * environment variables (from the synthesized template), its timeout, its module scope run once at start,
 * and its log (stdout and stderr, one JSON line per event) kept for the test to read.
 */
export interface LambdaFunction {
  readonly name: string;
  /** Every line the function printed, parsed where it is JSON. */
  readonly log: LogLine[];
  invoke<T = unknown>(event: unknown): Promise<T>;
  /** Moves this container's wall clock to `at` (ms since the epoch). */
  setClock(at: number): Promise<void>;
  stop(): Promise<void>;
}

export interface LogLine {
  readonly level?: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

const RUNNER = join(import.meta.dirname, 'lambda-runner.mjs');

export async function startLambda(options: {
  readonly name: string;
  /** The bundle's folder (dist/lambdas/<name>), holding index.mjs and chunks/. */
  readonly bundle: string;
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
}): Promise<LambdaFunction> {
  const { name, bundle, environment, timeoutSeconds } = options;
  const log: LogLine[] = [];
  // Only the function's environment: nothing of the test process (its PATH aside, as Lambda has one too).
  const child: ChildProcess = fork(RUNNER, [join(bundle, 'index.mjs'), name, String(timeoutSeconds)], {
    env: { PATH: process.env.PATH ?? '', ...environment },
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const keep = (chunk: Buffer) => {
    for (const text of chunk.toString('utf8').split('\n')) {
      if (!text.trim()) continue;
      try {
        const parsed = JSON.parse(text) as LogLine;
        log.push(typeof parsed === 'object' && parsed && 'message' in parsed ? parsed : { message: text });
      } catch {
        log.push({ message: text });
      }
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let nextId = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on(
    'message',
    (message: {
      type: string;
      id?: number;
      result?: unknown;
      error?: { message: string; stack?: string };
    }) => {
      if (message.id === undefined) return;
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error)
        waiter?.reject(new Error(`${name}: ${message.error.stack ?? message.error.message}`));
      else waiter?.resolve(message.result);
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('message', (message: { type: string; error?: { stack?: string; message: string } }) =>
      message.type === 'ready'
        ? resolve()
        : reject(new Error(`${name} failed to load: ${message.error?.stack ?? message.error?.message}`)),
    );
    child.once('exit', (code) =>
      reject(new Error(`${name} exited (${code}) while loading:\n${log.map((l) => l.message).join('\n')}`)),
    );
  });

  const call = <T>(message: Record<string, unknown>, timeoutMs: number): Promise<T> => {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${name} timed out after ${timeoutMs / 1000} s (its timeout in the template)`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      child.send({ ...message, id });
    });
  };
  return {
    name,
    log,
    invoke: (event) => call({ type: 'invoke', event }, timeoutSeconds * 1000),
    setClock: (at) => call({ type: 'clock', offsetMs: at - Date.now() }, 5000),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
