import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CloudWatchLogsEvent } from 'aws-lambda';
import { jsonLogger } from '../log.js';
import { StateStore } from '../monitor/state-store.js';
import { decodeLogsPayload, ingestLogBatch } from '../players/log-ingest.js';

/*
 * Lambda entry for the game server's log subscription (only the lines about players and readiness are
 * forwarded). It records who is on, for crossplay and private servers whose count the query cannot give.
 */
const tableName = process.env.STATE_TABLE;
const store = tableName ? new StateStore(new DynamoDBClient({}), tableName) : undefined;

export async function handler(event: CloudWatchLogsEvent): Promise<void> {
  if (!store) {
    jsonLogger.error('server-log handler misconfigured: STATE_TABLE is not set');
    return;
  }
  let batch: ReturnType<typeof decodeLogsPayload>;
  try {
    batch = decodeLogsPayload(event.awslogs.data);
  } catch (error) {
    jsonLogger.error('unreadable log subscription payload', { error });
    return;
  }
  // Errors propagate: CloudWatch Logs retries the delivery, and re-applying a batch is harmless.
  const applied = await ingestLogBatch(batch, store, jsonLogger);
  jsonLogger.info('server log batch', { lines: batch.logEvents.length, applied, stream: batch.logStream });
}
