/**
 * What the bot knows about the game server at one moment, derived from ECS without side effects so it can
 * be tested without AWS.
 */

export type ServerState = 'stopped' | 'starting' | 'running' | 'stopping';

/** The game's UDP port; Steam's query port is this plus one. */
export const GAME_PORT = 2456;

export interface ServiceSnapshot {
  readonly desiredCount: number;
  readonly runningCount: number;
  readonly pendingCount: number;
}

export interface TaskSnapshot {
  readonly taskArn: string;
  /** ECS lifecycle: PROVISIONING, PENDING, ACTIVATING, RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED. */
  readonly lastStatus: string;
  readonly desiredStatus: string;
  readonly startedAt?: Date;
  readonly stoppedAt?: Date;
  readonly stoppedReason?: string;
  /** ECS's stop code, e.g. "SpotInterruption", "EssentialContainerExited", "ServiceSchedulerInitiated". */
  readonly stopCode?: string;
  /** The elastic network interface Fargate attached, whose association holds the public IP. */
  readonly networkInterfaceId?: string;
  readonly capacityProvider?: string;
  /** When ECS created the task and pulled its images: the first phases of a start (src/monitor/start-phases.ts). */
  readonly createdAt?: Date;
  readonly pullStartedAt?: Date;
  readonly pullStoppedAt?: Date;
}

export interface ServerStatus extends ServiceSnapshot {
  readonly state: ServerState;
  /** The task that is (or is becoming) the server, if any. */
  readonly task?: TaskSnapshot;
  /** Public IPv4 address of the running task, when it has one. */
  readonly publicIp?: string;
  /** The task that stopped most recently (ECS keeps stopped tasks for about an hour). */
  readonly lastStopped?: TaskSnapshot;
}

/** Tasks that still hold (or will hold) the world: anything not fully stopped. */
export function isLive(task: TaskSnapshot): boolean {
  return task.lastStatus !== 'STOPPED';
}

export function deriveState(service: ServiceSnapshot, tasks: readonly TaskSnapshot[]): ServerState {
  const live = tasks.filter(isLive);
  const stillShuttingDown = live.some((task) => task.desiredStatus === 'STOPPED');
  if (service.desiredCount > 0) {
    const up = live.some((task) => task.desiredStatus === 'RUNNING' && task.lastStatus === 'RUNNING');
    // A replacement waiting for the old task to save and exit is still "starting".
    return up && service.runningCount > 0 ? 'running' : 'starting';
  }
  return stillShuttingDown || service.runningCount > 0 || service.pendingCount > 0 ? 'stopping' : 'stopped';
}

/** The task to report on: the one meant to run, else the one shutting down. */
export function currentTask(tasks: readonly TaskSnapshot[]): TaskSnapshot | undefined {
  const live = tasks.filter(isLive);
  return live.find((task) => task.desiredStatus === 'RUNNING') ?? live[0];
}

export function lastStoppedTask(tasks: readonly TaskSnapshot[]): TaskSnapshot | undefined {
  return tasks
    .filter((task) => task.lastStatus === 'STOPPED')
    .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))[0];
}

/** The ECS task ID (last part of the ARN), which also names the task's log stream. */
export function taskIdOf(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf('/') + 1);
}

export function addressOf(status: ServerStatus): string | undefined {
  return status.publicIp ? `${status.publicIp}:${GAME_PORT}` : undefined;
}
