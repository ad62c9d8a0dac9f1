import type { DocumentTable } from '../aws/dynamodb.js';
import type { SsmParameters } from '../worlds/aws-worlds.js';
import {
  formatPlayerList,
  PLAYER_LIST_KINDS,
  type PlayerListKind,
  type PlayerListParameterNames,
  type PlayerListPorts,
  type PlayerLists,
  parsePlayerList,
} from './player-lists.js';

/** The lists' change lock: one item in the state table, apart from the worlds' lock. */
const LOCK_KEY = { pk: 'PLAYER-LISTS', sk: 'LOCK' };

/** The lists in their three SSM parameters, changes serialized by a lease in the state table. */
export function awsPlayerLists(
  ssm: SsmParameters,
  names: PlayerListParameterNames,
  doc: DocumentTable,
  tableName: string,
  now: () => Date = () => new Date(),
): PlayerListPorts {
  return {
    read: async (signal) => {
      const parameters = await ssm.getParameters(
        PLAYER_LIST_KINDS.map((kind) => names[kind]),
        signal,
      );
      const value = (kind: PlayerListKind) =>
        parameters.find((parameter) => parameter.Name === names[kind])?.Value;
      return Object.fromEntries(
        PLAYER_LIST_KINDS.map((kind) => [kind, parsePlayerList(value(kind))]),
      ) as unknown as PlayerLists;
    },
    write: (kind, ids, signal) => ssm.putParameter(names[kind], formatPlayerList(ids), signal),
    lock: async (owner, at, leaseMs, signal) => {
      try {
        await doc.update(
          {
            TableName: tableName,
            Key: LOCK_KEY,
            UpdateExpression: 'SET #owner = :owner, #until = :until',
            ConditionExpression: 'attribute_not_exists(#owner) OR #until < :now',
            ExpressionAttributeNames: { '#owner': 'owner', '#until': 'until' },
            ExpressionAttributeValues: { ':owner': owner, ':until': at + leaseMs, ':now': at },
          },
          signal,
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
    unlock: async (owner, signal) => {
      try {
        await doc.update(
          {
            TableName: tableName,
            Key: LOCK_KEY,
            UpdateExpression: 'REMOVE #owner, #until',
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner', '#until': 'until' },
            ExpressionAttributeValues: { ':owner': owner },
          },
          signal,
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },
    now,
  };
}

function isConditionFailure(error: unknown): boolean {
  return (error as Error).name === 'ConditionalCheckFailedException';
}
