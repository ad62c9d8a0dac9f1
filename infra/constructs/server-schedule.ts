import { Duration, TimeZone } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
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
}

/**
 * Fixed start/stop times for groups with regular game nights: one EventBridge Scheduler schedule per time,
 * each calling ecs:UpdateService with desired count 1 (start) or 0 (stop). Scheduler is free at this volume.
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
    const entries = [
      ...start.map((time) => ({
        time,
        desiredCount: 1,
        cron: weeklyTimeToCron('schedule start time', time),
      })),
      ...stop.map((time) => ({ time, desiredCount: 0, cron: weeklyTimeToCron('schedule stop time', time) })),
    ];

    // One role for all schedules, allowed exactly what they do: set the desired count of this service.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': props.service.env.account } },
      }),
      description: 'Lets EventBridge Scheduler start and stop the Valheim server',
    });
    const updateService = new iam.PolicyStatement({
      actions: ['ecs:UpdateService'],
      resources: [props.service.serviceArn],
    });

    entries.forEach(({ time, desiredCount, cron }, index) => {
      const verb = desiredCount === 1 ? 'Start' : 'Stop';
      const schedule = new scheduler.Schedule(this, `${verb}${index}`, {
        description: `${verb} the Valheim server: ${time} (${timeZone})`,
        schedule: scheduler.ScheduleExpression.expression(cron, TimeZone.of(timeZone)),
        target: new targets.Universal({
          service: 'ecs',
          action: 'updateService',
          role,
          policyStatements: [updateService],
          input: scheduler.ScheduleTargetInput.fromObject({
            Cluster: props.service.cluster.clusterName,
            Service: props.service.serviceName,
            DesiredCount: desiredCount,
          }),
          // A start delivered hours late (after an outage) would surprise everyone: give up after 30 min.
          maxEventAge: Duration.minutes(30),
          retryAttempts: 10,
        }),
      });
      this.schedules.push(schedule);
    });
  }
}
