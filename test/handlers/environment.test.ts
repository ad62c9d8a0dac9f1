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
