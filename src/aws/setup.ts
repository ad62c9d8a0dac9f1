import type { AwsCredentials } from './signature-v4.js';

/** Where requests go and what signs them: resolved once per process, on the first request that needs it. */
export interface AwsSetup {
  readonly region: string;
  /** Current credentials (cached; temporary ones from the SDK's chain are refreshed before they expire). */
  readonly credentials: () => Promise<AwsCredentials>;
  /** Where the credentials came from, for the logs and the docs' comparison. */
  readonly source: 'environment' | 'sdk-chain';
}

/** Raised like the SDK's error of that name, so the bot's message for it stays the same. */
export class CredentialsProviderError extends Error {
  override readonly name = 'CredentialsProviderError';
}

/**
 * A Lambda function gets its role's credentials and its region as environment variables (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION): reading them costs nothing. Anywhere else
 * (`valheim serve` on a laptop with a profile or SSO) the AWS SDK's own chain is loaded, once, to find them.
 */
export function resolveSetup(env: NodeJS.ProcessEnv = process.env): Promise<AwsSetup> {
  const fromEnvironment = environmentCredentials(env);
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (fromEnvironment && region) {
    return Promise.resolve({
      region,
      credentials: () => Promise.resolve(fromEnvironment),
      source: 'environment',
    });
  }
  return sdkChainSetup(region);
}

/** Static keys from the environment, with the session token when there is one (a role's keys need it). */
export function environmentCredentials(env: NodeJS.ProcessEnv): AwsCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env.AWS_SESSION_TOKEN;
  return { accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) };
}

async function sdkChainSetup(regionFromEnv: string | undefined): Promise<AwsSetup> {
  // STS is the smallest client this project already depends on; its config resolves the default chains
  // (profiles, SSO, process, container and instance metadata) and caches and refreshes what it finds.
  const { STSClient } = await import('@aws-sdk/client-sts');
  const client = new STSClient(regionFromEnv ? { region: regionFromEnv } : {});
  let region: string;
  try {
    region = await client.config.region();
  } catch {
    throw new CredentialsProviderError(
      'no AWS region: set AWS_REGION, or a region in the AWS profile (AWS_PROFILE)',
    );
  }
  return {
    region,
    credentials: async () => {
      const found = await client.config.credentials();
      return {
        accessKeyId: found.accessKeyId,
        secretAccessKey: found.secretAccessKey,
        ...(found.sessionToken && { sessionToken: found.sessionToken }),
      };
    },
    source: 'sdk-chain',
  };
}
