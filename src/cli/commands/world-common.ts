import { BackupClient } from '@aws-sdk/client-backup';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { sdkEcs } from '../../aws/sdk-ecs.js';
import { loadConfig } from '../../config/load.js';
import type { ValheimConfig } from '../../config/schema.js';
import { taskIdOf } from '../../server/server-status.js';
import { WorldError } from '../../worlds/errors.js';
import type { TransferManifest } from '../../worlds/manifest.js';
import { type ProgressListener, readManifest, SNAPSHOTS, uploadWorld } from '../../worlds/snapshots.js';
import { resolveWorldStack, type WorldStack } from '../../worlds/stack.js';
import { transferId } from '../../worlds/transfer-id.js';
import {
  assertGameStopped,
  type RunTransferOptions,
  runTransferTask,
  type TransferRequest,
  type TransferResult,
  transferFailure,
} from '../../worlds/transfer-task.js';
import { formatBytes, type LocalWorld, type OpenedWorld, openWorld } from '../../worlds/world-files.js';
import { awsFailure, CliError } from '../errors.js';
import type { Terminal } from '../io.js';

/**
 * What the `valheim world …` commands need from outside. The CLI's own dependencies (CliDeps) provide
 * env, term, ecs and promptLine; the S3 and AWS Backup clients default to real ones.
 */
export interface WorldDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly term: Terminal;
  readonly ecs: (region: string) => ECSClient;
  readonly s3?: (region: string) => S3Client;
  readonly backup?: (region: string) => BackupClient;
  /** Asks a question and returns the typed line (confirmations). */
  readonly promptLine: (question: string) => Promise<string>;
  /** @default Date.now */
  readonly now?: () => number;
  /** Waits between polls of the transfer task; tests make it instant. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The config, the stack's resources and the clients, as every world command starts. */
export interface WorldContext {
  readonly config: ValheimConfig;
  readonly stack: WorldStack;
  readonly ecs: ECSClient;
  readonly s3: S3Client;
  readonly deps: WorldDeps;
  now(): Date;
}

export const PERMISSIONS = {
  stack: 'ecs:DescribeTaskDefinition and ecs:DescribeServices',
  task: 'ecs:RunTask, ecs:DescribeTasks, ecs:ListTasks, ecs:DescribeServices and iam:PassRole for the world-transfer task roles',
  bucket: 's3:ListBucket, s3:GetObject and s3:PutObject on the world bucket',
  backup: 'backup:ListRecoveryPointsByResource',
} as const;

export async function worldContext(configFile: string, deps: WorldDeps): Promise<WorldContext> {
  const config = loadConfig(configFile);
  const ecs = deps.ecs(config.region);
  const stack = await step(
    config.region,
    'find the world-transfer task of the stack',
    PERMISSIONS.stack,
    () => resolveWorldStack(ecs, config, deps.env),
  );
  const s3 = (deps.s3 ?? worldS3Client)(config.region);
  const now = deps.now ?? Date.now;
  return { config, stack, ecs, s3, deps, now: () => new Date(now()) };
}

export function backupClient(context: WorldContext): BackupClient {
  return (context.deps.backup ?? ((region) => new BackupClient({ region })))(context.config.region);
}

/** No data for this long on a world transfer's connection: the network stalled. */
export const STALL_TIMEOUT_MS = 30_000;

/**
 * The S3 client of the world commands. Without a socket timeout a stalled network would leave a download
 * or upload waiting forever; with it, the transfer fails with a TimeoutError (see toCliError).
 */
export function worldS3Client(region: string, stallTimeoutMs = STALL_TIMEOUT_MS): S3Client {
  return new S3Client({
    region,
    requestHandler: { connectionTimeout: 10_000, socketTimeout: stallTimeoutMs },
  });
}

/** Runs one AWS step: a WorldError becomes the CLI's one-line error, an AWS failure says what was denied. */
export async function step<T>(
  region: string,
  action: string,
  permission: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toCliError(error, { action, permission, region });
  }
}

export function toCliError(
  error: unknown,
  context: { action: string; permission: string; region: string },
): Error {
  if (error instanceof CliError) return error;
  if (error instanceof WorldError) return new CliError(error.problem, error.fix);
  if ((error as Error).name === 'TimeoutError') {
    return new CliError(
      `the network stalled (no data for ${STALL_TIMEOUT_MS / 1000} s), so could not ${context.action}`,
      'check your connection and run the command again; nothing half-copied was kept',
    );
  }
  return awsFailure(error, context);
}

/** Finds the world in a local path (see openWorld); problems become one-line errors. */
export function openLocalWorld(path: string, preferred: string): OpenedWorld {
  try {
    return openWorld(path, preferred);
  } catch (error) {
    if (error instanceof WorldError) throw new CliError(error.problem, error.fix);
    const code = (error as NodeJS.ErrnoException).code;
    if (code) throw new CliError(`could not read ${path} (${code})`, 'check the path and its permissions');
    throw error;
  }
}

/** Refuses while the game server runs (a world must never change under it). */
export async function requireStopped(context: WorldContext): Promise<void> {
  const { ecs, stack, config } = context;
  await step(
    config.region,
    `check whether the game server (ECS service ${stack.gameService}) runs`,
    'ecs:DescribeServices',
    () => assertGameStopped(sdkEcs(ecs), stack.cluster, stack.gameService),
  );
}

/** Runs the transfer task, printing its progress; a failure becomes a one-line error. */
export async function runTask(context: WorldContext, request: TransferRequest): Promise<TransferResult> {
  const result = await step(context.config.region, 'run the world-transfer task', PERMISSIONS.task, () =>
    runTransferTask(sdkEcs(context.ecs), context.stack, request, taskProgress(context)),
  );
  if (!result.ok) {
    const failure = transferFailure(result, request);
    throw new CliError(failure.problem, failure.fix);
  }
  return result;
}

/** Prints the transfer task's status changes to stderr; waits between polls with the CLI's sleep. */
export function taskProgress(context: WorldContext): RunTransferOptions {
  const { term, sleep } = context.deps;
  return {
    onStatus: (status, arn) => term.err(`World transfer task ${taskIdOf(arn)}: ${status.toLowerCase()}`),
    ...(sleep && { sleep }),
  };
}

/** Prints "<label>: 12.0 MB of 48.1 MB (25%)" to stderr at every tenth of the way (and at the end). */
export function progressLines(term: Terminal, label: string): ProgressListener {
  let lastTenth = -1;
  return (done, total) => {
    const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
    if (tenth === lastTenth || (tenth < 10 && done === 0)) return;
    lastTenth = tenth;
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    term.err(`${label}: ${formatBytes(done)} of ${formatBytes(total)} (${percent}%)`);
  };
}

/** Asks "…? [y/N]" unless --yes; anything but y/yes cancels. */
export async function confirm(deps: WorldDeps, question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  const answer = (await deps.promptLine(`${question} [y/N] `)).trim().toLowerCase();
  if (answer !== 'y' && answer !== 'yes') {
    throw new CliError('cancelled', 'nothing was changed; add --yes to skip the question');
  }
}

export function describeWorld(world: { format: string; fileCount: number; totalBytes: number }): string {
  return `${world.format === 'folder' ? 'Valheim 1.0 folder' : world.format === 'legacy' ? '.fwl + .db' : world.format === 'both' ? 'folder and .fwl + .db' : world.format}, ${world.fileCount} file${world.fileCount === 1 ? '' : 's'}, ${formatBytes(world.totalBytes)}`;
}

/** Refuses a world whose name is not the one the server runs: the server would not load it. */
export function requireConfiguredName(context: WorldContext, name: string, where: string): void {
  const configured = context.config.server.world;
  if (name === configured) return;
  throw new CliError(
    `${where} is the world "${name}", but the server runs "${configured}" (server.world in the config)`,
    `set server.world to "${name}" and run npm run deploy, or rename the world's files to ${configured} first`,
  );
}

/**
 * Uploads a world found on this machine and makes it the server's world: the shared end of
 * `valheim world import` and of restoring an image zip. Asks first (unless --yes); the transfer task saves
 * the current world as a snapshot before replacing it.
 */
export async function replaceWithLocalWorld(
  context: WorldContext,
  world: LocalWorld,
  options: { readonly where: string; readonly yes?: boolean; readonly reason: 'pre-import' | 'pre-restore' },
): Promise<void> {
  const { term } = context.deps;
  const { region } = context.config;
  requireConfiguredName(context, world.name, options.where);
  term.out(
    `Found world "${world.name}" in ${options.where}: ${describeWorld({ ...world, fileCount: world.files.length })}.`,
  );
  if (world.others.length > 0) term.out(`Left out (other worlds): ${world.others.join(', ')}.`);
  await confirm(
    context.deps,
    `Replace the world "${world.name}" on the server with it? The current one is saved as a snapshot first.`,
    options.yes,
  );

  const importId = transferId('import', context.now());
  const sourcePrefix = await step(
    region,
    `upload ${world.name} to the world bucket`,
    PERMISSIONS.bucket,
    () =>
      uploadWorld(
        context.s3,
        context.stack.bucket,
        world,
        importId,
        context.now(),
        progressLines(term, `Uploading ${world.name}`),
      ),
  );
  await restoreFrom(context, sourcePrefix, options.reason);
}

/** Runs the restore task from a complete prefix and says where the replaced world went. */
export async function restoreFrom(
  context: WorldContext,
  sourcePrefix: string,
  reason: 'pre-import' | 'pre-restore',
): Promise<void> {
  const { term } = context.deps;
  const world = context.config.server.world;
  const snapshotId = transferId(reason, context.now());
  await runTask(context, { mode: 'restore', snapshotId, worldName: world, sourcePrefix });
  const saved: TransferManifest | undefined = await step(
    context.config.region,
    'read the snapshot of the replaced world',
    PERMISSIONS.bucket,
    () => readManifest(context.s3, context.stack.bucket, `${SNAPSHOTS}/${snapshotId}`),
  );
  term.out(`The server's world "${world}" is now the one from ${sourcePrefix}. Start the server to play it.`);
  term.out(
    saved
      ? `The world it replaced is saved as snapshot:${snapshotId}; to undo: npx valheim world restore snapshot:${snapshotId}`
      : 'There was no world on the server before, so no snapshot was needed.',
  );
}
