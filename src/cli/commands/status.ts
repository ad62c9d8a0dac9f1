import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { Command } from 'commander';
import { sdkEcs } from '../../aws/sdk-ecs.js';
import { formatDuration } from '../../bot/messages.js';
import { loadConfig } from '../../config/load.js';
import { gameServiceNames } from '../../config/names.js';
import type { ValheimConfig } from '../../config/schema.js';
import { answersQueries, queryInfo, type ServerInfo } from '../../players/a2s.js';
import { EcsGameServer, ServiceNotFoundError } from '../../server/ecs-game-server.js';
import {
  addressOf,
  GAME_PORT,
  type ServerState,
  type ServerStatus,
  type TaskSnapshot,
  taskIdOf,
} from '../../server/server-status.js';
import { USUAL_START_TIME } from '../../server/start-budget.js';
import { transferFamily, transfersInProgress } from '../../worlds/transfer-task.js';
import type { CommandContext } from '../command-context.js';
import { awsFailure, CliError } from '../errors.js';
import type { Terminal } from '../io.js';

/** How long `valheim status` and `valheim start --wait` wait for the server's answer to an A2S query. */
export const STATUS_QUERY_TIMEOUT_MS = 2000;
/** How long one round of ECS (and EC2) calls may take. */
const AWS_CALL_TIMEOUT_MS = 30_000;

/** Where the A2S query for a server with this public IP goes. */
export type QueryEndpoint = (publicIp: string) => { readonly host: string; readonly port: number };

/** The Steam query port of the game server: the game port + 1. */
export const gameQueryEndpoint: QueryEndpoint = (publicIp) => ({ host: publicIp, port: GAME_PORT + 1 });

/** What the commands that look at (or change) the game server need from outside. */
export interface GameServerDeps {
  readonly term: Terminal;
  readonly ecs: (region: string) => ECSClient;
  /** For the task's public IP (DescribeNetworkInterfaces). @default - an EC2Client in the config's region */
  readonly ec2?: (region: string) => EC2Client;
  /** Where the A2S query goes; tests point it at a loopback responder. @default - public IP, port 2457 */
  readonly queryEndpoint?: QueryEndpoint;
  /** @default 2000 */
  readonly queryTimeoutMs?: number;
}

/** The permissions status/start/stop need, named in "access denied" messages. */
const READ_PERMISSION =
  'ecs:DescribeServices, ecs:ListTasks and ecs:DescribeTasks on the game service, and ec2:DescribeNetworkInterfaces';

/** The stack's game service with one-line errors: the CLI's handle on the server. */
export interface GameServerHandle {
  readonly config: ValheimConfig;
  readonly cluster: string;
  readonly service: string;
  status(): Promise<ServerStatus>;
  setDesiredCount(count: 0 | 1): Promise<void>;
  /** The world transfers (export, import, restore, backup) running or about to: their task ARNs. */
  worldTransfers(): Promise<string[]>;
}

export function connectGameServer(config: ValheimConfig, deps: GameServerDeps): GameServerHandle {
  const { cluster, service } = gameServiceNames(config.stackName);
  const region = config.region;
  let ec2: EC2Client | undefined;
  const ecs = deps.ecs(region);
  const server = new EcsGameServer({
    ecs: sdkEcs(ecs),
    cluster,
    service,
    publicIpOf: async (networkInterfaceId, signal) => {
      // The EC2 SDK is big: loaded only when a running task's address is needed.
      const { publicIpOfNetworkInterface } = await import('../../server/public-ip.js');
      if (!ec2) {
        if (deps.ec2) ec2 = deps.ec2(region);
        else ec2 = new (await import('@aws-sdk/client-ec2')).EC2Client({ region });
      }
      return publicIpOfNetworkInterface(networkInterfaceId, signal, ec2);
    },
  });
  const failure = (error: unknown, action: string, permission: string): CliError => {
    const name = error instanceof Error ? error.name : '';
    if (
      error instanceof ServiceNotFoundError ||
      /^(ClusterNotFoundException|ServiceNotFoundException|ServiceNotActiveException)$/.test(name)
    ) {
      return new CliError(
        `the stack ${config.stackName} is not deployed in ${region} (no ECS service ${service})`,
        'run npm run deploy (or check stackName and region in the config)',
      );
    }
    return awsFailure(error, { action, permission, region });
  };
  return {
    config,
    cluster,
    service,
    async status() {
      try {
        return await server.status(AbortSignal.timeout(AWS_CALL_TIMEOUT_MS));
      } catch (error) {
        throw failure(error, `read the game server's state (ECS service ${service})`, READ_PERMISSION);
      }
    },
    async setDesiredCount(count) {
      try {
        await server.setDesiredCount(count, AbortSignal.timeout(AWS_CALL_TIMEOUT_MS));
      } catch (error) {
        throw failure(
          error,
          `${count === 1 ? 'start' : 'stop'} the game server (ECS service ${service})`,
          `ecs:UpdateService on ${service}`,
        );
      }
    },
    async worldTransfers() {
      const family = transferFamily(config.stackName);
      try {
        return await transfersInProgress(
          sdkEcs(ecs),
          { cluster, taskDefinition: family },
          AbortSignal.timeout(AWS_CALL_TIMEOUT_MS),
        );
      } catch (error) {
        throw failure(
          error,
          `look for world transfers (ECS tasks of ${family})`,
          `ecs:ListTasks on ${cluster}`,
        );
      }
    },
  };
}

/** Asks the running server over A2S; undefined when it does not answer in time. */
export async function askServer(
  publicIp: string,
  deps: GameServerDeps,
  signal?: AbortSignal,
): Promise<ServerInfo | undefined> {
  const { host, port } = (deps.queryEndpoint ?? gameQueryEndpoint)(publicIp);
  try {
    return await queryInfo(host, port, {
      timeoutMs: deps.queryTimeoutMs ?? STATUS_QUERY_TIMEOUT_MS,
      ...(signal && { signal }),
    });
  } catch {
    return undefined;
  }
}

export function isSpot(task: TaskSnapshot): boolean {
  return task.capacityProvider === 'FARGATE_SPOT';
}

export interface StatusOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
  /** Print one JSON object. */
  readonly json?: boolean;
}

export interface StatusDeps extends GameServerDeps {
  /** @default Date.now */
  readonly now?: () => number;
}

/** `valheim status --json`. */
export interface StatusReport {
  readonly stackName: string;
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  readonly state: ServerState;
  /** IP:2456 while the task has a public IP. */
  readonly address: string | null;
  readonly startedAt: string | null;
  readonly uptimeSeconds: number | null;
  readonly task: {
    readonly id: string;
    readonly lastStatus: string;
    readonly desiredStatus: string;
    readonly spot: boolean;
  } | null;
  readonly desiredCount: number;
  readonly runningCount: number;
  readonly pendingCount: number;
  /** answered/no-answer: the A2S query was sent; not-asked: not running, or private/crossplay. */
  readonly query: 'answered' | 'no-answer' | 'not-asked';
  readonly players: { readonly online: number; readonly max: number } | null;
  readonly lastStop: { readonly at: string | null; readonly reason: string | null } | null;
}

/** Reads the state from ECS and, for a running public server, the player count over A2S. */
export async function readStatus(options: StatusOptions, deps: StatusDeps): Promise<StatusReport> {
  const config = loadConfig(options.config);
  const game = connectGameServer(config, deps);
  const status = await game.status();
  const now = (deps.now ?? Date.now)();
  const info =
    status.state === 'running' && status.publicIp && answersQueries(config.server)
      ? await askServer(status.publicIp, deps)
      : null;
  const task = status.state === 'stopped' ? undefined : status.task;
  const startedAt = status.state === 'running' ? task?.startedAt : undefined;
  return {
    stackName: config.stackName,
    region: config.region,
    cluster: game.cluster,
    service: game.service,
    state: status.state,
    address: addressOf(status) ?? null,
    startedAt: startedAt?.toISOString() ?? null,
    uptimeSeconds: startedAt ? Math.max(0, Math.floor((now - startedAt.getTime()) / 1000)) : null,
    task: task
      ? {
          id: taskIdOf(task.taskArn),
          lastStatus: task.lastStatus,
          desiredStatus: task.desiredStatus,
          spot: isSpot(task),
        }
      : null,
    desiredCount: status.desiredCount,
    runningCount: status.runningCount,
    pendingCount: status.pendingCount,
    query: info === null ? 'not-asked' : info ? 'answered' : 'no-answer',
    players: info ? { online: info.players, max: info.maxPlayers } : null,
    lastStop:
      status.state === 'stopped' && status.lastStopped
        ? {
            at: status.lastStopped.stoppedAt?.toISOString() ?? null,
            reason: status.lastStopped.stoppedReason ?? status.lastStopped.stopCode ?? null,
          }
        : null,
  };
}

const STATE_TEXT: Record<ServerState, string> = {
  stopped: 'stopped (start it with: valheim start)',
  starting: `starting (it usually takes ${USUAL_START_TIME} until the world is joinable)`,
  running: 'running',
  stopping: 'stopping (the world is being saved, up to 2 minutes)',
};

/** The status as plain-text lines (the bot's wording, without Discord markdown). */
export function statusLines(report: StatusReport, now: number): string[] {
  const lines = [`state: ${STATE_TEXT[report.state]}`];
  if (report.address) {
    lines.push(
      `address: ${report.address}${report.state === 'running' ? ' (it changes at every start)' : ''}`,
    );
  }
  if (report.uptimeSeconds !== null) lines.push(`uptime: ${formatDuration(report.uptimeSeconds * 1000)}`);
  if (report.task) {
    lines.push(
      `task: ${report.task.lastStatus} on ${report.task.spot ? 'Fargate Spot' : 'Fargate (on-demand)'}`,
    );
  }
  lines.push(
    `tasks: desired ${report.desiredCount} · running ${report.runningCount} · pending ${report.pendingCount}`,
  );
  if (report.state === 'running') {
    if (report.players) lines.push(`players: ${report.players.online}/${report.players.max}`);
    else if (report.query === 'no-answer') lines.push('players: unknown (no answer to the query)');
    else if (report.address) {
      lines.push('players: unknown (private and crossplay servers do not answer the query protocol)');
    }
  }
  if (report.lastStop) {
    const ago = report.lastStop.at ? `${formatDuration(now - Date.parse(report.lastStop.at))} ago` : '';
    const reason = report.lastStop.reason ?? '';
    const detail = [ago, reason && `(${reason})`].filter(Boolean).join(' ');
    if (detail) lines.push(`last stop: ${detail}`);
  }
  return lines;
}

/** `valheim status`: the server's state, address, uptime, task and players. */
export async function status(options: StatusOptions, deps: StatusDeps): Promise<void> {
  const report = await readStatus(options, deps);
  if (options.json) {
    deps.term.out(JSON.stringify(report));
    return;
  }
  for (const line of statusLines(report, (deps.now ?? Date.now)())) deps.term.out(line);
}

/** `valheim status`. */
export function statusCommand({ deps, configOption }: CommandContext<StatusDeps>): Command {
  return new Command('status')
    .description('Show whether the server is stopped, starting, running or stopping, its address and players')
    .option('--json', 'print one JSON object')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Reads the ECS service (desired/running/pending tasks, the task's status, Spot or on-demand, uptime) and
the task's public IP. A running public server is also asked for its players over the Steam query protocol
(UDP 2457, ${STATUS_QUERY_TIMEOUT_MS / 1000} s timeout); private and crossplay servers do not answer it.

Examples:
  npx valheim status
  npx valheim status --json`,
    )
    .action(async (options: { json?: boolean; config: string }) => {
      await status(options, deps);
    });
}
