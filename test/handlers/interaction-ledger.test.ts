import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkDocuments } from '../../src/aws/sdk-dynamodb.js';
import { REMEMBER_IDS_SECONDS } from '../../src/discord/replay.js';
import { dynamoInteractionLedger, INTERACTION_PARTITION } from '../../src/handlers/aws-interaction-ledger.js';
import {
  type LocalDynamo,
  type LossyDynamo,
  lightDocumentsAt,
  startDynalite,
  startLossyProxy,
} from '../support/dynalite.js';

const signal = new AbortController().signal;

/* The ledger runs on the light client in the Lambda; the SDK's document client must keep working too. */
const CLIENTS = [
  {
    client: 'the light client',
    direct: (dynamo: LocalDynamo) => lightDocumentsAt(dynamo.endpoint),
    viaLossy: (lossy: LossyDynamo) => lightDocumentsAt(lossy.endpoint, { maxAttempts: 3 }),
  },
  {
    client: 'the SDK document client',
    direct: (dynamo: LocalDynamo) => sdkDocuments(dynamo.client),
    viaLossy: (lossy: LossyDynamo) => sdkDocuments(lossy.client),
  },
];

describe.each(CLIENTS)('interaction ledger in the state table, through $client', ({ direct, viaLossy }) => {
  let dynamo: LocalDynamo;
  let table = 0;
  let name: string;
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(() => dynamo.close());

  async function freshTable(): Promise<string> {
    name = `state-${++table}`;
    await dynamo.createTable(name);
    return name;
  }

  it('lets exactly one of two instances claim the same id, even at the same moment', async () => {
    // Given two Lambda instances sharing the table
    const tableName = await freshTable();
    const a = dynamoInteractionLedger(direct(dynamo), tableName);
    const b = dynamoInteractionLedger(direct(dynamo), tableName);
    // When both claim the same interaction id at once
    const results = await Promise.all([a.claim('1001', signal), b.claim('1001', signal)]);
    // Then one wins, and a later copy is refused
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.claim('1001', signal)).toBe(false);
    expect(await a.claim('1002', signal)).toBe(true);
  });

  it('stores the id with an expiry for the table TTL', async () => {
    const tableName = await freshTable();
    const now = 1_800_000_000_000;
    await dynamoInteractionLedger(direct(dynamo), tableName, () => now).claim('2001', signal);
    const { Item } = await dynamo.client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: INTERACTION_PARTITION }, sk: { S: '2001' } },
      }),
    );
    expect(Number(Item?.expiresAt?.N)).toBe(now / 1000 + REMEMBER_IDS_SECONDS);
  });

  it('recognises its own claim when the answer to its write was lost and the retry failed its condition', async () => {
    // Given a connection that loses the answer to the first PutItem (which DynamoDB applied)
    const tableName = await freshTable();
    const lossy = await startLossyProxy(dynamo);
    try {
      lossy.loseAnswer('PutItem', '"3001"');
      // When the ledger claims the id (the client sends the write again, which now fails its condition)
      const first = await dynamoInteractionLedger(viaLossy(lossy), tableName).claim('3001', signal);
      // Then the claim counts as ours, and the id stays taken for everyone else
      expect(lossy.lost).toBe(1);
      expect(first).toBe(true);
      expect(await dynamoInteractionLedger(direct(dynamo), tableName).claim('3001', signal)).toBe(false);
    } finally {
      await lossy.close();
    }
  });

  it('refuses when the stored claim is someone else’s, even when its own answer was lost too', async () => {
    // Given another instance that claimed the id first
    const tableName = await freshTable();
    expect(await dynamoInteractionLedger(direct(dynamo), tableName).claim('3002', signal)).toBe(true);
    const lossy = await startLossyProxy(dynamo);
    try {
      // When a replay claims it through a connection that loses the first answer
      lossy.loseAnswer('PutItem', '"3002"');
      // Then the copy is refused: the token read back is not its own
      expect(await dynamoInteractionLedger(viaLossy(lossy), tableName).claim('3002', signal)).toBe(false);
      expect(lossy.lost).toBe(1);
    } finally {
      await lossy.close();
    }
  });
});
