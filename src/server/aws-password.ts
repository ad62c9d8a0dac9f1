import type { AwsClient } from '../aws/client.js';

/* Loaded by `/valheim password` through the interactions backends: SSM over the light client. */
export const SSM = { signingName: 'ssm', endpointPrefix: 'ssm', endpointId: 'SSM' };

/** The server password from its SecureString parameter, or undefined when none was stored yet. */
export async function readServerPassword(
  parameterName: string,
  signal: AbortSignal | undefined,
  client: AwsClient,
): Promise<string | undefined> {
  try {
    const result = await client.json<{ Parameter?: { Value?: string } }>(
      'AmazonSSM.GetParameter',
      { Name: parameterName, WithDecryption: true },
      { version: '1.1', signal },
    );
    return result.Parameter?.Value || undefined;
  } catch (error) {
    if ((error as Error).name === 'ParameterNotFound') return undefined;
    throw error;
  }
}
