import { randomUUID } from 'node:crypto';
import type { DocumentTable } from '../aws/dynamodb.js';
import { isConditionFailure } from '../aws/lease.js';
import { type InteractionLedger, REMEMBER_IDS_SECONDS } from '../discord/replay.js';
import { TTL_ATTRIBUTE } from '../monitor/state-store.js';

/** Partition of the answered interaction ids in the state table: INTERACTION / <id>. */
export const INTERACTION_PARTITION = 'INTERACTION';

/**
 * The ledger in the state table: one conditional PutItem per interaction, so every Lambda instance agrees
 * on which request came first. Items carry the table's TTL attribute and disappear by themselves; until the
 * TTL sweep removes one, it keeps refusing copies, which is what it is for.
 *
 * Each claim carries a random token. When the client retries a PutItem whose first attempt did succeed (the
 * answer was lost), the retry fails its condition; reading the item back and finding our own token tells that
 * apart from a replay, so a legitimate request is never refused as its own copy.
 */
export function dynamoInteractionLedger(
  table: DocumentTable,
  tableName: string,
  nowMs: () => number = Date.now,
): InteractionLedger {
  return {
    claim: async (interactionId, signal) => {
      const token = randomUUID();
      const key = { pk: INTERACTION_PARTITION, sk: interactionId };
      try {
        await table.put(
          {
            TableName: tableName,
            Item: {
              ...key,
              claim: token,
              [TTL_ATTRIBUTE]: Math.floor(nowMs() / 1000) + REMEMBER_IDS_SECONDS,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
          signal,
        );
        return true;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const { Item } = await table.get({ TableName: tableName, Key: key, ConsistentRead: true }, signal);
      return Item?.claim === token;
    },
  };
}
