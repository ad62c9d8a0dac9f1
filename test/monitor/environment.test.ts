import { describe, expect, it } from 'vitest';
import { readMonitorEnvironment } from '../../src/monitor/environment.js';

const BASE = {
  ECS_CLUSTER: 'valheim',
  ECS_SERVICE: 'valheim-server',
  STATE_TABLE: 'valheim-state',
  POLL_RULE_NAME: 'valheim-ondemand-monitor-poll',
  BOT_TOKEN_PARAMETER: '/valheim-ondemand/discord-bot-token',
  TRANSFER_FAMILY: 'valheim-ondemand-world-transfer',
  AWS_REGION: 'eu-central-1',
};
const SNAPSHOTS = {
  TRANSFER_SUBNETS: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
  TRANSFER_SECURITY_GROUPS: 'sg-0123456789abcdef0',
  WORLD_BUCKET: 'valheim-worlds',
  WORLD_NAME: 'Midgard',
  SNAPSHOT_EVERY_HOURS: '6',
  SNAPSHOT_KEEP_COUNT: '10',
  SNAPSHOT_KEEP_DAYS: '30',
};

describe('the monitor environment (money and snapshots)', () => {
  it('reads the snapshot settings, the hourly price for the stop notice and the budget guard', () => {
    const environment = readMonitorEnvironment({
      ...BASE,
      ...SNAPSHOTS,
      COST_FIXED_MONTHLY: '0.13',
      COST_MONTHLY_LIMIT: '5',
    });
    expect(environment.snapshots).toEqual({
      taskDefinition: 'valheim-ondemand-world-transfer',
      subnets: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
      securityGroups: ['sg-0123456789abcdef0'],
      bucket: 'valheim-worlds',
      worldName: 'Midgard',
      keepCount: 10,
      keepDays: 30,
    });
    expect(environment.settings.lifecycle.snapshotEveryHours).toBe(6);
    // 2 vCPU × 0.04656 + 8 GiB × 0.00511 + 0.005 IPv4 in eu-central-1
    expect(environment.settings.notices.hourlyCost).toBeCloseTo(0.139, 6);
    expect(environment.settings.budget).toEqual({
      monthlyLimitUsd: 5,
      fixedMonthly: 0.13,
      region: 'eu-central-1',
    });
    expect(environment.settings.summary).toEqual({ fixedMonthly: 0.13, region: 'eu-central-1' });
  });

  it('turns snapshots off, saying why, when one of their settings is wrong, and keeps the rest working', () => {
    const environment = readMonitorEnvironment({ ...BASE, ...SNAPSHOTS, WORLD_BUCKET: 'Not A Bucket' });
    expect(environment.snapshots).toBeUndefined();
    expect(environment.snapshotProblems).toEqual([
      'WORLD_BUCKET is invalid: automatic world snapshots are off',
    ]);
    expect(environment.cluster).toBe('valheim');
  });

  it('has no snapshots, no budget and no summary when the stack sets none', () => {
    const environment = readMonitorEnvironment(BASE);
    expect(environment.snapshots).toBeUndefined();
    expect(environment).not.toHaveProperty('snapshotProblems');
    expect(environment.settings).not.toHaveProperty('budget');
    expect(environment.settings).not.toHaveProperty('summary');
  });
});

describe('the monitor environment (worlds)', () => {
  const WORLDS = {
    WORLD_NAME_PARAMETER: '/valheim-ondemand/world/name',
    WORLD_ARGS_PARAMETER: '/valheim-ondemand/world/args',
    WORLD_NAME: 'Midgard',
  };

  it('reads the active world parameters and the first world', () => {
    expect(readMonitorEnvironment({ ...BASE, ...WORLDS }).worlds).toEqual({
      nameParameter: '/valheim-ondemand/world/name',
      argsParameter: '/valheim-ondemand/world/args',
      firstWorld: 'Midgard',
    });
  });

  it('leaves the worlds off, not the monitor, on a stack from before worlds or with a bad first world', () => {
    expect(readMonitorEnvironment(BASE).worlds).toBeUndefined();
    expect(readMonitorEnvironment({ ...BASE, ...WORLDS, WORLD_NAME: 'my world' }).worlds).toBeUndefined();
  });
});
