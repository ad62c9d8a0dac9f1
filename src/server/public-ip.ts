import type { EC2Client } from '@aws-sdk/client-ec2';

/*
 * The EC2 client is large (~0.8 MB bundled, a few hundred ms to load on a small Lambda): imported only when a
 * running task's address is actually needed, and kept for the next call. Imported lazily here too (not only
 * this module), so that the bundled CLI, where this module is part of the one script, does not load it at
 * every start.
 */
let ec2: Promise<EC2Client> | undefined;

function defaultClient(): Promise<EC2Client> {
  ec2 ??= import('@aws-sdk/client-ec2').then(({ EC2Client }) => new EC2Client({ maxAttempts: 2 }));
  return ec2;
}

/** The public IPv4 address associated with a network interface, if any. */
export async function publicIpOfNetworkInterface(
  networkInterfaceId: string,
  signal: AbortSignal,
  client?: EC2Client,
): Promise<string | undefined> {
  const { DescribeNetworkInterfacesCommand } = await import('@aws-sdk/client-ec2');
  const result = await (client ?? (await defaultClient())).send(
    new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [networkInterfaceId] }),
    { abortSignal: signal },
  );
  return result.NetworkInterfaces?.[0]?.Association?.PublicIp;
}
