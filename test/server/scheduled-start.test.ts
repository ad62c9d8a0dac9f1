import {
  DescribeServicesCommand,
  ECSClient,
  ListTasksCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { scheduledStart, TransferRunningError } from '../../src/server/scheduled-start.js';
import { mockAwsClient } from '../support/aws-mock.js';

const ecs = new ECSClient({ region: 'eu-central-1' });
const ecsMock = mockAwsClient(ecs);
const target = { cluster: 'valheim', service: 'valheim-server', transferFamily: 'valheim-world-transfer' };
const stopped = { services: [{ status: 'ACTIVE', desiredCount: 0, runningCount: 0, pendingCount: 0 }] };

beforeEach(() => {
  ecsMock.reset();
  ecsMock.on(DescribeServicesCommand).resolves(stopped);
  ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
  ecsMock.on(UpdateServiceCommand).resolves({});
});

describe('scheduled start', () => {
  it('starts a stopped server when no world transfer runs', async () => {
    expect(await scheduledStart(ecs, target, silentLogger)).toBe('started');
    expect(ecsMock.commandCalls(ListTasksCommand)[0]?.args[0].input).toMatchObject({
      cluster: 'valheim',
      family: 'valheim-world-transfer',
      desiredStatus: 'RUNNING',
    });
    expect(ecsMock.commandCalls(UpdateServiceCommand)[0]?.args[0].input).toEqual({
      cluster: 'valheim',
      service: 'valheim-server',
      desiredCount: 1,
    });
  });

  it('refuses, with an error Lambda retries on, while a world transfer runs', async () => {
    // Given a restore task running at the scheduled time
    ecsMock.on(ListTasksCommand).resolves({ taskArns: ['arn:aws:ecs:eu-central-1:1:task/valheim/restore1'] });
    // When the schedule fires / Then the server is not started
    await expect(scheduledStart(ecs, target, silentLogger)).rejects.toBeInstanceOf(TransferRunningError);
    expect(ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('leaves a server that already runs alone', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .resolves({ services: [{ status: 'ACTIVE', desiredCount: 1, runningCount: 1, pendingCount: 0 }] });
    expect(await scheduledStart(ecs, target, silentLogger)).toBe('already running');
    expect(ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });
});
