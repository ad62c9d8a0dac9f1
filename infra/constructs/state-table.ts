import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TTL_ATTRIBUTE } from '../../src/monitor/state-store.js';

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

  /** Lets `grantee` read and write items (the state store's conditional writes included). */
  public grantReadWriteData(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadWriteData(grantee);
  }
}
