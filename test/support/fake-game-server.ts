import type { GameServer } from '../../src/server/game-server.js';
import type { ServerStatus } from '../../src/server/server-status.js';

/** An in-memory game server whose answers and failures a test scripts. */
export class FakeGameServer implements GameServer {
  readonly desiredCounts: Array<0 | 1> = [];
  statusError: Error | undefined;
  updateError: Error | undefined;
  /** Makes calls hang until aborted, like an unresponsive AWS endpoint. */
  hang = false;

  constructor(public current: ServerStatus) {}

  async status(signal: AbortSignal): Promise<ServerStatus> {
    await this.wait(signal);
    if (this.statusError) throw this.statusError;
    return this.current;
  }

  async setDesiredCount(count: 0 | 1, signal: AbortSignal): Promise<void> {
    await this.wait(signal);
    if (this.updateError) throw this.updateError;
    this.desiredCounts.push(count);
  }

  private wait(signal: AbortSignal): Promise<void> {
    if (!this.hang) return Promise.resolve();
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  }
}

export const STOPPED: ServerStatus = { state: 'stopped', desiredCount: 0, runningCount: 0, pendingCount: 0 };

export const RUNNING: ServerStatus = {
  state: 'running',
  desiredCount: 1,
  runningCount: 1,
  pendingCount: 0,
  publicIp: '3.120.45.67',
  task: {
    taskArn: 'arn:aws:ecs:eu-central-1:111122223333:task/valheim/abc',
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    startedAt: new Date('2026-11-23T19:00:00Z'),
    capacityProvider: 'FARGATE',
  },
};
