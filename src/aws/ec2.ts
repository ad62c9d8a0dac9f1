import { AwsClient, xmlText } from './client.js';

export const EC2 = { signingName: 'ec2', endpointPrefix: 'ec2', endpointId: 'EC2' };

const API_VERSION = '2016-11-15';

/**
 * The public IPv4 address of a network interface (EC2 DescribeNetworkInterfaces over the query protocol),
 * as `publicIpOfNetworkInterface` reads it with the SDK: the interface's association. The SDK's EC2 client
 * is about 1 MB; the one field needed here does not justify loading it on a cold `/valheim status`.
 */
export async function publicIpOfInterface(
  client: AwsClient,
  networkInterfaceId: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const xml = await client.query(
    'DescribeNetworkInterfaces',
    API_VERSION,
    { 'NetworkInterfaceId.1': networkInterfaceId },
    signal,
  );
  const association = /<association>([\s\S]*?)<\/association>/.exec(xml)?.[1];
  return association === undefined ? undefined : xmlText(association, 'publicIp') || undefined;
}

export function ec2Client(): AwsClient {
  return new AwsClient(EC2);
}
