import { sdkEcs } from '../aws/sdk-ecs.js';
import {
  assertGameStopped,
  runTransferTask,
  type TransferRequest,
  type TransferResult,
  transferFailure,
} from './transfer-task.js';
import { awsStep, WORLD_PERMISSIONS, type WorldPorts } from './world-ports.js';

/** Runs the transfer task and waits for it, reporting its status; a failure is a WorldError with the fix. */
export async function runTransfer(ports: WorldPorts, request: TransferRequest): Promise<TransferResult> {
  const { report, sleep } = ports;
  const result = await awsStep('run the world-transfer task', WORLD_PERMISSIONS.task, () =>
    runTransferTask(sdkEcs(ports.ecs), ports.stack, request, {
      onStatus: (status, arn) => report.taskStatus(status, arn),
      ...(sleep && { sleep }),
    }),
  );
  if (!result.ok) throw transferFailure(result, request);
  return result;
}

/** Refuses while the game server runs, starts or stops: a world must never change under it. */
export async function requireGameStopped(ports: WorldPorts): Promise<void> {
  const { ecs, stack } = ports;
  await awsStep(
    `check whether the game server (ECS service ${stack.gameService}) runs`,
    WORLD_PERMISSIONS.service,
    () => assertGameStopped(sdkEcs(ecs), stack.cluster, stack.gameService),
  );
}
