import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { sdkDocuments } from '../aws/sdk-dynamodb.js';
import { parseWeeklyTime } from '../config/weekly-time.js';
import { DiscordRest } from '../discord/rest-client.js';
import { jsonLogger } from '../log.js';
import { StateStore } from '../monitor/state-store.js';
import { ecsClient } from '../server/aws-game-server.js';
import { eveningStore, runEvening, runOpening } from '../server/scheduled-evening.js';
import { scheduledStart } from '../server/scheduled-start.js';

/*
 * Lambda entry for the schedule's start times and the hour before each (EventBridge Scheduler invokes it
 * asynchronously). With the state table it runs the scheduled evening (countdown posts, a start early by the
 * median start time, skips from Discord); without, it starts at the time. A throw makes Lambda try again
 * (twice, a minute or two apart): that is how a start at the opening waits for a world transfer.
 */
const target = {
  cluster: process.env.ECS_CLUSTER ?? '',
  service: process.env.ECS_SERVICE ?? '',
  transferFamily: process.env.TRANSFER_FAMILY ?? '',
};
const openings = (process.env.SCHEDULE_START ?? '')
  .split(';')
  .map((text) => parseWeeklyTime(text))
  .filter((time) => time !== undefined);
const stateTable = process.env.STATE_TABLE;
const channelId = process.env.NOTICE_CHANNEL_ID;
const tokenParameter = process.env.BOT_TOKEN_PARAMETER;

let dynamo: import('@aws-sdk/client-dynamodb').DynamoDBClient | undefined;

/** The window's runs carry `{ "evening": "window" }`; the start time itself carries nothing. */
export async function handler(event?: { readonly evening?: string }): Promise<void> {
  if (!target.cluster || !target.service || !target.transferFamily) {
    jsonLogger.error(
      'scheduled start misconfigured: ECS_CLUSTER, ECS_SERVICE and TRANSFER_FAMILY must be set',
    );
    return;
  }
  const start = () => scheduledStart(ecsClient, target, jsonLogger);
  if (!stateTable || openings.length === 0) {
    await start();
    return;
  }
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  dynamo ??= new DynamoDBClient({ maxAttempts: 2 });
  const doc = sdkDocuments(dynamo);
  const state = new StateStore(doc, stateTable);
  const rest =
    channelId && tokenParameter
      ? new DiscordRest({
          ...(process.env.DISCORD_API_URL && { baseUrl: process.env.DISCORD_API_URL }),
          botToken: () => readToken(tokenParameter),
          timeoutMs: 4000,
          retryBudgetMs: 5000,
        })
      : undefined;
  const ports = {
    store: eveningStore(doc, stateTable, (from, to) => state.sessions(from, to)),
    ...(rest &&
      channelId && {
        post: async (content: string, nonce: string) => {
          await rest.postToChannel(channelId, { content, allowed_mentions: { parse: [] } }, { nonce });
        },
      }),
    start,
    now: Date.now,
    log: jsonLogger,
  };
  const settings = { openings, timeZone: process.env.TIME_ZONE ?? 'UTC' };
  if (event?.evening !== 'window') {
    jsonLogger.info('scheduled start', { outcome: await runOpening(ports, settings) });
    return;
  }
  const done = await runEvening(ports, settings);
  if (done.length > 0) jsonLogger.info('scheduled evening', { done });
}

let token: Promise<string> | undefined;
function readToken(name: string): Promise<string> {
  token ??= new SSMClient({ maxAttempts: 2 })
    .send(new GetParameterCommand({ Name: name, WithDecryption: true }))
    .then((result) => {
      if (!result.Parameter?.Value) throw new Error(`SSM parameter ${name} is empty`);
      return result.Parameter.Value;
    })
    .catch((error: unknown) => {
      token = undefined;
      throw error;
    });
  return token;
}
