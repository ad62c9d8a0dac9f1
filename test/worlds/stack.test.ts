import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from 'vitest';
import { resolveWorldStack } from '../../src/worlds/stack.js';
import { mockAwsClient } from '../support/aws-mock.js';

const ecsMock = mockAwsClient(ECSClient);
const ecs = new ECSClient({ region: 'eu-central-1' });
const config = { stackName: 'valheim-ondemand', region: 'eu-central-1' };

function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

const taskDefinition = {
  taskDefinition: {
    taskDefinitionArn:
      'arn:aws:ecs:eu-central-1:111122223333:task-definition/valheim-ondemand-world-transfer:3',
    containerDefinitions: [
      { name: 'transfer', environment: [{ name: 'BUCKET', value: 'valheim-ondemand-worlds-abc' }] },
    ],
    volumes: [{ name: 'world', efsVolumeConfiguration: { fileSystemId: 'fs-0123456789abcdef0' } }],
  },
};

beforeEach(() => {
  ecsMock.reset();
  ecsMock.on(DescribeTaskDefinitionCommand).resolves(taskDefinition);
  ecsMock.on(DescribeServicesCommand).resolves({
    services: [
      {
        status: 'ACTIVE',
        networkConfiguration: {
          awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-game'] },
        },
      },
    ],
  });
});

describe('resolveWorldStack', () => {
  it('reads the bucket and file system from the transfer task definition, the network from the game service', async () => {
    // When
    const stack = await resolveWorldStack(ecs, config);

    // Then
    expect(ecsMock).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, {
      taskDefinition: 'valheim-ondemand-world-transfer',
    });
    expect(ecsMock).toHaveReceivedCommandWith(DescribeServicesCommand, {
      cluster: 'valheim-ondemand',
      services: ['valheim-ondemand-server'],
    });
    expect(stack).toEqual({
      stackName: 'valheim-ondemand',
      region: 'eu-central-1',
      cluster: 'valheim-ondemand',
      gameService: 'valheim-ondemand-server',
      taskDefinition: 'valheim-ondemand-world-transfer',
      bucket: 'valheim-ondemand-worlds-abc',
      subnets: ['subnet-a', 'subnet-b'],
      securityGroups: ['sg-game'],
      fileSystemArn: 'arn:aws:elasticfilesystem:eu-central-1:111122223333:file-system/fs-0123456789abcdef0',
    });
  });

  it('takes the stack outputs from the environment when given (no DescribeServices then)', async () => {
    const stack = await resolveWorldStack(ecs, config, {
      VALHEIM_WORLD_BUCKET: 'other-bucket',
      VALHEIM_TRANSFER_SUBNETS: 'subnet-x, subnet-y',
      VALHEIM_TRANSFER_SECURITY_GROUP: 'sg-transfer',
    });
    expect(stack).toMatchObject({
      bucket: 'other-bucket',
      subnets: ['subnet-x', 'subnet-y'],
      securityGroups: ['sg-transfer'],
    });
    expect(ecsMock).not.toHaveReceivedCommand(DescribeServicesCommand);
  });

  it('says the stack has no transfer task yet, with the fix', async () => {
    ecsMock
      .on(DescribeTaskDefinitionCommand)
      .rejects(awsError('ClientException', 'Unable to describe task definition.'));
    await expect(resolveWorldStack(ecs, config)).rejects.toThrow(
      'the world-transfer task (ECS task definition valheim-ondemand-world-transfer) is not deployed in eu-central-1 — deploy the current version of the stack (npm run deploy)',
    );
  });

  it('needs the bucket and a network', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: { ...taskDefinition.taskDefinition, containerDefinitions: [{ name: 'transfer' }] },
    });
    await expect(resolveWorldStack(ecs, config)).rejects.toThrow(
      /no BUCKET variable — .*VALHEIM_WORLD_BUCKET/,
    );

    ecsMock.on(DescribeTaskDefinitionCommand).resolves(taskDefinition);
    ecsMock.on(DescribeServicesCommand).resolves({ services: [] });
    await expect(resolveWorldStack(ecs, config)).rejects.toThrow(
      /the network of the game service valheim-ondemand-server is not known — .*TransferSubnets/,
    );
  });

  it('lets other AWS errors through (the CLI words them)', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).rejects(awsError('AccessDeniedException'));
    await expect(resolveWorldStack(ecs, config)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
