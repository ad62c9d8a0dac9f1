import { setTimeout as delay } from 'node:timers/promises';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { JOIN_CODE_WAIT_MS } from '../../monitor/observe.js';
import { answersQueries } from '../../players/a2s.js';
import { type LogPresence, savedDuringShutdown } from '../../players/log-presence.js';
import { addressOf, type ServerStatus, taskIdOf } from '../../server/server-status.js';
import { USUAL_START_TIME } from '../../server/start-budget.js';
import { type CommandContext, parseMinutes } from '../command-context.js';
import { CliError } from '../errors.js';
import { type LogReadiness, logReadiness } from './log-readiness.js';
import { askServer, connectGameServer, type GameServerDeps, type GameServerHandle } from './status.js';

/** How often --wait looks at ECS (and asks the game). */
export const POLL_INTERVAL_MS = 5000;
export const START_TIMEOUT_MINUTES = 20;
export const STOP_TIMEOUT_MINUTES = 5;

/** Waits, or rejects when the signal aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) => delay(ms, undefined, signal ? { signal } : {});

export interface StartStopDeps extends GameServerDeps {
  /** @default setTimeout from node:timers/promises */
  readonly sleep?: Sleep;
  /** @default Date.now */
  readonly now?: () => number;
  /** For --wait on private and crossplay servers (readiness from the log). @default - a client in the config's region */
  readonly logs?: (region: string) => CloudWatchLogsClient;
}

export interface StartOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
  /** Wait until the world is joinable, then print the address. */
  readonly wait?: boolean;
  /** With wait: give up after this many minutes. @default 20 */
  readonly timeoutMinutes?: number;
}

export interface StopOptions {
  readonly config: string;
  /** Wait until no task is left (the world is saved). */
  readonly wait?: boolean;
  /** With wait: give up after this many minutes. @default 5 */
  readonly timeoutMinutes?: number;
}

/** `valheim start`: desired count 1; with --wait, progress until the world answers, then the address. */
export async function start(options: StartOptions, deps: StartStopDeps): Promise<void> {
  const config = loadConfig(options.config);
  const game = connectGameServer(config, deps);
  const out = (line: string) => deps.term.out(line);
  const before = await game.status();
  switch (before.state) {
    case 'stopping':
      throw new CliError(
        'the server is still stopping (saving the world)',
        'try again in a minute (valheim stop --wait waits until it is done)',
      );
    case 'running': {
      const address = addressOf(before);
      out(`The server is already running${address ? ` at ${address}` : ''}.`);
      if (!options.wait) return;
      break;
    }
    case 'starting':
      out('The server is already starting.');
      if (!options.wait) {
        out('Follow it with: valheim start --wait (or valheim status)');
        return;
      }
      break;
    case 'stopped': {
      // A restore or import writing the world while the game loads it could corrupt both.
      const transfer = (await game.worldTransfers())[0];
      if (transfer) {
        throw new CliError(
          `a world transfer (backup, export, import or restore; task ${taskIdOf(transfer)}) is running, and the world must not change under the game`,
          'wait until it has finished (usually a minute or two), then start again',
        );
      }
      await game.setDesiredCount(1);
      out(`Starting the server: it usually takes ${USUAL_START_TIME} until the world is joinable.`);
      if (!options.wait) {
        out('Check with: valheim status (or wait for it with valheim start --wait)');
        return;
      }
      break;
    }
  }
  const queryable = answersQueries(game.config.server);
  const readiness = queryable ? undefined : await serverLog(game, deps);
  await waitUntilReady(game, options.timeoutMinutes ?? START_TIMEOUT_MINUTES, deps, readiness);
}

async function serverLog(game: GameServerHandle, deps: StartStopDeps): Promise<LogReadiness> {
  const { region, stackName } = game.config;
  // The SDK is loaded only when the log is read, to keep the other commands quick to start.
  const client =
    deps.logs?.(region) ??
    new (await import('@aws-sdk/client-cloudwatch-logs')).CloudWatchLogsClient({ region });
  return logReadiness(client, stackName, region);
}

/**
 * Polls until the world is joinable, by the same signs the bot uses: the game answers the query (public
 * servers), or its log says `Game server connected` (private and crossplay servers; with crossplay it also
 * waits briefly for the join code).
 */
async function waitUntilReady(
  game: GameServerHandle,
  minutes: number,
  deps: StartStopDeps,
  readiness: LogReadiness | undefined,
): Promise<void> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const out = (line: string) => deps.term.out(line);
  const started = now();
  const deadline = now() + minutes * 60_000;
  let lastLine = '';
  let lastTaskArn: string | undefined;
  let loading = false;
  for (;;) {
    const status = await game.status();
    if (status.state === 'stopping' || status.state === 'stopped') {
      throw new CliError(
        `the server is ${status.state} again: it was stopped while starting (valheim stop, the idle stop or a schedule)`,
        'check with valheim status and valheim logs, then start it again',
      );
    }
    if (lastTaskArn && status.task?.taskArn !== lastTaskArn && status.lastStopped?.taskArn === lastTaskArn) {
      const why = status.lastStopped.stoppedReason ?? status.lastStopped.stopCode ?? 'no reason given';
      out(`The task stopped (${why}); ECS starts a new one. valheim logs shows what happened.`);
    }
    lastTaskArn = status.task?.taskArn ?? lastTaskArn;
    const line = progressLine(status);
    if (line !== lastLine) {
      out(line);
      lastLine = line;
    }
    const address = addressOf(status);
    if (status.state === 'running' && status.publicIp && address) {
      if (!loading) {
        out('loading the world…');
        loading = true;
      }
      if (readiness && status.task) {
        const since = status.task.startedAt?.getTime() ?? started - 60 * 60_000;
        const log = await readiness.read(status.task.taskArn, since, AbortSignal.timeout(30_000));
        const crossplay = game.config.server.crossplay;
        const codeLate = log.readyAt !== undefined && now() - log.readyAt >= JOIN_CODE_WAIT_MS;
        if (log.readyAt !== undefined && (!crossplay || log.joinCode || codeLate)) {
          const code = crossplay && log.joinCode ? ` (crossplay join code ${log.joinCode})` : '';
          out(`Ready: join at ${address}${code}`);
          return;
        }
      }
      const info = readiness ? undefined : await askServer(status.publicIp, deps);
      if (info) {
        out(`Ready (${info.players}/${info.maxPlayers} players): join at ${address}`);
        return;
      }
    }
    if (now() >= deadline) {
      throw new CliError(
        `the server was not ready within ${minutes} minute${minutes === 1 ? '' : 's'} (${loading ? (readiness ? 'its log never said "Game server connected"' : 'the world did not answer the query') : lastLine})`,
        'check what it is doing with valheim logs (it keeps starting; valheim stop gives up)',
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

/** One line per ECS change: PROVISIONING → PENDING → RUNNING (with the IP once it has one). */
function progressLine(status: ServerStatus): string {
  const task = status.task;
  if (!task) return 'ECS: waiting for a task to be placed…';
  const id = taskIdOf(task.taskArn).slice(0, 8);
  if (task.lastStatus === 'RUNNING') {
    return status.publicIp
      ? `ECS task ${id}: RUNNING at ${status.publicIp}`
      : `ECS task ${id}: RUNNING (waiting for its public IP)`;
  }
  return `ECS task ${id}: ${task.lastStatus}`;
}

/** `valheim stop`: desired count 0; with --wait, until no task is left (the world is saved). */
export async function stop(options: StopOptions, deps: StartStopDeps): Promise<void> {
  const config = loadConfig(options.config);
  const game = connectGameServer(config, deps);
  const out = (line: string) => deps.term.out(line);
  const before = await game.status();
  if (before.state === 'stopped') {
    out('The server is already stopped.');
    return;
  }
  if (before.state === 'stopping') {
    out('The server is already stopping (saving the world).');
  } else {
    await game.setDesiredCount(0);
    out('Stopping the server: the game saves the world as it shuts down (it has up to 2 minutes).');
  }
  if (!options.wait) {
    out('Check with: valheim status (or wait for it with valheim stop --wait)');
    return;
  }

  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const minutes = options.timeoutMinutes ?? STOP_TIMEOUT_MINUTES;
  const stopAt = now();
  const deadline = stopAt + minutes * 60_000;
  out('saving the world…');
  for (;;) {
    const status = await game.status();
    if (status.state === 'stopped') {
      const taskArn = before.task?.taskArn;
      out(await shutdownSave(game, taskArn, stopAt, deps));
      return;
    }
    if (status.state === 'starting' || status.state === 'running') {
      throw new CliError(
        'the server was started again while it was stopping',
        'check with valheim status (someone ran start, or a schedule did)',
      );
    }
    if (now() >= deadline) {
      const left = status.task ? ` (task ${status.task.lastStatus})` : '';
      throw new CliError(
        `the server has not stopped within ${minutes} minute${minutes === 1 ? '' : 's'}${left}`,
        'check valheim status and valheim logs; ECS ends the task at the latest 2 minutes after the stop signal',
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

/** How long after the task stopped its last log lines may take to arrive in CloudWatch Logs. */
const LOG_ARRIVAL_READS = 3;

/**
 * What the task's own log says about the shutdown save: "the world is saved" only when a save line follows
 * the shutdown line; a failed save fails the command; no such lines are said as unknown, never as saved.
 */
async function shutdownSave(
  game: GameServerHandle,
  taskArn: string | undefined,
  stopAt: number,
  deps: StartStopDeps,
): Promise<string> {
  if (!taskArn) return 'Stopped: no task is left (none had started, so there was nothing to save).';
  const log = await serverLog(game, deps);
  const sleep = deps.sleep ?? realSleep;
  // A minute of margin for clocks; the read is of this task's stream only.
  const since = stopAt - 60_000;
  let presence: LogPresence | undefined;
  for (let read = 1; read <= LOG_ARRIVAL_READS; read++) {
    presence = await log.read(taskArn, since, AbortSignal.timeout(30_000));
    if (savedDuringShutdown(presence) === true || presence.saveError) break;
    if (read < LOG_ARRIVAL_READS) await sleep(POLL_INTERVAL_MS);
  }
  const failed = presence?.saveError;
  if (failed && failed.at >= (presence?.shutdownAt ?? since)) {
    throw new CliError(
      `the server stopped, but its log shows the shutdown save failed (${failed.detail || 'Error saving world'})`,
      'the world on EFS is as of its last good save: see valheim logs --since 1h, and valheim world backups for the copies',
    );
  }
  if (savedDuringShutdown(presence) === true) {
    return 'Stopped: no task is left, and its log shows the world was saved on shutdown.';
  }
  return 'Stopped: no task is left, but its log shows no save after the stop signal, so whether the last minutes were saved is unknown — see valheim logs --since 15m (earlier saves, backups and snapshots are unaffected).';
}

/** `valheim start`. */
export function startCommand({ deps, configOption }: CommandContext<StartStopDeps>): Command {
  return new Command('start')
    .description('Start the server (ECS desired count 1); with --wait, until the world is joinable')
    .option('--wait', 'print the progress and wait until the world is joinable, then print the address')
    .option(
      '--timeout <minutes>',
      'with --wait: give up after this many minutes',
      parseMinutes,
      START_TIMEOUT_MINUTES,
    )
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Does nothing when the server is already starting or running (with --wait it still waits), and refuses
while it is stopping. --wait looks every ${POLL_INTERVAL_MS / 1000} s: ECS PROVISIONING → PENDING → RUNNING, then
"loading the world…" until the game answers the Steam query (UDP 2457). Private and crossplay servers do
not answer it: for them the address is printed as soon as the task runs. The address changes at every start.

Examples:
  npx valheim start
  npx valheim start --wait --timeout 30`,
    )
    .action(async (options: { wait?: boolean; timeout: number; config: string }) => {
      await start({ config: options.config, wait: options.wait, timeoutMinutes: options.timeout }, deps);
    });
}

/** `valheim stop`. */
export function stopCommand({ deps, configOption }: CommandContext<StartStopDeps>): Command {
  return new Command('stop')
    .description('Stop the server (ECS desired count 0); the world is saved on shutdown')
    .option('--wait', "wait until no task is left, then say whether the task's log shows the shutdown save")
    .option(
      '--timeout <minutes>',
      'with --wait: give up after this many minutes',
      parseMinutes,
      STOP_TIMEOUT_MINUTES,
    )
    .addOption(configOption())
    .addHelpText(
      'after',
      `
The game gets up to 2 minutes to save the world before ECS ends the task. Players are disconnected.

Example:
  npx valheim stop --wait`,
    )
    .action(async (options: { wait?: boolean; timeout: number; config: string }) => {
      await stop({ config: options.config, wait: options.wait, timeoutMinutes: options.timeout }, deps);
    });
}
