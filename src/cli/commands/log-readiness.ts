import type { CloudWatchLogsClient, FilterLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import { serverLogGroupName } from '../../config/names.js';
import { applyLogEvent, emptyPresence, type LogPresence } from '../../players/log-presence.js';
import { LOG_FILTER_PATTERN, parseLogLine } from '../../players/server-log.js';
import { taskIdOf } from '../../server/server-status.js';
import { awsFailure } from '../errors.js';

/**
 * Readiness from the server log, for servers the query protocol cannot ask (private, crossplay): the same
 * lines the bot's log Lambda reads (`Game server connected`, the join code), fetched with the same filter.
 */
export interface LogReadiness {
  /** What the task's log says so far. */
  read(taskArn: string, since: number, signal: AbortSignal): Promise<LogPresence>;
}

/** The awslogs driver names streams PREFIX/CONTAINER/TASK_ID (see GameServer). */
const STREAM_PREFIX = 'valheim/Valheim/';

export function logReadiness(client: CloudWatchLogsClient, stackName: string, region: string): LogReadiness {
  const logGroupName = serverLogGroupName(stackName);
  return {
    async read(taskArn, since, signal) {
      const sdk = await import('@aws-sdk/client-cloudwatch-logs');
      const taskId = taskIdOf(taskArn);
      let presence = emptyPresence(taskId);
      let nextToken: string | undefined;
      do {
        let page: FilterLogEventsCommandOutput;
        try {
          page = await client.send(
            new sdk.FilterLogEventsCommand({
              logGroupName,
              logStreamNames: [`${STREAM_PREFIX}${taskId}`],
              startTime: since,
              filterPattern: LOG_FILTER_PATTERN,
              ...(nextToken && { nextToken }),
            }),
            { abortSignal: signal },
          );
        } catch (error) {
          // No stream yet: the container has not printed anything.
          if (error instanceof Error && error.name === 'ResourceNotFoundException') return presence;
          throw awsFailure(error, {
            action: `read the server log (${logGroupName})`,
            permission: `logs:FilterLogEvents on ${logGroupName}`,
            region,
          });
        }
        for (const entry of page.events ?? []) {
          const event = parseLogLine(entry.message ?? '');
          if (event) presence = applyLogEvent(presence, event, entry.timestamp ?? since);
        }
        nextToken = page.nextToken;
      } while (nextToken);
      return presence;
    },
  };
}
