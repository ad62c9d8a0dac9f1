import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { MONTHLY_SUMMARY_EVENT } from '../../src/monitor/monthly-summary.js';
import { acknowledge, nagFinding } from '../validations.js';
import { validateTimeZone } from './validation.js';

export interface MonthlySummaryScheduleProps {
  /** The monitor function, which posts the summary to the notice channel. */
  readonly monitor: lambda.IFunction;
  /**
   * IANA time zone of "the first of the month, at noon".
   * @default 'Etc/UTC'
   */
  readonly timeZone?: string;
}

/**
 * Once a month, at noon on the first day in the group's time zone, EventBridge Scheduler asks the monitor to
 * post last month's summary (sessions, hours, estimate, play per day) in the notice channel. Scheduler's
 * free tier covers one invocation a month many times over.
 */
export class MonthlySummarySchedule extends Construct {
  public readonly schedule: scheduler.ISchedule;

  constructor(scope: Construct, id: string, props: MonthlySummaryScheduleProps) {
    super(scope, id);
    const timeZone = props.timeZone ?? 'Etc/UTC';
    validateTimeZone('monthly summary time zone', timeZone);
    // Its own role, so the invoke permission (which CDK grants on the function and its versions) is acknowledged
    // where it is.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: "Lets EventBridge Scheduler ask the Valheim monitor for last month's summary",
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `Posts last month's Valheim play and cost summary (1st of the month, 12:00 ${timeZone})`,
      // Every field is given: a left-out CronOptions field means "every", and minute "*" would fire 60 times.
      schedule: scheduler.ScheduleExpression.cron({
        minute: '0',
        hour: '12',
        day: '1',
        month: '*',
        year: '*',
        timeZone: TimeZone.of(timeZone),
      }),
      target: new targets.LambdaInvoke(props.monitor, {
        role,
        input: scheduler.ScheduleTargetInput.fromObject(MONTHLY_SUMMARY_EVENT),
        // A summary a day late is still useful; one posted twice is not: no retries after a delivery.
        maxEventAge: Duration.hours(24),
        retryAttempts: 2,
      }),
    });
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::${nagFinding(this, `${props.monitor.functionArn}:*`)}]`,
      'CDK grants lambda:InvokeFunction on the monitor and its versions/aliases; the role can invoke that one function only.',
    );
  }
}
