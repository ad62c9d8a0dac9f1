import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import type { ValheimConfig } from '../../config/schema.js';
import type { ModsDeployment } from '../../mods/deployment.js';
import { type Thunderstore, thunderstoreClient } from '../../mods/thunderstore.js';
import { s3Bucket, uploadMods } from '../../mods/upload.js';
import { ModsError } from '../../records/mod-package.js';
import { awsFailure, CliError } from '../errors.js';
import type { Terminal } from '../io.js';
import { describeStack } from '../stack-outputs.js';
import { thunderstoreCacheDir } from './mods-actions.js';

/** What the deploy needs to put the locked mods in the world bucket. */
export interface DeployModsDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly term: Terminal;
  readonly s3?: (region: string) => S3Client;
  readonly cloudFormation?: (region: string) => CloudFormationClient;
  readonly thunderstore?: () => Thunderstore;
}

/** The world bucket of the deployed stack, or undefined before the first deploy. */
export async function deployedWorldBucket(
  config: ValheimConfig,
  deps: DeployModsDeps,
): Promise<string | undefined> {
  const cloudFormation = (deps.cloudFormation ?? ((region) => new CloudFormationClient({ region })))(
    config.region,
  );
  try {
    return (await describeStack(cloudFormation, config.stackName))?.outputs.WorldBucket;
  } catch (error) {
    throw awsFailure(error, {
      action: `read the outputs of stack ${config.stackName}`,
      permission: 'cloudformation:DescribeStacks',
      region: config.region,
    });
  }
}

/** Uploads the locked zips, plans and the players' profiles; one line of what it did. */
export async function uploadDeployMods(
  mods: ModsDeployment,
  config: ValheimConfig,
  bucket: string,
  deps: DeployModsDeps,
): Promise<void> {
  const s3 = (deps.s3 ?? ((region) => new S3Client({ region })))(config.region);
  const thunderstore =
    deps.thunderstore?.() ??
    thunderstoreClient({
      ...(deps.env.VALHEIM_THUNDERSTORE_URL && { baseUrl: deps.env.VALHEIM_THUNDERSTORE_URL }),
      cacheDir: thunderstoreCacheDir(deps.env),
    });
  try {
    const result = await uploadMods(mods, config.server.name, s3Bucket(s3, bucket), thunderstore);
    deps.term.out(
      `Mods: ${result.uploaded} new files in s3://${bucket}/mods (${(result.bytes / 1048576).toFixed(1)} MB), ${result.present} already there.`,
    );
  } catch (error) {
    if (error instanceof ModsError)
      throw new CliError(error.message, error.fix ?? 'see npx valheim mods --help');
    if (error instanceof CliError) throw error;
    throw awsFailure(error, {
      action: `upload the locked mods to s3://${bucket}/mods`,
      permission: 's3:PutObject',
      region: config.region,
    });
  }
}
