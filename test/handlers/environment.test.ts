import { describe, expect, it } from 'vitest';
import { DEFAULT_BUDGET_MS, readInteractionsEnvironment } from '../../src/handlers/environment.js';

const KEY = 'ab'.repeat(32);
const complete = {
  DISCORD_PUBLIC_KEY: KEY,
  DISCORD_GUILD_ID: '234567890123456789',
  ECS_CLUSTER: 'valheim',
  ECS_SERVICE: 'valheim-server',
};

describe('readInteractionsEnvironment', () => {
  it('reads a complete environment with defaults', () => {
    expect(readInteractionsEnvironment(complete)).toEqual({
      publicKeyHex: KEY,
      problems: [],
      commands: {
        guildId: '234567890123456789',
        cluster: 'valheim',
        service: 'valheim-server',
        operatorRoleIds: [],
        budgetMs: DEFAULT_BUDGET_MS,
        passwordVisibleTo: 'members',
        idleStopMinutes: 15,
        emptyStopMinutes: 30,
      },
    });
  });

  it('splits operator roles and reads the budget', () => {
    const env = readInteractionsEnvironment({
      ...complete,
      OPERATOR_ROLE_IDS: '456789012345678901,567890123456789012',
      COMMAND_BUDGET_MS: '1500',
    });
    expect(env.commands?.operatorRoleIds).toEqual(['456789012345678901', '567890123456789012']);
    expect(env.commands?.budgetMs).toBe(1500);
  });

  it.each(['299', '2001', '99999'])(
    'refuses a COMMAND_BUDGET_MS of %s ms, which could miss Discord’s 3 s deadline or always time out',
    (budget) => {
      // Given a budget outside 300–2000 ms / When read / Then it is a problem naming the range
      const env = readInteractionsEnvironment({ ...complete, COMMAND_BUDGET_MS: budget });
      expect(env.commands).toBeUndefined();
      expect(env.problems).toEqual([
        'COMMAND_BUDGET_MS is invalid: expected milliseconds from 300 to 2000 (Discord wants an answer within 3 s)',
      ]);
    },
  );

  it('reads the monitor-related settings', () => {
    const env = readInteractionsEnvironment({
      ...complete,
      STATE_TABLE: 'valheim-state',
      SERVER_PASSWORD_PARAMETER: '/valheim-ondemand/server-password',
      PASSWORD_VISIBLE_TO: 'operators',
      IDLE_STOP_MINUTES: '0',
      EMPTY_STOP_MINUTES: '45',
    });
    expect(env.commands).toMatchObject({
      stateTable: 'valheim-state',
      passwordParameter: '/valheim-ondemand/server-password',
      passwordVisibleTo: 'operators',
      idleStopMinutes: 0,
      emptyStopMinutes: 45,
    });
    expect(readInteractionsEnvironment({ ...complete, PASSWORD_VISIBLE_TO: 'all' }).problems).toEqual([
      'PASSWORD_VISIBLE_TO is invalid: expected "members" or "operators"',
    ]);
  });

  it('treats an empty role list as "every member"', () => {
    expect(
      readInteractionsEnvironment({ ...complete, OPERATOR_ROLE_IDS: '' }).commands?.operatorRoleIds,
    ).toEqual([]);
  });

  describe('world-transfer settings (/valheim backup)', () => {
    const transfer = {
      TRANSFER_TASK_DEFINITION: 'valheim-ondemand-world-transfer',
      TRANSFER_SUBNETS: 'subnet-0123456789abcdef0, subnet-0fedcba9876543210',
      TRANSFER_SECURITY_GROUPS: 'sg-0123456789abcdef0',
      WORLD_BUCKET: 'valheim-ondemand-worlds-111122223333',
      WORLD_NAME: 'Dedicated',
    };

    it('switches backups on when all are set, splitting the lists', () => {
      // Given / When
      const env = readInteractionsEnvironment({ ...complete, ...transfer });
      // Then
      expect(env.commands?.worldTransfer).toEqual({
        taskDefinition: 'valheim-ondemand-world-transfer',
        subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
        securityGroups: ['sg-0123456789abcdef0'],
        bucket: 'valheim-ondemand-worlds-111122223333',
        worldName: 'Dedicated',
      });
      expect(env.commands?.worldTransferProblems).toBeUndefined();
    });

    it('accepts a task definition ARN with a revision', () => {
      const arn = 'arn:aws:ecs:eu-central-1:111122223333:task-definition/valheim-ondemand-world-transfer:7';
      const env = readInteractionsEnvironment({ ...complete, ...transfer, TRANSFER_TASK_DEFINITION: arn });
      expect(env.commands?.worldTransfer?.taskDefinition).toBe(arn);
    });

    it('leaves backups off, without a problem, when none is set (an older stack)', () => {
      const env = readInteractionsEnvironment({ ...complete, WORLD_NAME: ' ' });
      expect(env.commands?.worldTransfer).toBeUndefined();
      expect(env.commands?.worldTransferProblems).toBeUndefined();
    });

    it('names each missing or invalid one, and keeps the other commands', () => {
      // Given a half-configured endpoint
      const env = readInteractionsEnvironment({
        ...complete,
        TRANSFER_TASK_DEFINITION: 'valheim-ondemand-world-transfer',
        TRANSFER_SUBNETS: 'subnet-a;subnet-b',
        WORLD_BUCKET: 'Not_A_Bucket',
        WORLD_NAME: 'My World',
      });
      // Then
      expect(env.problems).toEqual([]);
      expect(env.commands?.worldTransfer).toBeUndefined();
      expect(env.commands?.worldTransferProblems).toEqual([
        'TRANSFER_SUBNETS is invalid: expected comma-separated subnet IDs, e.g. subnet-0123456789abcdef0 (stack output TransferSubnets)',
        'TRANSFER_SECURITY_GROUPS is not set: expected comma-separated security group IDs, e.g. sg-0123456789abcdef0 (stack output TransferSecurityGroup)',
        'WORLD_BUCKET is invalid: expected the world bucket name (stack output WorldBucket)',
        'WORLD_NAME is invalid: expected the world name: letters, digits, "_" or "-"',
      ]);
    });
  });

  it('fails with the variable name when the public key is missing or malformed', () => {
    expect(() => readInteractionsEnvironment({})).toThrow(/DISCORD_PUBLIC_KEY is not set/);
    expect(() => readInteractionsEnvironment({ DISCORD_PUBLIC_KEY: 'xyz' })).toThrow(/64 hex characters/);
  });

  it('lists each missing or invalid command setting by name, keeping the key usable', () => {
    const env = readInteractionsEnvironment({
      DISCORD_PUBLIC_KEY: KEY,
      DISCORD_GUILD_ID: 'abc',
      OPERATOR_ROLE_IDS: 'x',
    });
    expect(env.commands).toBeUndefined();
    expect(env.problems).toEqual([
      'DISCORD_GUILD_ID is invalid: expected the Discord server ID (17–20 digits)',
      'ECS_CLUSTER is not set: expected the ECS cluster name (stack output ClusterName)',
      'ECS_SERVICE is not set: expected the ECS service name (stack output ServiceName)',
      'OPERATOR_ROLE_IDS is invalid: expected comma-separated role IDs, or empty',
    ]);
  });
});
