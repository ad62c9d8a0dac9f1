import type { DocumentTable } from '../aws/dynamodb.js';
import { releaseLease, takeLease } from '../aws/lease.js';
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
  const lease = { tableName, key: LOCK_KEY };
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
    lock: (owner, at, leaseMs, signal) => takeLease(doc, lease, owner, at, leaseMs, signal),
    unlock: (owner, signal) => releaseLease(doc, lease, owner, signal),
    now,
  };
}
