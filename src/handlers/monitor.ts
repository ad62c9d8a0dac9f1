import type { EventBridgeEvent } from 'aws-lambda';
import { jsonLogger } from '../log.js';
import { awsMonitorPorts } from '../monitor/aws-ports.js';
import { readMonitorEnvironment } from '../monitor/environment.js';
import { reportTransfer, runMonitorTick, type TickTrigger } from '../monitor/monitor.js';
import { isMonthlySummaryEvent, postMonthlySummary } from '../monitor/monthly-summary.js';
import { WAKE_EVENT_DETAIL_TYPE } from '../monitor/wake-event.js';

/*
 * Lambda entry for the monitor: ECS task state changes of the game cluster, a one-minute schedule that is
 * enabled only while a server is up, and wake-ups from the log Lambda (server ready, join code, failed save). Failures are logged, not thrown: EventBridge would retry a
 * stale tick, and the next one re-reads everything anyway.
 */
const environment = readMonitorEnvironment(process.env);
const ports = awsMonitorPorts(environment, jsonLogger);
if (environment.snapshotProblems) {
  jsonLogger.error('monitor snapshot settings are wrong', { problems: environment.snapshotProblems });
}

export async function handler(event: EventBridgeEvent<string, unknown>): Promise<void> {
  // The first of the month (EventBridge Scheduler): last month's summary for the notice channel.
  if (isMonthlySummaryEvent(event)) {
    const cost = environment.settings.summary;
    if (!cost) return;
    await postMonthlySummary(ports, cost).catch((error: unknown) =>
      jsonLogger.error('monthly summary failed', { error }),
    );
    return;
  }
  const trigger = triggerOf(event['detail-type']);
  try {
    // Transfer tasks share the cluster: report their outcome, and leave the game's lifecycle alone.
    if (trigger === 'task-event' && environment.transferFamily) {
      if (await reportTransfer(ports, event.detail, environment.transferFamily)) return;
      if ((event.detail as { group?: string } | undefined)?.group === `family:${environment.transferFamily}`)
        return;
    }
    await runMonitorTick(ports, environment.settings, trigger);
  } catch (error) {
    jsonLogger.error('monitor tick failed', { trigger, error });
  }
}

function triggerOf(detailType: string): TickTrigger {
  if (detailType === 'ECS Task State Change') return 'task-event';
  return detailType === WAKE_EVENT_DETAIL_TYPE ? 'log-news' : 'schedule';
}
