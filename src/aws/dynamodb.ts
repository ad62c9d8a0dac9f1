import type {
  GetCommandInput,
  PutCommandInput,
  QueryCommandInput,
  UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { marshall, type NativeAttributeValue, unmarshall } from '@aws-sdk/util-dynamodb';
import { AwsClient } from './client.js';

/** An item as the code sees it: plain JavaScript values (the document client's view). */
export type DocumentItem = Record<string, NativeAttributeValue>;

/**
 * The DynamoDB calls the state store and the interaction ledger make, with plain items in and out. Two
 * implementations: the SDK's document client (monitor, CLI: `sdkDocuments`) and this module's light one (the
 * interactions Lambda's hot path). Inputs are the document client's own types, so both read the same.
 */
export interface DocumentTable {
  get(input: GetCommandInput, signal?: AbortSignal): Promise<{ readonly Item?: DocumentItem }>;
  /** Rejects with a `ConditionalCheckFailedException` (by name) when the condition fails. */
  put(input: PutCommandInput, signal?: AbortSignal): Promise<void>;
  update(input: UpdateCommandInput, signal?: AbortSignal): Promise<void>;
  query(
    input: QueryCommandInput,
    signal?: AbortSignal,
  ): Promise<{ readonly Items?: DocumentItem[]; readonly LastEvaluatedKey?: DocumentItem }>;
}

export const DYNAMODB = { signingName: 'dynamodb', endpointPrefix: 'dynamodb', endpointId: 'DYNAMODB' };

/** Like the state store's document client: attributes whose value is undefined are left out. */
const MARSHALL = { removeUndefinedValues: true } as const;

const marshalled = (item: DocumentItem | undefined) => (item ? marshall(item, MARSHALL) : undefined);
const unmarshalled = (item: unknown) =>
  item ? (unmarshall(item as Parameters<typeof unmarshall>[0]) as DocumentItem) : undefined;

/** DynamoDB over the light client (JSON 1.0), marshalled with the SDK's own util-dynamodb (5 KB). */
export function dynamoDocuments(client: AwsClient = new AwsClient(DYNAMODB)): DocumentTable {
  const call = <T>(operation: string, input: object, signal?: AbortSignal) =>
    client.json<T>(`DynamoDB_20120810.${operation}`, input, { version: '1.0', signal });
  return {
    get: async (input, signal) => {
      const { Item } = await call<{ Item?: unknown }>(
        'GetItem',
        { ...input, Key: marshalled(input.Key) },
        signal,
      );
      const item = unmarshalled(Item);
      return item ? { Item: item } : {};
    },
    put: async (input, signal) => {
      await call(
        'PutItem',
        {
          ...input,
          Item: marshalled(input.Item),
          ExpressionAttributeValues: marshalled(input.ExpressionAttributeValues),
        },
        signal,
      );
    },
    update: async (input, signal) => {
      await call(
        'UpdateItem',
        {
          ...input,
          Key: marshalled(input.Key),
          ExpressionAttributeValues: marshalled(input.ExpressionAttributeValues),
        },
        signal,
      );
    },
    query: async (input, signal) => {
      const page = await call<{ Items?: unknown[]; LastEvaluatedKey?: unknown }>(
        'Query',
        {
          ...input,
          ExpressionAttributeValues: marshalled(input.ExpressionAttributeValues),
          ExclusiveStartKey: marshalled(input.ExclusiveStartKey),
        },
        signal,
      );
      const lastKey = unmarshalled(page.LastEvaluatedKey);
      return {
        Items: (page.Items ?? []).map((item) => unmarshalled(item) ?? {}),
        ...(lastKey && { LastEvaluatedKey: lastKey }),
      };
    },
  };
}
