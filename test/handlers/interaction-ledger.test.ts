import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REMEMBER_IDS_SECONDS } from '../../src/discord/replay.js';
import { dynamoInteractionLedger, INTERACTION_PARTITION } from '../../src/handlers/aws-interaction-ledger.js';
import { type LocalDynamo, startDynalite } from '../support/dynalite.js';

const signal = new AbortController().signal;

describe('interaction ledger in the state table', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startDynalite();
    await dynamo.createTable('state');
  });
  afterAll(() => dynamo.close());

  it('lets exactly one of two instances claim the same id, even at the same moment', async () => {
    // Given two Lambda instances sharing the table
    const a = dynamoInteractionLedger(dynamo.client, 'state');
    const b = dynamoInteractionLedger(dynamo.client, 'state');
    // When both claim the same interaction id at once
    const results = await Promise.all([a.claim('1001', signal), b.claim('1001', signal)]);
    // Then one wins, and a later copy is refused
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.claim('1001', signal)).toBe(false);
    expect(await a.claim('1002', signal)).toBe(true);
  });

  it('stores the id with an expiry for the table TTL', async () => {
    const now = 1_800_000_000_000;
    await dynamoInteractionLedger(dynamo.client, 'state', () => now).claim('2001', signal);
    const { Item } = await dynamo.client.send(
      new GetItemCommand({
        TableName: 'state',
        Key: { pk: { S: INTERACTION_PARTITION }, sk: { S: '2001' } },
      }),
    );
    expect(Number(Item?.expiresAt?.N)).toBe(now / 1000 + REMEMBER_IDS_SECONDS);
  });
});

describe('interaction ledger when the SDK retries a write that had succeeded', () => {
  const conditionFailed = () =>
    new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

  it('recognises its own claim and does not refuse the legitimate request', async () => {
    // Given a PutItem whose first attempt succeeded but whose retry fails the condition
    const real = new DynamoDBClient({ region: 'eu-central-1' });
    const mock = mockClient(DynamoDBDocumentClient);
    let written: string | undefined;
    mock.on(PutCommand).callsFake((input: { Item: { claim: string } }) => {
      written = input.Item.claim;
      throw conditionFailed();
    });
    mock.on(GetCommand).callsFake(() => ({ Item: { claim: written } }));
    // When the ledger claims the id
    const first = await dynamoInteractionLedger(real, 'state').claim('3001', signal);
    // Then the claim counts as ours
    expect(first).toBe(true);
    mock.restore();
  });

  it('refuses when the stored claim is someone else’s', async () => {
    const real = new DynamoDBClient({ region: 'eu-central-1' });
    const mock = mockClient(DynamoDBDocumentClient);
    mock.on(PutCommand).rejects(conditionFailed());
    mock.on(GetCommand).resolves({ Item: { claim: 'another-request' } });
    expect(await dynamoInteractionLedger(real, 'state').claim('3002', signal)).toBe(false);
    mock.restore();
  });
});
