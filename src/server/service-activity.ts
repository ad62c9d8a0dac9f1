import type { DescribeServicesResponse } from '@aws-sdk/client-ecs';
import type { EcsApi } from '../aws/ecs.js';

/** Whether the game service exists, and whether a game runs, is about to, or is still shutting down. */
export type ServiceActivity =
  | { readonly kind: 'absent' }
  | { readonly kind: 'stopped' }
  | {
      readonly kind: 'active';
      readonly desiredCount: number;
      readonly runningCount: number;
      readonly pendingCount: number;
    };

/**
 * One DescribeServices call. A missing cluster or service (not deployed yet) is `absent`, not an error: the
 * deploy and the world commands each say what that means for them.
 */
export async function serviceActivity(
  ecs: Pick<EcsApi, 'describeServices'>,
  cluster: string,
  service: string,
  signal?: AbortSignal,
): Promise<ServiceActivity> {
  let described: DescribeServicesResponse;
  try {
    described = await ecs.describeServices({ cluster, services: [service] }, signal);
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ClusterNotFoundException' || name === 'ServiceNotFoundException') return { kind: 'absent' };
    throw error;
  }
  const found = described.services?.[0];
  if (!found || found.status === 'INACTIVE') return { kind: 'absent' };
  const desiredCount = found.desiredCount ?? 0;
  const runningCount = found.runningCount ?? 0;
  const pendingCount = found.pendingCount ?? 0;
  return desiredCount + runningCount + pendingCount > 0
    ? { kind: 'active', desiredCount, runningCount, pendingCount }
    : { kind: 'stopped' };
}
