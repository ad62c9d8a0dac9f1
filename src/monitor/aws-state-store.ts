import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { sdkDocuments } from '../aws/sdk-dynamodb.js';
import { StateStore } from './state-store.js';

/* Loaded with import() by the interactions endpoint: only commands that touch the state pay for DynamoDB. */
export const dynamo = new DynamoDBClient({ maxAttempts: 2 });

export function awsStateStore(tableName: string): StateStore {
  return new StateStore(sdkDocuments(dynamo), tableName);
}
