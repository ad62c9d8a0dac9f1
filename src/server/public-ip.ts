import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';

/*
 * The EC2 client is large (~1 MB bundled, a few hundred ms to load on a small Lambda), so it lives in its
 * own module, loaded only when a running task's address is actually needed.
 */
const ec2 = new EC2Client({ maxAttempts: 2 });

/** The public IPv4 address associated with a network interface, if any. */
export async function publicIpOfNetworkInterface(
  networkInterfaceId: string,
  signal: AbortSignal,
  client: EC2Client = ec2,
): Promise<string | undefined> {
  const result = await client.send(
    new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [networkInterfaceId] }),
    {
      abortSignal: signal,
    },
  );
  return result.NetworkInterfaces?.[0]?.Association?.PublicIp;
}
