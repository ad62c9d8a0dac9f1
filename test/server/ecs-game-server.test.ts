import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from 'vitest';
import { sdkEcs } from '../../src/aws/sdk-ecs.js';
import { EcsGameServer, ServiceNotFoundError } from '../../src/server/ecs-game-server.js';
import { publicIpOfNetworkInterface } from '../../src/server/public-ip.js';
import { mockAwsClient } from '../support/aws-mock.js';

const ecsMock = mockAwsClient(ECSClient);
const ec2Mock = mockAwsClient(EC2Client);
const TASK_ARN = 'arn:aws:ecs:eu-central-1:111122223333:task/valheim/0123456789abcdef';
const OLD_TASK_ARN = 'arn:aws:ecs:eu-central-1:111122223333:task/valheim/fedcba9876543210';

function server() {
  return new EcsGameServer({
    ecs: sdkEcs(new ECSClient({ region: 'eu-central-1' })),
    publicIpOf: (id, signal) =>
      publicIpOfNetworkInterface(id, signal, new EC2Client({ region: 'eu-central-1' })),
    cluster: 'valheim',
    service: 'valheim-server',
  });
}

const runningTask = {
  taskArn: TASK_ARN,
  lastStatus: 'RUNNING',
  desiredStatus: 'RUNNING',
  startedAt: new Date('2026-11-23T19:00:00Z'),
  capacityProviderName: 'FARGATE_SPOT',
  attachments: [
    {
      type: 'ElasticNetworkInterface',
      details: [
        { name: 'subnetId', value: 'subnet-1' },
        { name: 'networkInterfaceId', value: 'eni-0abc' },
      ],
    },
  ],
};

describe('EcsGameServer', () => {
  beforeEach(() => {
    ecsMock.reset();
    ec2Mock.reset();
  });

  it('reports a running task with its public IP', async () => {
    // Given one running task with an ENI that has a public address
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [{ status: 'ACTIVE', desiredCount: 1, runningCount: 1, pendingCount: 0 }],
    });
    ecsMock.on(ListTasksCommand, { desiredStatus: 'RUNNING' }).resolves({ taskArns: [TASK_ARN] });
    ecsMock.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: [] });
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [runningTask] });
    ec2Mock
      .on(DescribeNetworkInterfacesCommand)
      .resolves({ NetworkInterfaces: [{ Association: { PublicIp: '3.120.45.67' } }] });

    // When
    const status = await server().status(AbortSignal.timeout(1000));

    // Then
    expect(status).toMatchObject({
      state: 'running',
      desiredCount: 1,
      runningCount: 1,
      publicIp: '3.120.45.67',
      task: { taskArn: TASK_ARN, capacityProvider: 'FARGATE_SPOT', networkInterfaceId: 'eni-0abc' },
    });
    expect(ecsMock).toHaveReceivedCommandWith(DescribeServicesCommand, {
      cluster: 'valheim',
      services: ['valheim-server'],
    });
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeNetworkInterfacesCommand, {
      NetworkInterfaceIds: ['eni-0abc'],
    });
  });

  it('reports a stopped server without describing tasks or network interfaces', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [{ status: 'ACTIVE', desiredCount: 0, runningCount: 0, pendingCount: 0 }],
    });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });

    const status = await server().status(AbortSignal.timeout(1000));

    expect(status.state).toBe('stopped');
    expect(status.publicIp).toBeUndefined();
    expect(ecsMock).not.toHaveReceivedCommand(DescribeTasksCommand);
    expect(ec2Mock).not.toHaveReceivedCommand(DescribeNetworkInterfacesCommand);
  });

  it('sees a task that is saving the world on shutdown as stopping', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [{ status: 'ACTIVE', desiredCount: 0, runningCount: 0, pendingCount: 0 }],
    });
    ecsMock.on(ListTasksCommand, { desiredStatus: 'RUNNING' }).resolves({ taskArns: [] });
    ecsMock.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: [OLD_TASK_ARN] });
    ecsMock.on(DescribeTasksCommand).resolves({
      tasks: [{ taskArn: OLD_TASK_ARN, lastStatus: 'DEACTIVATING', desiredStatus: 'STOPPED' }],
    });

    const status = await server().status(AbortSignal.timeout(1000));

    expect(status.state).toBe('stopping');
    expect(ec2Mock).not.toHaveReceivedCommand(DescribeNetworkInterfacesCommand);
  });

  it('raises ServiceNotFoundError for a missing or deleted service', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [{ status: 'INACTIVE' }] });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
    await expect(server().status(AbortSignal.timeout(1000))).rejects.toBeInstanceOf(ServiceNotFoundError);

    ecsMock.on(DescribeServicesCommand).resolves({ services: [], failures: [{ reason: 'MISSING' }] });
    await expect(server().status(AbortSignal.timeout(1000))).rejects.toThrow(
      /was not found in cluster "valheim"/,
    );
  });

  it('sets the desired count of this one service', async () => {
    ecsMock.on(UpdateServiceCommand).resolves({});
    await server().setDesiredCount(1, AbortSignal.timeout(1000));
    expect(ecsMock).toHaveReceivedCommandWith(UpdateServiceCommand, {
      cluster: 'valheim',
      service: 'valheim-server',
      desiredCount: 1,
    });
  });

  it('passes AWS errors through for the caller to explain', async () => {
    ecsMock
      .on(UpdateServiceCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(server().setDesiredCount(0, AbortSignal.timeout(1000))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});
