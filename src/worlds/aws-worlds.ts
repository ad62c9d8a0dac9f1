import type { AwsClient } from '../aws/client.js';
import type { DocumentTable } from '../aws/dynamodb.js';
import { isConditionFailure, releaseLease, takeLease } from '../aws/lease.js';
import {
  type ActiveWorld,
  formatWorldArgs,
  parseWorldArgs,
  type WorldParameterNames,
} from './active-world.js';
import type {
  ActiveWorldStore,
  PendingSwitch,
  SnapshotFacts,
  WorldCatalog,
  WorldRecord,
} from './world-catalog.js';
import { isWorldName, type WorldSettings } from './world-settings.js';

/*
 * The world catalog in the state table (one item per world: pk WORLD, sk <name>) and the active world in its
 * two SSM parameters. Over the state store's DocumentTable (the SDK's or the light one) and a two-call SSM
 * port, so the interactions Lambda runs them on its light client. Loaded with import() where needed.
 */

const PK = 'WORLD';
/** The pending "Stop and switch": its own partition, so that the world list never sees it. */
const SWITCH_KEY = { pk: 'WORLD-SWITCH', sk: 'PENDING' };
/** The lease on world changes (worlds.ts), beside the pending switch. */
const LOCK_KEY = { pk: 'WORLD-SWITCH', sk: 'LOCK' };

export class DynamoWorldCatalog implements WorldCatalog {
  constructor(
    private readonly doc: DocumentTable,
    private readonly tableName: string,
  ) {}

  async list(signal?: AbortSignal): Promise<WorldRecord[]> {
    const records: WorldRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.query(
        {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': PK },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        },
        signal,
      );
      for (const item of page.Items ?? []) {
        const record = recordOf(item);
        if (record) records.push(record);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }

  async get(name: string, signal?: AbortSignal): Promise<WorldRecord | undefined> {
    const { Item } = await this.doc.get(
      { TableName: this.tableName, Key: { pk: PK, sk: name }, ConsistentRead: true },
      signal,
    );
    return Item ? recordOf(Item) : undefined;
  }

  async add(record: WorldRecord, signal?: AbortSignal): Promise<boolean> {
    const { name, ...fields } = record;
    try {
      await this.doc.put(
        {
          TableName: this.tableName,
          Item: { pk: PK, sk: name, ...fields, deletedAt: undefined },
          ConditionExpression: 'attribute_not_exists(pk) OR attribute_exists(deletedAt)',
        },
        signal,
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async setSettings(
    name: string,
    settings: WorldSettings | undefined,
    signal?: AbortSignal,
  ): Promise<boolean> {
    try {
      await this.doc.update(
        {
          TableName: this.tableName,
          Key: { pk: PK, sk: name },
          UpdateExpression: settings ? 'SET settings = :settings' : 'REMOVE settings',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
          ...(settings && { ExpressionAttributeValues: { ':settings': settings } }),
        },
        signal,
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async recordSnapshot(facts: SnapshotFacts, now: number, signal?: AbortSignal): Promise<void> {
    await Promise.all(
      Object.entries(facts.sizes)
        .filter(([name]) => isWorldName(name))
        .map(async ([name, sizeBytes]) => {
          try {
            await this.doc.update(
              {
                TableName: this.tableName,
                Key: { pk: PK, sk: name },
                UpdateExpression:
                  'SET sizeBytes = :size, latestSnapshot = :snapshot, origin = if_not_exists(origin, :found), createdAt = if_not_exists(createdAt, :now) REMOVE deletedAt',
                // Only newer facts (ids sort by time): a late event never replaces a newer snapshot's, nor
                // brings back a world deleted after that snapshot was taken.
                ConditionExpression:
                  '(attribute_not_exists(latestSnapshot) OR latestSnapshot.id < :id) AND (attribute_not_exists(deletedAt) OR deletedAt < :taken)',
                ExpressionAttributeValues: {
                  ':size': sizeBytes,
                  ':snapshot': { id: facts.id, created: facts.created },
                  ':id': facts.id,
                  ':found': 'found',
                  ':now': now,
                  ':taken': Date.parse(facts.created),
                },
              },
              signal,
            );
          } catch (error) {
            if (!isConditionFailure(error)) throw error;
          }
        }),
    );
  }

  async remove(name: string, now: number, signal?: AbortSignal): Promise<void> {
    await this.doc.update(
      {
        TableName: this.tableName,
        Key: { pk: PK, sk: name },
        UpdateExpression:
          'SET deletedAt = :now, origin = if_not_exists(origin, :first), createdAt = if_not_exists(createdAt, :now) REMOVE sizeBytes',
        ExpressionAttributeValues: { ':now': now, ':first': 'first' },
      },
      signal,
    );
  }
  async pendingSwitch(signal?: AbortSignal): Promise<PendingSwitch | undefined> {
    const { Item } = await this.doc.get(
      { TableName: this.tableName, Key: SWITCH_KEY, ConsistentRead: true },
      signal,
    );
    if (!Item || typeof Item.to !== 'string' || typeof Item.at !== 'number') return undefined;
    return { to: Item.to, at: Item.at, ...(typeof Item.by === 'string' && { by: Item.by }) };
  }

  async setPendingSwitch(pending: PendingSwitch, signal?: AbortSignal): Promise<void> {
    await this.doc.put({ TableName: this.tableName, Item: { ...SWITCH_KEY, ...pending } }, signal);
  }

  async clearPendingSwitch(to: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.doc.update(
        {
          TableName: this.tableName,
          Key: SWITCH_KEY,
          UpdateExpression: 'REMOVE #to, #at, #by',
          ConditionExpression: '#to = :to',
          ExpressionAttributeNames: { '#to': 'to', '#at': 'at', '#by': 'by' },
          ExpressionAttributeValues: { ':to': to },
        },
        signal,
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  lockChanges(owner: string, now: number, leaseMs: number, signal?: AbortSignal): Promise<boolean> {
    return takeLease(this.doc, { tableName: this.tableName, key: LOCK_KEY }, owner, now, leaseMs, signal);
  }

  unlockChanges(owner: string, signal?: AbortSignal): Promise<void> {
    return releaseLease(this.doc, { tableName: this.tableName, key: LOCK_KEY }, owner, signal);
  }
}

function recordOf(item: Record<string, unknown>): WorldRecord | undefined {
  const name = item.sk;
  if (typeof name !== 'string' || !isWorldName(name)) return undefined;
  const { pk: _pk, sk: _sk, ...fields } = item;
  return { ...(fields as Omit<WorldRecord, 'name'>), name };
}

/** The two SSM calls the active world needs. */
export interface SsmParameters {
  /** The values of those of `names` that exist. */
  getParameters(
    names: readonly string[],
    signal?: AbortSignal,
  ): Promise<ReadonlyArray<{ readonly Name?: string; readonly Value?: string }>>;
  /** A String parameter, overwritten. */
  putParameter(name: string, value: string, signal?: AbortSignal): Promise<void>;
}

/** SSM over the light client (JSON 1.1): the interactions Lambda's. */
export function lightSsmParameters(client: AwsClient): SsmParameters {
  return {
    getParameters: async (names, signal) =>
      (
        await client.json<{ Parameters?: Array<{ Name?: string; Value?: string }> }>(
          'AmazonSSM.GetParameters',
          { Names: names },
          { version: '1.1', signal },
        )
      ).Parameters ?? [],
    putParameter: async (name, value, signal) => {
      await client.json(
        'AmazonSSM.PutParameter',
        { Name: name, Value: value, Type: 'String', Overwrite: true },
        { version: '1.1', signal },
      );
    },
  };
}

/** The active world's SSM parameters: read both in one call; write the args first, then the name. */
export class SsmActiveWorld implements ActiveWorldStore {
  constructor(
    private readonly ssm: SsmParameters,
    private readonly names: WorldParameterNames,
  ) {}

  async read(signal?: AbortSignal): Promise<ActiveWorld | undefined> {
    const parameters = await this.ssm.getParameters([this.names.name, this.names.args], signal);
    const value = (name: string) => parameters.find((parameter) => parameter.Name === name)?.Value;
    // The args parameter is what the game runs (see active-world.ts); the name follows it.
    const args = value(this.names.args);
    const parsed = args === undefined ? undefined : parseWorldArgs(args);
    if (parsed) return parsed;
    const name = value(this.names.name);
    return name && isWorldName(name) ? { name, args: '' } : undefined;
  }

  async write(world: ActiveWorld, signal?: AbortSignal): Promise<void> {
    await this.ssm.putParameter(this.names.args, formatWorldArgs(world), signal);
    await this.ssm.putParameter(this.names.name, world.name, signal);
  }
}
