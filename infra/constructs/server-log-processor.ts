import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as destinations from 'aws-cdk-lib/aws-logs-destinations';
import { Construct } from 'constructs';
import { WAKE_EVENT_DETAIL_TYPE, WAKE_EVENT_SOURCE } from '../../src/monitor/wake-event.js';
import { BundledFunction } from './bundled-function.js';
import { STATE_TABLE_ACTIONS } from './state-table.js';

export interface ServerLogProcessorProps {
  /** Absolute path of the log handler's TypeScript file (it must export `handler`). */
  readonly entry: string;
  /** The game server's log group. */
  readonly logGroup: logs.ILogGroup;
  /**
   * Which lines to forward: exactly those the handler understands (every forwarded 5-second shipment is one
   * invocation: about 11 to 15 per play-hour for a replayed three-player session, see `npm run bench`).
   */
  readonly filterPattern: logs.IFilterPattern;
  /**
   * The subscription filter's name, fixed so `/valheim feed` can replace its pattern (PutSubscriptionFilter
   * keys on the name) when an operator mutes a kind of the activity feed.
   * @default 'valheim-players'
   */
  readonly filterName?: string;
  /** The state table the player list is written to. */
  readonly stateTable: dynamodb.ITable;
  /**
   * The monitor to wake at once when the log says the server is joinable, has a new join code or failed to
   * save (through an event on the default bus), rather than at its next minute.
   * @default - no wake-up: the monitor sees the news at its next tick
   */
  readonly monitor?: lambda.IFunction;
  /**
   * How long the processor's own logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Reads who is on the server from its log: a CloudWatch Logs subscription forwards the matching lines to a
 * Lambda, which records them in the state table. Crossplay and private servers answer no player query, so
 * for them the log is the only count the monitor gets.
 */
export class ServerLogProcessor extends Construct {
  public readonly handler: BundledFunction;
  public readonly subscription: logs.SubscriptionFilter;
  /** The subscription filter's name (see `grantFilterChange`). */
  public readonly filterName: string;
  private readonly logGroup: logs.ILogGroup;
  /** Routes the log Lambda's wake-up events to the monitor, when one is given. */
  public readonly wakeRule?: events.Rule;

  constructor(scope: Construct, id: string, props: ServerLogProcessorProps) {
    super(scope, id);
    this.handler = new BundledFunction(this, 'Handler', {
      entry: props.entry,
      description: 'Records players joining and leaving from the Valheim server log',
      logRetention: props.logRetention,
      timeout: Duration.seconds(30),
      // Lambda's default async retries stay on: a lost batch would lose a join or a leave, and applying a
      // batch twice is harmless.
      environment: {
        STATE_TABLE: props.stateTable.tableName,
        ...(props.monitor && { WAKE_EVENT_BUS: 'default' }),
      },
    });
    props.stateTable.grant(this.handler, ...STATE_TABLE_ACTIONS.serverLog);

    if (props.monitor) {
      const stack = Stack.of(this);
      iam.Grant.addToPrincipal({
        grantee: this.handler,
        actions: ['events:PutEvents'],
        resourceArns: [
          stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' }),
        ],
      });
      this.wakeRule = new events.Rule(this, 'WakeMonitor', {
        description:
          'Runs the Valheim monitor at once when the server log says it is ready or failed to save',
        eventPattern: { source: [WAKE_EVENT_SOURCE], detailType: [WAKE_EVENT_DETAIL_TYPE] },
        targets: [new targets.LambdaFunction(props.monitor, { maxEventAge: Duration.minutes(5) })],
      });
    }

    this.filterName = props.filterName ?? 'valheim-players';
    this.logGroup = props.logGroup;
    this.subscription = new logs.SubscriptionFilter(this, 'Subscription', {
      logGroup: props.logGroup,
      filterName: this.filterName,
      filterPattern: props.filterPattern,
      destination: new destinations.LambdaDestination(this.handler.function),
    });
  }

  /**
   * Lets `grantee` replace the filter's pattern (and nothing else of the log group): `/valheim feed` narrows
   * it to the kinds of news not muted, so a muted kind costs no log-Lambda invocations.
   */
  grantFilterChange(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['logs:PutSubscriptionFilter'],
      resourceArns: [this.logGroup.logGroupArn],
    });
  }
}
