import { jsonLogger } from '../log.js';
import { ecsClient } from '../server/aws-game-server.js';
import { scheduledStart } from '../server/scheduled-start.js';

/*
 * Lambda entry for the schedule's start times (EventBridge Scheduler invokes it asynchronously). A throw
 * makes Lambda try again (twice, a minute or two apart): that is how a start waits for a world transfer.
 */
const target = {
  cluster: process.env.ECS_CLUSTER ?? '',
  service: process.env.ECS_SERVICE ?? '',
  transferFamily: process.env.TRANSFER_FAMILY ?? '',
};

export async function handler(): Promise<void> {
  if (!target.cluster || !target.service || !target.transferFamily) {
    jsonLogger.error(
      'scheduled start misconfigured: ECS_CLUSTER, ECS_SERVICE and TRANSFER_FAMILY must be set',
    );
    return;
  }
  await scheduledStart(ecsClient, target, jsonLogger);
}
