import { ECSClient } from '@aws-sdk/client-ecs';
import { sdkEcs } from '../aws/sdk-ecs.js';
import { EcsGameServer } from './ecs-game-server.js';

/*
 * SDK clients, created once per process (a Lambda container serves many requests). Region and endpoints
 * come from the standard variables (AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_ECS, …), which is how
 * `valheim serve` and the benchmark point them at local fakes. This module is loaded with `import()` so a
 * PING never pays for the SDK, and EC2 is loaded only when a running task's address is needed.
 */
/** The process's one ECS client, shared with the world-transfer commands (/valheim backup). */
export const ecsClient = new ECSClient({ maxAttempts: 2 });

export function awsGameServer(cluster: string, service: string): EcsGameServer {
  return new EcsGameServer({
    ecs: sdkEcs(ecsClient),
    cluster,
    service,
    publicIpOf: async (networkInterfaceId, signal) =>
      (await import('./public-ip.js')).publicIpOfNetworkInterface(networkInterfaceId, signal),
  });
}
