import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as destinations from 'aws-cdk-lib/aws-logs-destinations';
import { Construct } from 'constructs';
import { BundledFunction } from './bundled-function.js';
import { STATE_TABLE_ACTIONS } from './state-table.js';

export interface ServerLogProcessorProps {
  /** Absolute path of the log handler's TypeScript file (it must export `handler`). */
  readonly entry: string;
  /** The game server's log group. */
  readonly logGroup: logs.ILogGroup;
  /**
   * Which lines to forward: only those the handler understands, so that it runs a few times per session
   * rather than for every line steamcmd prints.
   */
  readonly filterPattern: logs.IFilterPattern;
  /** The state table the player list is written to. */
  readonly stateTable: dynamodb.ITable;
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

  constructor(scope: Construct, id: string, props: ServerLogProcessorProps) {
    super(scope, id);
    this.handler = new BundledFunction(this, 'Handler', {
      entry: props.entry,
      description: 'Records players joining and leaving from the Valheim server log',
      logRetention: props.logRetention,
      timeout: Duration.seconds(30),
      // Lambda's default async retries stay on: a lost batch would lose a join or a leave, and applying a
      // batch twice is harmless.
      environment: { STATE_TABLE: props.stateTable.tableName },
    });
    props.stateTable.grant(this.handler, ...STATE_TABLE_ACTIONS.serverLog);

    this.subscription = new logs.SubscriptionFilter(this, 'Subscription', {
      logGroup: props.logGroup,
      filterPattern: props.filterPattern,
      destination: new destinations.LambdaDestination(this.handler.function),
    });
  }
}
