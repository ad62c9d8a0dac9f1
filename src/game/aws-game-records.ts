import type { DocumentTable } from '../aws/dynamodb.js';
import { isConditionFailure } from '../aws/lease.js';
import type { GameRecord } from '../records/game.js';
import type { GameRecords } from './game-record.js';

/**
 * The GAME record in the state table (pk GAME, sk BUILD), over either document table: the SDK's (monitor,
 * CLI: sdkDocuments) or the light client's (the interactions Lambda).
 */
export const GAME_RECORD_KEY = { pk: 'GAME', sk: 'BUILD' } as const;

const FIELDS = ['build', 'branch', 'version', 'since', 'previous', 'preUpdate'] as const;

export class DynamoGameRecords implements GameRecords {
  constructor(
    private readonly documents: DocumentTable,
    private readonly tableName: string,
  ) {}

  async load(signal?: AbortSignal): Promise<GameRecord | undefined> {
    const { Item } = await this.documents.get(
      { TableName: this.tableName, Key: GAME_RECORD_KEY, ConsistentRead: true },
      signal,
    );
    if (!Item || typeof Item.build !== 'string') return undefined;
    const { pk: _pk, sk: _sk, ...record } = Item;
    return record as GameRecord;
  }

  /** UpdateItem (the monitor may not PutItem), conditional on the `since` and build that were read. */
  async save(next: GameRecord, current: GameRecord | undefined, signal?: AbortSignal): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const set: string[] = [];
    const remove: string[] = [];
    for (const field of FIELDS) {
      names[`#${field}`] = field;
      const value = next[field];
      if (value === undefined) remove.push(`#${field}`);
      else {
        set.push(`#${field} = :${field}`);
        values[`:${field}`] = value;
      }
    }
    const condition = current ? '#build = :readBuild AND #since = :readSince' : 'attribute_not_exists(pk)';
    if (current) {
      values[':readBuild'] = current.build;
      values[':readSince'] = current.since;
    }
    try {
      await this.documents.update(
        {
          TableName: this.tableName,
          Key: GAME_RECORD_KEY,
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
        signal,
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
