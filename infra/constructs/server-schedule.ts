import { Duration, TimeZone } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { windowCrons } from '../../src/config/weekly-next.js';
import { parseWeeklyTime } from '../../src/config/weekly-time.js';
import { acknowledge, nagFinding } from '../validations.js';
import { validateTimeZone, weeklyTimeToCron } from './validation.js';

export interface ServerScheduleProps {
  /** The game server's ECS service. */
  readonly service: ecs.IBaseService;
  /**
   * Weekly times at which the server starts, e.g. ["Fri 19:00"].
   * @default - none
   */
  readonly start?: string[];
  /**
   * Weekly times at which the server stops, e.g. ["Sat 02:00"].
   * @default - none
   */
  readonly stop?: string[];
  /**
   * IANA time zone the times are read in (EventBridge Scheduler follows its daylight-saving changes).
   * @default 'Etc/UTC'
   */
  readonly timeZone?: string;
  /**
   * The function the start times invoke (src/handlers/scheduled-start.ts): it starts the server unless a
   * world transfer runs, as `/valheim start` does. Required when there are start times.
   * @default - none (only allowed without start times)
   */
  readonly startHandler?: lambda.IFunction;
}

/**
 * Fixed start/stop times for groups with regular game nights: one EventBridge Scheduler schedule per time.
 * A stop calls ecs:UpdateService with desired count 0; a start invokes `startHandler`, which refuses while a
 * world transfer runs (a direct UpdateService could boot the game on a world being replaced). Scheduler is
 * free at this volume.
 */
export class ServerSchedule extends Construct {
  public readonly schedules: scheduler.ISchedule[] = [];

  constructor(scope: Construct, id: string, props: ServerScheduleProps) {
    super(scope, id);
    const start = props.start ?? [];
    const stop = props.stop ?? [];
    const timeZone = props.timeZone ?? 'Etc/UTC';
    if (start.length + stop.length === 0) {
      throw new Error('a server schedule needs at least one start or stop time, but none was provided');
    }
    validateTimeZone('schedule time zone', timeZone);
    const starts = start.map((time) => ({ time, cron: weeklyTimeToCron('schedule start time', time) }));
    const stops = stop.map((time) => ({ time, cron: weeklyTimeToCron('schedule stop time', time) }));
    const { startHandler } = props;
    if (starts.length > 0 && !startHandler) {
      throw new Error(
        `start times (${start.join(', ')}) need a startHandler that checks for world transfers, but none was provided`,
      );
    }
    const at = (verb: string, time: string, cron: string) => ({
      description: `${verb} the Valheim server: ${time} (${timeZone})`,
      schedule: scheduler.ScheduleExpression.expression(cron, TimeZone.of(timeZone)),
    });
    // An event delivered hours late (after an outage) would surprise everyone: give up after 30 min.
    const delivery = { maxEventAge: Duration.minutes(30), retryAttempts: 10 };

    if (startHandler && starts.length > 0) {
      const invoker = new iam.Role(this, 'StartRole', {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': props.service.env.account } },
        }),
        description: 'Lets EventBridge Scheduler invoke the function that starts the Valheim server',
      });
      acknowledge(
        invoker,
        `AwsSolutions-IAM5[Resource::${nagFinding(this, `${startHandler.functionArn}:*`)}]`,
        'lambda:InvokeFunction on this one function and its versions (what grantInvoke adds); no other function.',
      );
      starts.forEach(({ time, cron }, index) => {
        this.schedules.push(
          new scheduler.Schedule(this, `Start${index}`, {
            ...at('Start', time, cron),
            target: new targets.LambdaInvoke(startHandler, { role: invoker, ...delivery }),
          }),
        );
        // The hour before: every minute, the handler posts the countdowns and starts early by the median
        // start time. A run that is late is of no use (the next minute comes), so none is retried.
        const weekly = parseWeeklyTime(time);
        (weekly ? windowCrons(weekly) : []).forEach((window, part) => {
          this.schedules.push(
            new scheduler.Schedule(this, `Evening${index}Part${part}`, {
              description: `Countdown and early start before ${time} (${timeZone})`,
              schedule: scheduler.ScheduleExpression.expression(window, TimeZone.of(timeZone)),
              target: new targets.LambdaInvoke(startHandler, {
                role: invoker,
                input: scheduler.ScheduleTargetInput.fromObject({ evening: 'window' }),
                maxEventAge: Duration.minutes(1),
                retryAttempts: 0,
              }),
            }),
          );
        });
      });
    }
    if (stops.length === 0) return;

    // One role for the stop schedules, allowed exactly what they do: set the desired count of this service.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': props.service.env.account } },
      }),
      description: 'Lets EventBridge Scheduler stop the Valheim server',
    });
    const updateService = new iam.PolicyStatement({
      actions: ['ecs:UpdateService'],
      resources: [props.service.serviceArn],
    });
    stops.forEach(({ time, cron }, index) => {
      this.schedules.push(
        new scheduler.Schedule(this, `Stop${index}`, {
          ...at('Stop', time, cron),
          target: new targets.Universal({
            service: 'ecs',
            action: 'updateService',
            role,
            policyStatements: [updateService],
            input: scheduler.ScheduleTargetInput.fromObject({
              Cluster: props.service.cluster.clusterName,
              Service: props.service.serviceName,
              DesiredCount: 0,
            }),
            ...delivery,
          }),
        }),
      );
    });
  }
}
