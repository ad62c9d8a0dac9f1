import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { Agent } from 'node:http';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { startDynalite } from './dynalite.js';

/*
 * `aws dynamodb …` for shell scripts under test, against dynalite (a real DynamoDB emulator: conditions,
 * consistent reads and all). The `aws` stub (test/worlds/fake-aws.sh) hands each dynamodb call to this
 * daemon through FIFOs (no network tool needed): it writes its arguments NUL-separated to
 * <dir>/calls/<pid>.args, opens <dir>/calls/<pid>.reply read-write, and writes its pid as one line to the
 * <dir>/requests FIFO. The daemon runs the call through the AWS SDK and answers on the reply FIFO: the exit
 * code on the first line, then "o <line>" for stdout and "e <line>" for stderr, then ".".
 *
 * It models the CLI v2 as the transfer script uses it: put-item, get-item, update-item, delete-item (and
 * create-table for the tests), `--output text` with a `--query` of one path or a list of paths
 * (`[Item.a.S, Item.b.N]`: tab-separated, None for a missing value), exit 254 with "An error occurred
 * (ConditionalCheckFailedException) when calling the PutItem operation: …" for a service error, 255 for a
 * connection error, 252 for an option it does not know.
 *
 * Faults, per call, from the caller's FAKE_DYNAMO_FAULTS (JSON, or @file with JSON that is read at every
 * call; counters per FAKE_DYNAMO_CLIENT):
 *   delayMs: [min, max]   the call waits that long (uniformly) before it reaches DynamoDB
 *   failRate: p           the call fails before reaching DynamoDB (connection error)
 *   loseRate: p           the call is applied, then the CLI reports a connection error (answer lost)
 *   ops: [op…]            the rates and the delay apply to these operations only (default: all)
 *   fail: {op: [n…]}      the n-th call of op by this client fails (1-based); {op: "n+"} from n on
 */

const HERE = fileURLToPath(new URL('.', import.meta.url));

export interface DynamoFaults {
  readonly delayMs?: readonly [number, number];
  readonly failRate?: number;
  readonly loseRate?: number;
  readonly ops?: readonly string[];
  readonly fail?: Readonly<Record<string, readonly number[] | `${number}+`>>;
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const OPERATION_NAMES: Record<string, string> = {
  'put-item': 'PutItem',
  'get-item': 'GetItem',
  'update-item': 'UpdateItem',
  'delete-item': 'DeleteItem',
  'create-table': 'CreateTable',
};

/** Options each operation accepts, and whether they take a value. */
const VALUE_OPTIONS = new Set([
  '--table-name',
  '--item',
  '--key',
  '--condition-expression',
  '--update-expression',
  '--expression-attribute-names',
  '--expression-attribute-values',
  '--return-values',
  '--query',
  '--output',
  '--attribute-definitions',
  '--key-schema',
  '--billing-mode',
]);
const FLAG_OPTIONS = new Set(['--consistent-read', '--no-consistent-read']);

function usage(message: string): CliResult {
  return {
    code: 252,
    stdout: '',
    stderr: `\nusage: aws [options] <command> <subcommand> [<subcommand> ...]\naws: error: ${message}\n`,
  };
}

function parseOptions(args: readonly string[]): Map<string, string> | CliResult {
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const name = args[i] ?? '';
    if (FLAG_OPTIONS.has(name)) options.set(name, 'true');
    else if (VALUE_OPTIONS.has(name)) {
      const value = args[i + 1];
      if (value === undefined) return usage(`argument ${name}: expected one argument`);
      options.set(name, value);
      i++;
    } else return usage(`Unknown options: ${name}`);
  }
  return options;
}

function json(options: Map<string, string>, name: string): unknown {
  const text = options.get(name);
  return text === undefined ? undefined : JSON.parse(text);
}

/** The JMESPath the script uses: `a.b.c` or `[a.b.c, d.e]`. */
function evaluate(query: string, value: unknown): unknown {
  const trimmed = query.trim();
  if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
    return trimmed
      .slice(1, -1)
      .split(',')
      .map((path) => evaluate(path, value));
  }
  if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(trimmed))
    throw new Error(`fake aws cannot evaluate --query ${query}`);
  let current: unknown = value;
  for (const key of trimmed.split('.')) {
    current =
      current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current ?? null;
}

/** The CLI's text output of a query result (scalars and one list of scalars, as the script uses). */
function text(value: unknown): string {
  const scalar = (v: unknown) =>
    v === null || v === undefined ? 'None' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (Array.isArray(value)) return `${value.map(scalar).join('\t')}\n`;
  return `${scalar(value)}\n`;
}

function output(options: Map<string, string>, response: Record<string, unknown>): string {
  const { $metadata: _metadata, ...body } = response;
  const query = options.get('--query');
  const format = options.get('--output') ?? 'json';
  const result = query === undefined ? body : evaluate(query, body);
  if (format === 'text') {
    if (query === undefined) {
      if (Object.keys(body).length === 0) return '';
      throw new Error('fake aws models --output text only with --query or an empty answer');
    }
    return text(result);
  }
  if (query === undefined && Object.keys(body).length === 0) return '';
  return `${JSON.stringify(result, null, 4)}\n`;
}

class Faults {
  private readonly counts = new Map<string, number>();

  /** What happens to this call: 'fail' (not applied), 'lose' (applied, answer lost) or 'ok', and a delay. */
  decide(
    client: string,
    op: string,
    faults: DynamoFaults,
  ): { outcome: 'fail' | 'lose' | 'ok'; delayMs: number } {
    const key = `${client}\u0000${op}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    const listed = faults.fail?.[op];
    if (typeof listed === 'string' ? n >= Number.parseInt(listed, 10) : listed?.includes(n)) {
      return { outcome: 'fail', delayMs: 0 };
    }
    if (faults.ops && !faults.ops.includes(op)) return { outcome: 'ok', delayMs: 0 };
    const [min, max] = faults.delayMs ?? [0, 0];
    const delayMs = min + Math.random() * (max - min);
    const roll = Math.random();
    const failRate = faults.failRate ?? 0;
    if (roll < failRate) return { outcome: 'fail', delayMs };
    if (roll < failRate + (faults.loseRate ?? 0)) return { outcome: 'lose', delayMs };
    return { outcome: 'ok', delayMs };
  }
}

/** FAKE_DYNAMO_FAULTS: JSON, or @<file> holding JSON (read at every call, so a test can change it). */
function readFaults(spec: string): DynamoFaults {
  if (spec.startsWith('@')) {
    try {
      spec = readFileSync(spec.slice(1), 'utf8');
    } catch {
      return {};
    }
  }
  return spec.trim() ? (JSON.parse(spec) as DynamoFaults) : {};
}

const CONNECTION_ERROR =
  '\nCould not connect to the endpoint URL: "https://dynamodb.eu-central-1.amazonaws.com/"\n';

async function run(client: DynamoDBClient, faults: Faults, callArgs: readonly string[]): Promise<CliResult> {
  const [clientId = '', faultSpec = '', service, op, ...rest] = callArgs;
  if (service !== 'dynamodb' || op === undefined || !(op in OPERATION_NAMES)) {
    return usage(`fake aws does not model: ${service} ${op}`);
  }
  const options = parseOptions(rest);
  if (!(options instanceof Map)) return options;
  const decided = faults.decide(clientId, op, readFaults(faultSpec));
  if (decided.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, decided.delayMs));
  if (decided.outcome === 'fail') return { code: 255, stdout: '', stderr: CONNECTION_ERROR };
  const TableName = options.get('--table-name');
  if (!TableName) return usage('the following arguments are required: --table-name');
  const common = {
    TableName,
    ...(options.has('--condition-expression') && {
      ConditionExpression: options.get('--condition-expression'),
    }),
    ...(options.has('--expression-attribute-names') && {
      ExpressionAttributeNames: json(options, '--expression-attribute-names') as Record<string, string>,
    }),
    ...(options.has('--expression-attribute-values') && {
      ExpressionAttributeValues: json(options, '--expression-attribute-values') as never,
    }),
  };
  try {
    let response: object;
    switch (op) {
      case 'put-item':
        response = await client.send(
          new PutItemCommand({ ...common, Item: json(options, '--item') as never }),
        );
        break;
      case 'get-item':
        response = await client.send(
          new GetItemCommand({
            TableName,
            Key: json(options, '--key') as never,
            ConsistentRead: options.has('--consistent-read'),
          }),
        );
        break;
      case 'update-item':
        response = await client.send(
          new UpdateItemCommand({
            ...common,
            Key: json(options, '--key') as never,
            UpdateExpression: options.get('--update-expression'),
          }),
        );
        break;
      case 'delete-item':
        response = await client.send(
          new DeleteItemCommand({ ...common, Key: json(options, '--key') as never }),
        );
        break;
      default:
        response = await client.send(
          new CreateTableCommand({
            TableName,
            AttributeDefinitions: json(options, '--attribute-definitions') as never,
            KeySchema: json(options, '--key-schema') as never,
            BillingMode: (options.get('--billing-mode') ?? 'PAY_PER_REQUEST') as never,
          }),
        );
    }
    if (decided.outcome === 'lose') return { code: 255, stdout: '', stderr: CONNECTION_ERROR };
    return { code: 0, stdout: output(options, response as Record<string, unknown>), stderr: '' };
  } catch (error) {
    if (decided.outcome === 'lose') return { code: 255, stdout: '', stderr: CONNECTION_ERROR };
    if (error instanceof DynamoDBServiceException) {
      const message =
        error instanceof ConditionalCheckFailedException ? 'The conditional request failed' : error.message;
      return {
        code: 254,
        stdout: '',
        stderr: `\nAn error occurred (${error.name}) when calling the ${OPERATION_NAMES[op]} operation: ${message}\n`,
      };
    }
    return { code: 255, stdout: '', stderr: `\n${String(error)}\n` };
  }
}

function answer(replyPath: string, result: CliResult): void {
  const lines = (prefix: string, body: string) =>
    body === ''
      ? ''
      : body
          .replace(/\n$/, '')
          .split('\n')
          .map((line) => `${prefix} ${line}\n`)
          .join('');
  const reply = `${result.code}\n${lines('o', result.stdout)}${lines('e', result.stderr)}.\n`;
  try {
    // The caller holds the FIFO open read-write before asking, so this open never blocks; it fails (ENXIO)
    // only when the caller was killed meanwhile, and then nobody waits for the answer.
    const fd = openSync(replyPath, constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      writeSync(fd, reply);
    } finally {
      closeSync(fd);
    }
  } catch {
    // the caller is gone
  }
  try {
    unlinkSync(replyPath);
  } catch {
    // the caller is gone and removed it, or never made it
  }
}

/** The daemon: `node --import tsx fake-dynamodb-cli.ts <dir>`; writes <dir>/ready when it serves. */
async function serve(dir: string): Promise<void> {
  const dynamo = await startDynalite();
  // Many callers at once (the lock harness): more than the SDK's default 50 sockets, kept alive.
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' },
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 1000 }) },
  });
  const faults = new Faults();
  const calls = join(dir, 'calls');
  mkdirSync(calls, { recursive: true });
  const requests = join(dir, 'requests');
  if (!existsSync(requests)) spawnSync('mkfifo', [requests], { stdio: 'inherit' });
  // Read-write: the FIFO never reports end-of-file between callers.
  const socket = new Socket({
    fd: openSync(requests, constants.O_RDWR | constants.O_NONBLOCK),
    readable: true,
  });
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const pid = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      if (!/^\d+$/.test(pid)) continue;
      const argsPath = join(calls, `${pid}.args`);
      const replyPath = join(calls, `${pid}.reply`);
      let callArgs: string[];
      try {
        callArgs = readFileSync(argsPath, 'utf8').split('\0').slice(0, -1);
        unlinkSync(argsPath);
      } catch {
        continue; // a caller killed halfway through asking
      }
      void run(client, faults, callArgs)
        .catch((error: unknown): CliResult => ({ code: 255, stdout: '', stderr: `\n${String(error)}\n` }))
        .then((result) => answer(replyPath, result));
    }
  });
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 500);
  watch.unref();
  process.on('SIGTERM', () => process.exit(0));
  writeFileSync(join(dir, 'ready.tmp'), dynamo.endpoint);
  renameSync(join(dir, 'ready.tmp'), join(dir, 'ready'));
}

/** A running daemon, shared by the sandboxes of one test process. */
export interface FakeDynamo {
  /** FAKE_DYNAMO for the stub. */
  readonly dir: string;
  /** dynalite's loopback URL, to look at the tables from the test. */
  readonly endpoint: string;
  stop(): void;
}

let shared: FakeDynamo | undefined;

/** Whether a process runs (child.exitCode cannot change while this thread waits synchronously). */
function alive(pid: number | undefined): boolean {
  try {
    process.kill(pid ?? 0, 0);
    return pid !== undefined && !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

/**
 * Starts the daemon (once per process; it stops with the process) and waits until it serves. Synchronous, so
 * that tests may run the script with spawnSync: the daemon is another process and keeps serving meanwhile.
 */
export function fakeDynamo(dir: string): FakeDynamo {
  if (shared) return shared;
  mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'fake-dynamodb-cli.ts'), dir], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, FAKE_DYNAMO_SERVE: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const ready = join(dir, 'ready');
  const deadline = Date.now() + 30_000;
  const tick = new Int32Array(new SharedArrayBuffer(4));
  while (!existsSync(ready) || readFileSync(ready, 'utf8') === '') {
    if (Date.now() > deadline || !alive(child.pid)) {
      child.kill();
      throw new Error('the DynamoDB stand-in did not start within 30 s (or it died: see its error above)');
    }
    Atomics.wait(tick, 0, 0, 20);
  }
  const stop = () => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', stop);
  shared = { dir, endpoint: readFileSync(ready, 'utf8').trim(), stop };
  return shared;
}

if (process.env.FAKE_DYNAMO_SERVE === '1' && process.argv[2]) {
  await serve(process.argv[2]);
}
