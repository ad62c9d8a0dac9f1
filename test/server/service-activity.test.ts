import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from 'vitest';
import { sdkEcs } from '../../src/aws/sdk-ecs.js';
import { serviceActivity } from '../../src/server/service-activity.js';
import { awsError } from '../cli/helpers.js';
import { mockAwsClient } from '../support/aws-mock.js';

const ecsMock = mockAwsClient(ECSClient);
const ecs = sdkEcs(new ECSClient({ region: 'eu-central-1' }));

beforeEach(() => ecsMock.reset());

describe('serviceActivity', () => {
  it.each([
    ['a wanted task', { desiredCount: 1, runningCount: 0, pendingCount: 0 }],
    ['a task still shutting down', { desiredCount: 0, runningCount: 1, pendingCount: 0 }],
    ['a pending task', { desiredCount: 0, runningCount: 0, pendingCount: 1 }],
  ])('is active with %s', async (_case, counts) => {
    // Given
    ecsMock.on(DescribeServicesCommand).resolves({ services: [{ status: 'ACTIVE', ...counts }] });
    // When / Then
    expect(await serviceActivity(ecs, 'c', 's')).toEqual({ kind: 'active', ...counts });
  });

  it('is stopped with no task wanted, running or pending', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .resolves({ services: [{ status: 'ACTIVE', desiredCount: 0, runningCount: 0, pendingCount: 0 }] });
    expect(await serviceActivity(ecs, 'c', 's')).toEqual({ kind: 'stopped' });
  });

  it.each([
    [
      'the cluster is missing',
      () => ecsMock.on(DescribeServicesCommand).rejects(awsError('ClusterNotFoundException')),
    ],
    [
      'the service is deleted',
      () => ecsMock.on(DescribeServicesCommand).resolves({ services: [{ status: 'INACTIVE' }] }),
    ],
    [
      'ECS lists no service',
      () => ecsMock.on(DescribeServicesCommand).resolves({ services: [], failures: [{ reason: 'MISSING' }] }),
    ],
  ])('is absent when %s', async (_case, given) => {
    given();
    expect(await serviceActivity(ecs, 'c', 's')).toEqual({ kind: 'absent' });
  });

  it('passes other AWS errors on', async () => {
    ecsMock.on(DescribeServicesCommand).rejects(awsError('AccessDeniedException'));
    await expect(serviceActivity(ecs, 'c', 's')).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
