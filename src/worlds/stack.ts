import {
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  DescribeTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandOutput,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { commaList } from '../config/comma-list.js';
import { gameServiceNames } from '../config/names.js';
import { WorldError } from './errors.js';
import { TRANSFER_CONTAINER, type TransferTarget, transferFamily } from './transfer-task.js';

/** Everything the world commands need to know about the deployed stack. */
export interface WorldStack extends TransferTarget {
  readonly stackName: string;
  readonly region: string;
  /** The world's EFS file system (AWS Backup lists its recovery points by this ARN). */
  readonly fileSystemArn?: string;
  /**
   * The state table (the transfer lock's, the world catalog's and the ledger's): the transfer container's
   * LOCK_TABLE, or VALHEIM_STATE_TABLE. Absent on a stack from before the lock was in the table.
   */
  readonly stateTable?: string;
}

/**
 * Environment variables that override what is read from the stack (e.g. in CI, from the stack outputs
 * WorldBucket, TransferSubnets and TransferSecurityGroup). Lists are comma-separated.
 */
export const WORLD_STACK_ENV = {
  bucket: 'VALHEIM_WORLD_BUCKET',
  subnets: 'VALHEIM_TRANSFER_SUBNETS',
  securityGroups: 'VALHEIM_TRANSFER_SECURITY_GROUP',
  stateTable: 'VALHEIM_STATE_TABLE',
} as const;

/**
 * Finds the world stack's resources with two ECS calls, so the CLI needs nothing but the config (no
 * CloudFormation client, no outputs file that only exists where the deploy ran):
 * - the transfer task definition (`<stack>-world-transfer`): the bucket (its container's BUCKET variable), the
 *   file system (its EFS volume) and the account (its ARN);
 * - the game service (`<stack>-server` in cluster `<stack>`): the subnets and security group the game runs
 *   in, which reach the file system and the internet (public IP, no NAT).
 * The variables in WORLD_STACK_ENV override them.
 */
export async function resolveWorldStack(
  ecs: ECSClient,
  config: { readonly stackName: string; readonly region: string },
  env: NodeJS.ProcessEnv = {},
): Promise<WorldStack> {
  const { stackName, region } = config;
  const { cluster, service: gameService } = gameServiceNames(stackName);
  const family = transferFamily(stackName);

  let definition: DescribeTaskDefinitionCommandOutput;
  try {
    definition = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family }));
  } catch (error) {
    if ((error as Error).name === 'ClientException') throw notDeployed(family, region);
    throw error;
  }
  const taskDefinition = definition.taskDefinition;
  const container = taskDefinition?.containerDefinitions?.find((c) => c.name === TRANSFER_CONTAINER);
  if (!taskDefinition || !container) throw notDeployed(family, region);

  const variable = (name: string) => container.environment?.find((entry) => entry.name === name)?.value;
  const bucket = commaList(env[WORLD_STACK_ENV.bucket])[0] ?? variable('BUCKET');
  const stateTable = env[WORLD_STACK_ENV.stateTable]?.trim() || variable('LOCK_TABLE');
  if (!bucket) {
    throw new WorldError(
      `the world bucket is not known: the transfer task definition ${family} has no BUCKET variable`,
      `deploy the current version (npm run deploy), or set ${WORLD_STACK_ENV.bucket} to the stack output WorldBucket`,
    );
  }

  let subnets = commaList(env[WORLD_STACK_ENV.subnets]);
  let securityGroups = commaList(env[WORLD_STACK_ENV.securityGroups]);
  if (subnets.length === 0 || securityGroups.length === 0) {
    let described: DescribeServicesCommandOutput;
    try {
      described = await ecs.send(new DescribeServicesCommand({ cluster, services: [gameService] }));
    } catch (error) {
      if ((error as Error).name === 'ClusterNotFoundException') throw notDeployed(family, region);
      throw error;
    }
    const network = described.services?.[0]?.networkConfiguration?.awsvpcConfiguration;
    if (subnets.length === 0) subnets = network?.subnets ?? [];
    if (securityGroups.length === 0) securityGroups = network?.securityGroups ?? [];
  }
  if (subnets.length === 0 || securityGroups.length === 0) {
    throw new WorldError(
      `the network of the game service ${gameService} is not known`,
      `deploy the stack (npm run deploy), or set ${WORLD_STACK_ENV.subnets} and ${WORLD_STACK_ENV.securityGroups} to the stack outputs TransferSubnets and TransferSecurityGroup`,
    );
  }

  const fileSystemId = taskDefinition.volumes?.find((v) => v.efsVolumeConfiguration)?.efsVolumeConfiguration
    ?.fileSystemId;
  // arn:<partition>:ecs:<region>:<account>:task-definition/<family>:<revision>
  const [, partition, , , account] = (taskDefinition.taskDefinitionArn ?? '').split(':');
  const fileSystemArn =
    fileSystemId && partition && account
      ? `arn:${partition}:elasticfilesystem:${region}:${account}:file-system/${fileSystemId}`
      : undefined;

  return {
    stackName,
    region,
    cluster,
    gameService,
    taskDefinition: family,
    bucket,
    subnets,
    securityGroups,
    ...(fileSystemArn && { fileSystemArn }),
    ...(stateTable && { stateTable }),
  };
}

function notDeployed(family: string, region: string): WorldError {
  return new WorldError(
    `the world-transfer task (ECS task definition ${family}) is not deployed in ${region}`,
    'deploy the current version of the stack (npm run deploy) and check stackName and region in the config',
  );
}
