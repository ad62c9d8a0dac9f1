import { type ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { sdkEcs } from '../aws/sdk-ecs.js';
import type { Logger } from '../log.js';
import { transfersInProgress } from '../worlds/transfer-task.js';
import { serviceActivity } from './service-activity.js';

/** The game service and the world-transfer task family a scheduled start checks. */
export interface ScheduledStartTarget {
  readonly cluster: string;
  readonly service: string;
  readonly transferFamily: string;
}

/** Thrown (so that Lambda tries again a minute or two later) while a world transfer runs. */
export class TransferRunningError extends Error {
  override readonly name = 'TransferRunningError';
}

/**
 * A start from the schedule (game nights), with the check `/valheim start` makes: never while a world
 * snapshot, import or restore runs, since the game would boot on a world that is being replaced.
 */
export async function scheduledStart(
  ecs: ECSClient,
  target: ScheduledStartTarget,
  log: Logger,
): Promise<'started' | 'already running'> {
  const api = sdkEcs(ecs);
  const transfers = await transfersInProgress(api, {
    cluster: target.cluster,
    taskDefinition: target.transferFamily,
  });
  if (transfers.length > 0) {
    log.warn('scheduled start postponed: a world transfer runs', { tasks: transfers });
    throw new TransferRunningError(
      `a world transfer runs (${transfers.join(', ')}); the scheduled start waits for Lambda's next attempt`,
    );
  }
  const activity = await serviceActivity(api, target.cluster, target.service);
  if (activity.kind === 'absent') throw new Error(`the game service ${target.service} was not found`);
  if (activity.kind === 'active' && activity.desiredCount > 0) {
    log.info('scheduled start: the server already runs');
    return 'already running';
  }
  await ecs.send(
    new UpdateServiceCommand({ cluster: target.cluster, service: target.service, desiredCount: 1 }),
  );
  log.info('scheduled start: desired count set to 1');
  return 'started';
}
