import { BackupClient } from '@aws-sdk/client-backup';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { loadConfig } from '../../config/load.js';
import type { ValheimConfig } from '../../config/schema.js';
import { taskIdOf } from '../../server/server-status.js';
import { serviceActivity } from '../../server/service-activity.js';
import { worldParameterNames } from '../../worlds/active-world.js';
import { WorldError } from '../../worlds/errors.js';
import type { ProgressListener } from '../../worlds/snapshots.js';
import { resolveWorldStack, type WorldStack } from '../../worlds/stack.js';
import { formatBytes } from '../../worlds/world-files.js';
import {
  awsStep,
  WORLD_PERMISSIONS,
  type WorldPorts,
  type WorldReporter,
  WorldStepError,
} from '../../worlds/world-ports.js';
import { activeWorldOf, type WorldsPorts } from '../../worlds/worlds.js';
import { awsFailure, CliError } from '../errors.js';
import type { Terminal } from '../io.js';

/*
 * The CLI's side of the world operations (src/worlds): it loads the config, finds the stack, and provides
 * the ports for a terminal (progress on stderr, results on stdout, a y/N question); each failure becomes the
 * CLI's one line with the fix.
 */

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
  /** For the active world's parameters. @default - an SSMClient in the config's region */
  readonly ssm?: (region: string) => SSMClient;
  /** For the world catalog and the ledger in the state table. @default - a DynamoDBClient in the config's region */
  readonly dynamodb?: (region: string) => DynamoDBClient;
}

/** What a world command's body gets: the transfer ports, the worlds (catalog, active world, ledger), the config. */
export interface WorldCommandContext {
  readonly ports: WorldPorts;
  readonly config: ValheimConfig;
  /** The catalog, the active world and the ledger; built on first use (the state table is looked up then). */
  readonly worlds: () => Promise<WorldsPorts>;
  /** The world a command works on: the one named with --world, else the active one. */
  readonly worldName: (named: string | undefined) => Promise<string>;
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

/**
 * Runs a world command: loads the config, finds the stack's world resources, and hands `body` the ports.
 * Whatever fails becomes one line with the fix.
 */
export async function withWorldPorts<T>(
  configFile: string,
  deps: WorldDeps,
  options: { /** Do not ask before replacing a world. */ readonly yes?: boolean },
  body: (context: WorldCommandContext) => Promise<T>,
): Promise<T> {
  const config = loadConfig(configFile);
  try {
    const ecs = deps.ecs(config.region);
    const stack = await awsStep('find the world-transfer task of the stack', WORLD_PERMISSIONS.stack, () =>
      resolveWorldStack(ecs, config, deps.env),
    );
    const now = deps.now ?? Date.now;
    const ports: WorldPorts = {
      stack,
      ecs,
      s3: (deps.s3 ?? worldS3Client)(config.region),
      backup: () => (deps.backup ?? ((region) => new BackupClient({ region })))(config.region),
      report: terminalReporter(deps, options.yes),
      now: () => new Date(now()),
      ...(deps.sleep && { sleep: deps.sleep }),
    };
    let worlds: Promise<WorldsPorts> | undefined;
    const worldsPorts = () => {
      worlds ??= worldsFor(config, stack, ecs, deps);
      return worlds;
    };
    const context: WorldCommandContext = {
      ports,
      config,
      worlds: worldsPorts,
      worldName: async (named) =>
        named ??
        (await awsStep(
          'read the active world',
          WORLD_PERMISSIONS.worlds,
          async () => (await activeWorldOf(await worldsPorts())).name,
        )),
    };
    return await body(context);
  } catch (error) {
    throw toCliError(error, config.region);
  }
}

/** The catalog and the ledger in the state table, the active world's parameters, the game's activity. */
async function worldsFor(
  config: ValheimConfig,
  stack: WorldStack,
  ecs: ECSClient,
  deps: WorldDeps,
): Promise<WorldsPorts> {
  const [
    { DynamoDBClient },
    { SSMClient },
    { DynamoWorldCatalog, SsmActiveWorld },
    { sdkSsmParameters },
    { StateStore },
    { sdkDocuments },
    { sdkEcs },
  ] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/client-ssm'),
    import('../../worlds/aws-worlds.js'),
    import('../../worlds/sdk-ssm-parameters.js'),
    import('../../monitor/state-store.js'),
    import('../../aws/sdk-dynamodb.js'),
    import('../../aws/sdk-ecs.js'),
  ]);
  const dynamo = (deps.dynamodb ?? ((region) => new DynamoDBClient({ region })))(config.region);
  const ssm = (deps.ssm ?? ((region) => new SSMClient({ region })))(config.region);
  const table =
    stack.stateTable ??
    (await (await import('./starts.js')).findStateTable(dynamo, config.stackName, deps.env));
  const now = deps.now ?? Date.now;
  const documents = sdkDocuments(dynamo);
  return {
    catalog: new DynamoWorldCatalog(documents, table),
    active: new SsmActiveWorld(sdkSsmParameters(ssm), worldParameterNames(config.stackName)),
    ledger: new StateStore(documents, table),
    gameActive: async (signal) =>
      (await serviceActivity(sdkEcs(ecs), stack.cluster, stack.gameService, signal)).kind === 'active',
    firstWorld: config.server.world,
    now: () => new Date(now()),
  };
}

/** Runs one AWS step outside the world operations, failing as the world commands do. */
export async function step<T>(
  region: string,
  action: string,
  permission: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await awsStep(action, permission, run);
  } catch (error) {
    throw toCliError(error, region);
  }
}

/** A failure of a world operation as the CLI's one line: a WorldError as it is, an AWS failure with the fix. */
export function toCliError(error: unknown, region: string): Error {
  if (error instanceof CliError) return error;
  if (error instanceof WorldError) return new CliError(error.problem, error.fix);
  if (error instanceof WorldStepError) {
    const { action, permission, cause } = error;
    if ((cause as Error).name === 'TimeoutError') {
      return new CliError(
        `the network stalled (no data for ${STALL_TIMEOUT_MS / 1000} s), so could not ${action}`,
        'check your connection and run the command again; nothing half-copied was kept',
      );
    }
    return awsFailure(cause, { action, permission, region });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** The world operations' reporter for a terminal. */
export function terminalReporter(deps: WorldDeps, yes: boolean | undefined): WorldReporter {
  const { term } = deps;
  return {
    info: (line) => term.out(line),
    progress: (line) => term.err(line),
    warn: (line) => term.err(`valheim: warning: ${line}`),
    taskStatus: (status, arn) => term.err(`World transfer task ${taskIdOf(arn)}: ${status.toLowerCase()}`),
    bytes: (label) => progressLines(term, label),
    confirm: (question) => confirm(deps, question, yes),
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

/** The last lines of an import or restore: what the server holds now, and how to undo it. */
export function replacedLines(replaced: {
  readonly worldName: string;
  readonly sourcePrefix: string;
  readonly snapshotId: string;
  readonly saved: boolean;
}): string[] {
  return [
    `The server's world "${replaced.worldName}" is now the one from ${replaced.sourcePrefix}. Start the server to play it.`,
    replaced.saved
      ? `The world it replaced is saved as snapshot:${replaced.snapshotId}; to undo: npx valheim world restore snapshot:${replaced.snapshotId}`
      : 'There was no world on the server before, so no snapshot was needed.',
  ];
}
