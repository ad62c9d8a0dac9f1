import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { CloudWatchLogsEvent } from 'aws-lambda';
import { sdkDocuments } from '../aws/sdk-dynamodb.js';
import { jsonLogger } from '../log.js';
import { StateStore } from '../monitor/state-store.js';
import { WAKE_EVENT_DETAIL_TYPE, WAKE_EVENT_SOURCE } from '../monitor/wake-event.js';
import { decodeLogsPayload, ingestLogBatch } from '../players/log-ingest.js';

/*
 * Lambda entry for the game server's log subscription (only the lines the parser reads are forwarded). It
 * records who is on, for crossplay and private servers whose count the query cannot give, and wakes the
 * monitor when the server became joinable, got a new join code or failed to save.
 */
const tableName = process.env.STATE_TABLE;
const wakeBus = process.env.WAKE_EVENT_BUS;
const store = tableName ? new StateStore(sdkDocuments(new DynamoDBClient({})), tableName) : undefined;
const events = wakeBus ? new EventBridgeClient({}) : undefined;

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
  const { applied, wakeMonitor } = await ingestLogBatch(batch, store, jsonLogger);
  jsonLogger.info('server log batch', {
    lines: batch.logEvents.length,
    applied,
    wakeMonitor,
    stream: batch.logStream,
  });
  if (wakeMonitor && events) {
    // Best effort: the minute tick catches up anyway, so a failed wake-up must not make CloudWatch retry.
    await events
      .send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: wakeBus,
              Source: WAKE_EVENT_SOURCE,
              DetailType: WAKE_EVENT_DETAIL_TYPE,
              Detail: JSON.stringify({ logStream: batch.logStream }),
            },
          ],
        }),
      )
      .catch((error: unknown) => jsonLogger.warn('could not wake the monitor', { error }));
  }
}
