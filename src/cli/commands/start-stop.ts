import { setTimeout as delay } from 'node:timers/promises';
import { loadConfig } from '../../config/load.js';
import { answersQueries } from '../../players/a2s.js';
import { addressOf, type ServerStatus, taskIdOf } from '../../server/server-status.js';
import { CliError } from '../errors.js';
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
      out('Starting the server: it usually takes 2–4 minutes until the world is joinable.');
      if (!options.wait) {
        out('Check with: valheim status (or wait for it with valheim start --wait)');
        return;
      }
      break;
    }
  }
  await waitUntilReady(game, options.timeoutMinutes ?? START_TIMEOUT_MINUTES, deps);
}

/** Polls until the game answers the query (public) or the task runs with a public IP (private/crossplay). */
async function waitUntilReady(game: GameServerHandle, minutes: number, deps: StartStopDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const out = (line: string) => deps.term.out(line);
  const queryable = answersQueries(game.config.server);
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
      if (!queryable) {
        out(
          `${address} — the task is running; the world may still be loading. Readiness can't be checked: private and crossplay servers do not answer the query protocol (watch valheim logs --follow).`,
        );
        return;
      }
      if (!loading) {
        out('loading the world…');
        loading = true;
      }
      const info = await askServer(status.publicIp, deps);
      if (info) {
        out(`Ready (${info.players}/${info.maxPlayers} players): join at ${address}`);
        return;
      }
    }
    if (now() >= deadline) {
      throw new CliError(
        `the server was not ready within ${minutes} minute${minutes === 1 ? '' : 's'} (${loading ? 'the world did not answer the query' : lastLine})`,
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
    out('Stopping the server: the world is saved on shutdown (up to 2 minutes).');
  }
  if (!options.wait) {
    out('Check with: valheim status (or wait for it with valheim stop --wait)');
    return;
  }

  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const minutes = options.timeoutMinutes ?? STOP_TIMEOUT_MINUTES;
  const deadline = now() + minutes * 60_000;
  out('saving the world…');
  for (;;) {
    const status = await game.status();
    if (status.state === 'stopped') {
      out('Stopped: no task is left and the world is saved.');
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
