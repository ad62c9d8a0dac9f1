import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TTL_ATTRIBUTE } from '../../src/monitor/state-store.js';

/**
 * The item actions each of the bot's functions needs on the state table: what the StateStore methods of its
 * port (src/bot CommandStore, src/monitor MonitorStore, src/players PresenceStore) send, and nothing else.
 */
export const STATE_TABLE_ACTIONS = {
  /**
   * Commands read the state and claim a start or stop (UpdateItem), keep a `/valheim backup` reply, cache
   * the Cost Explorer figure and dedupe interaction ids (conditional PutItem), and read the play-time ledger
   * (Query).
   */
  interactions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
  /**
   * The monitor reads the state, the log's player list and backup replies, and the ledger (Query: the usual
   * start time, the month for the budget guard); it updates the state, its pending notices and sessions.
   */
  monitor: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
  /** The log processor reads and conditionally replaces the player list. */
  serverLog: ['dynamodb:GetItem', 'dynamodb:PutItem'],
  /**
   * The scheduled evening reads and updates its item per opening (countdowns posted, the start claimed) and
   * reads the ledger (Query: the median start time).
   */
  scheduledStart: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
} as const satisfies Record<string, readonly `dynamodb:${string}`[]>;

export interface StateTableProps {
  /**
   * What happens to the table when it leaves the stack (DeletionPolicy and UpdateReplacePolicy).
   *
   * Destroyed by default: the table holds only the bot's lifecycle state, the server log's player list and
   * the play-time ledger. A fresh table starts from "stopped" and rebuilds the state from ECS at the next
   * tick; the world itself lives on EFS, which is retained.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The bot's memory, shared by the Discord commands, the monitor and the server-log processor: one DynamoDB
 * table keyed `pk` / `sk` (see src/monitor/state-store.ts for the items). On-demand billing costs nothing
 * while nobody plays; encryption uses the key DynamoDB owns (no KMS charge); point-in-time recovery is on
 * (a few KB of state cost a fraction of a cent). Items that only matter for a while (e.g. a `/valheim backup`
 * reply to follow up on) carry an expiry time that DynamoDB's TTL removes them after, free of charge.
 */
export class StateTable extends Construct {
  public readonly table: dynamodb.ITable;

  constructor(scope: Construct, id: string, props: StateTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.DEFAULT,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }

  /** Lets `grantee` perform `actions` (e.g. one of STATE_TABLE_ACTIONS) on the table's items. */
  public grant(grantee: iam.IGrantable, actions: readonly string[]): iam.Grant {
    return this.table.grant(grantee, ...actions);
  }
}
