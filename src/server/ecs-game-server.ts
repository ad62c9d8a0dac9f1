import type { Task } from '@aws-sdk/client-ecs';
import type { EcsApi } from '../aws/ecs.js';
import type { GameServer } from './game-server.js';
import {
  currentTask,
  deriveState,
  lastStoppedTask,
  type ServerStatus,
  type ServiceSnapshot,
  type TaskSnapshot,
} from './server-status.js';

export interface EcsGameServerProps {
  /** ECS: the SDK's client (`sdkEcs`) or the light one (`lightEcs`, the interactions Lambda). */
  readonly ecs: EcsApi;
  /** Finds the public IP of a task's network interface (EC2 DescribeNetworkInterfaces). */
  readonly publicIpOf: (networkInterfaceId: string, signal: AbortSignal) => Promise<string | undefined>;
  /** Cluster name or ARN. */
  readonly cluster: string;
  /** Service name or ARN. */
  readonly service: string;
}

/** Raised when the configured ECS service does not exist (or is being deleted). */
export class ServiceNotFoundError extends Error {
  override readonly name = 'ServiceNotFoundError';
}

/** The game server as one ECS service whose desired count is 0 (idle) or 1 (playing). */
export class EcsGameServer implements GameServer {
  constructor(private readonly props: EcsGameServerProps) {}

  async status(signal: AbortSignal): Promise<ServerStatus> {
    const { ecs, cluster, service } = this.props;
    // Stopped tasks are listed too: a task saving the world on shutdown has desiredStatus STOPPED.
    const [described, running, stopped] = await Promise.all([
      ecs.describeServices({ cluster, services: [service] }, signal),
      ecs.listTasks({ cluster, serviceName: service, desiredStatus: 'RUNNING' }, signal),
      ecs.listTasks({ cluster, serviceName: service, desiredStatus: 'STOPPED', maxResults: 10 }, signal),
    ]);
    const found = described.services?.[0];
    if (!found || found.status === 'INACTIVE') {
      throw new ServiceNotFoundError(`ECS service "${service}" was not found in cluster "${cluster}"`);
    }
    const snapshot: ServiceSnapshot = {
      desiredCount: found.desiredCount ?? 0,
      runningCount: found.runningCount ?? 0,
      pendingCount: found.pendingCount ?? 0,
    };
    const taskArns = [...(running.taskArns ?? []), ...(stopped.taskArns ?? [])];
    const tasks =
      taskArns.length === 0
        ? []
        : ((await ecs.describeTasks({ cluster, tasks: taskArns }, signal)).tasks ?? [])
            .map(toTaskSnapshot)
            .filter((task): task is TaskSnapshot => task !== undefined);
    const state = deriveState(snapshot, tasks);
    const task = currentTask(tasks);
    const lastStopped = lastStoppedTask(tasks);
    const publicIp =
      task?.networkInterfaceId && task.lastStatus === 'RUNNING'
        ? await this.props.publicIpOf(task.networkInterfaceId, signal)
        : undefined;
    return {
      ...snapshot,
      state,
      ...(task && { task }),
      ...(publicIp && { publicIp }),
      ...(lastStopped && { lastStopped }),
    };
  }

  async setDesiredCount(count: 0 | 1, signal: AbortSignal): Promise<void> {
    const { ecs, cluster, service } = this.props;
    await ecs.updateService({ cluster, service, desiredCount: count }, signal);
  }
}

function toTaskSnapshot(task: Task): TaskSnapshot | undefined {
  if (!task.taskArn) return undefined;
  const eni = task.attachments
    ?.find((attachment) => attachment.type === 'ElasticNetworkInterface')
    ?.details?.find((detail) => detail.name === 'networkInterfaceId')?.value;
  return {
    taskArn: task.taskArn,
    lastStatus: task.lastStatus ?? 'UNKNOWN',
    desiredStatus: task.desiredStatus ?? 'UNKNOWN',
    ...(task.startedAt && { startedAt: task.startedAt }),
    ...(task.stoppedAt && { stoppedAt: task.stoppedAt }),
    ...(task.stoppedReason && { stoppedReason: task.stoppedReason }),
    ...(task.stopCode && { stopCode: task.stopCode }),
    ...(eni && { networkInterfaceId: eni }),
    ...(task.capacityProviderName && { capacityProvider: task.capacityProviderName }),
    ...(task.createdAt && { createdAt: task.createdAt }),
    ...(task.pullStartedAt && { pullStartedAt: task.pullStartedAt }),
    ...(task.pullStoppedAt && { pullStoppedAt: task.pullStoppedAt }),
  };
}
