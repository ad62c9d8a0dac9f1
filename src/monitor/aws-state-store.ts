import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StateStore } from './state-store.js';

/* Loaded with import() by the interactions endpoint: only commands that touch the state pay for DynamoDB. */
export const dynamo = new DynamoDBClient({ maxAttempts: 2 });

export function awsStateStore(tableName: string): StateStore {
  return new StateStore(dynamo, tableName);
}
