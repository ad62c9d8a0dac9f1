import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DocumentTable } from './dynamodb.js';

/** The state table through the AWS SDK's document client: the monitor, the CLI and tests use this one. */
export function sdkDocuments(client: DynamoDBClient): DocumentTable {
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    get: async (input, signal) => {
      const { Item } = await doc.send(new GetCommand(input), { abortSignal: signal });
      return Item ? { Item } : {};
    },
    put: async (input, signal) => {
      await doc.send(new PutCommand(input), { abortSignal: signal });
    },
    update: async (input, signal) => {
      await doc.send(new UpdateCommand(input), { abortSignal: signal });
    },
    query: async (input, signal) => {
      const { Items, LastEvaluatedKey } = await doc.send(new QueryCommand(input), { abortSignal: signal });
      return { Items: Items ?? [], ...(LastEvaluatedKey && { LastEvaluatedKey }) };
    },
  };
}
