import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';

/* Loaded with import() by `/valheim password` only. */
const ssm = new SSMClient({ maxAttempts: 2 });

/** The server password from its SecureString parameter, or undefined when none was stored yet. */
export async function readServerPassword(
  parameterName: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  try {
    const result = await ssm.send(new GetParameterCommand({ Name: parameterName, WithDecryption: true }), {
      abortSignal: signal,
    });
    return result.Parameter?.Value || undefined;
  } catch (error) {
    if (error instanceof ParameterNotFound || (error as Error).name === 'ParameterNotFound') return undefined;
    throw error;
  }
}
