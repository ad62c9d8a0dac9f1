import type { DocumentTable } from './dynamodb.js';

/** By name: both the SDK and the light client name the error after DynamoDB's code. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Where a lease item lives: the table and the item's key. */
export interface LeaseItem {
  readonly tableName: string;
  readonly key: Readonly<Record<string, string>>;
}

/**
 * Takes a short lease on one item (a conditional write: free, or its holder's lease ran out before `now`).
 * Resolves false when someone else holds it. Changes that must take turns (world switches, the player lists)
 * hold one for the few seconds of their read-modify-write.
 */
export async function takeLease(
  doc: DocumentTable,
  item: LeaseItem,
  owner: string,
  now: number,
  leaseMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await doc.update(
      {
        TableName: item.tableName,
        Key: item.key,
        UpdateExpression: 'SET #owner = :owner, #until = :until',
        ConditionExpression: 'attribute_not_exists(#owner) OR #until < :now',
        ExpressionAttributeNames: { '#owner': 'owner', '#until': 'until' },
        ExpressionAttributeValues: { ':owner': owner, ':until': now + leaseMs, ':now': now },
      },
      signal,
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Gives a lease back, only if `owner` still holds it (a lease that ran out and was taken is left alone). */
export async function releaseLease(
  doc: DocumentTable,
  item: LeaseItem,
  owner: string,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await doc.update(
      {
        TableName: item.tableName,
        Key: item.key,
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
}
