import { Duration, Stack, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { SNAPSHOTS } from '../../src/worlds/snapshots.js';
import { transferFamily } from '../../src/worlds/transfer-task.js';
import { acknowledge, nagFinding } from '../validations.js';
import type { ActiveWorldParameters } from './active-world-parameters.js';
import { BundledFunction } from './bundled-function.js';
import type { GameServer } from './game-server.js';
import { grantGetParameter } from './parameter-access.js';
import { STATE_TABLE_ACTIONS } from './state-table.js';
import { validateInteger } from './validation.js';
import type { WorldTransfer } from './world-transfer.js';

/** An A record the monitor points at the running task (and removes when the server stops). */
export interface ServerDnsRecord {
  /** The hosted zone holding the record. */
  readonly hostedZone: route53.IHostedZone;
  /** The record's name inside the zone, e.g. "valheim.example.com". */
  readonly recordName: string;
}

/** The monitor's own world snapshots: at the end of every session and every few hours of a long one. */
export interface ServerSnapshots {
  /** The world-transfer task the monitor runs in snapshot mode. */
  readonly transfer: WorldTransfer;
  /** The world bucket the task writes to (the monitor prunes its own snapshots there). */
  readonly bucket: s3.IBucket;
  /** The world the server runs. */
  readonly worldName: string;
  /**
   * Also snapshot every this many hours of a running session; 0 = only at the end.
   * @default 4
   */
  readonly everyHours?: number;
  /**
   * The newest this many automatic snapshots are always kept.
   * @default 20
   */
  readonly keepCount?: number;
  /**
   * Automatic snapshots beyond keepCount are deleted once older than this many days.
   * @default 60
   */
  readonly keepDays?: number;
}

/** The bot's budget guard (the AWS Budget is the e-mail side). */
export interface ServerBudgetGuard {
  /** The month's limit in USD. */
  readonly monthlyLimitUsd: number;
}

export interface ServerMonitorProps {
  /** Absolute path of the monitor handler's TypeScript file (it must export `handler`). */
  readonly entry: string;
  /** The game server to watch (and to stop when it is idle). */
  readonly gameServer: GameServer;
  /** The state table shared with the Discord commands (lifecycle state, player list, session ledger). */
  readonly stateTable: dynamodb.ITable;
  /** The SecureString parameter holding the Discord bot token (the monitor posts notices as the bot). */
  readonly botToken: ssm.IParameter;
  /**
   * Discord channel for notices the `/valheim start` reply cannot carry (ready after 15 minutes, idle
   * warnings, stops, crashes).
   * @default - no notice channel: notices only edit the start reply while it is valid
   */
  readonly noticeChannelId?: string;
  /**
   * A DNS name to keep pointing at the server's public IP.
   * @default - no DNS record
   */
  readonly dns?: ServerDnsRecord;
  /**
   * Stop this many minutes after the last player left; 0 = never.
   * @default 15
   */
  readonly idleStopMinutes?: number;
  /**
   * Stop this many minutes after the server became joinable if nobody joined; 0 = never.
   * @default 30
   */
  readonly emptyStopMinutes?: number;
  /**
   * Warn in Discord this many minutes before an idle stop; 0 = no warning.
   * @default 5
   */
  readonly warnBeforeMinutes?: number;
  /**
   * Tell the group when a start takes longer than this; 0 = never.
   * @default 15
   */
  readonly slowStartMinutes?: number;
  /**
   * Warn (with a Keep running button), then stop, when the player count stayed unknown this many minutes;
   * 0 = never.
   * @default 60
   */
  readonly unknownLimitMinutes?: number;
  /**
   * Warn (with a Keep running button), then stop, when a session ran this many hours; 0 = never.
   * @default 12
   */
  readonly maxSessionHours?: number;
  /**
   * How many hours Keep running adds to a session at its limit.
   * @default 2
   */
  readonly keepRunningHours?: number;
  /**
   * Name of the one-minute polling rule. It is fixed (not generated) because the function's environment
   * names the rule while the rule targets the function: a generated name would be a circular reference.
   * @default - `${stackName}-monitor-poll`
   */
  readonly pollRuleName?: string;
  /**
   * Task definition family of the world-transfer task, which runs in the game's cluster: its state changes
   * are reported (snapshot done or failed) rather than taken for the game server's.
   * @default - `<stackName>-world-transfer`, the WorldTransfer default
   */
  readonly transferFamily?: string;
  /**
   * Snapshot the world to S3 at the end of every session (and during long ones), pruned by count and age.
   * @default - no automatic snapshots
   */
  readonly snapshots?: ServerSnapshots;
  /**
   * The active world's parameters and the stack's first world: the monitor records which world each session
   * ran and applies a "Stop and switch" once the game has stopped.
   * @default - the ledger names no world and a pending switch waits for the next start
   */
  readonly activeWorld?: { readonly parameters: ActiveWorldParameters; readonly firstWorld: string };
  /**
   * The always-on part of the month's estimate (storage, backups) in USD, for the budget guard and the
   * monthly summary (play is counted from the session ledger).
   * @default - neither a budget warning nor a monthly summary
   */
  readonly fixedMonthlyUsd?: number;
  /**
   * Warn in Discord when the month's estimated spend (needs fixedMonthlyUsd) (from the session ledger) reaches 80 % of a limit.
   * @default - no budget warning
   */
  readonly budget?: ServerBudgetGuard;
  /**
   * The kinds of the activity feed the monitor posts to the notice channel (feed.kinds in the config).
   * @default - no feed
   */
  readonly feedKinds?: readonly string[];
  /**
   * The live status board in the notice channel: the world it names, and the scheduled openings (weekly
   * times such as "Fri 19:00" in `timeZone`) it announces.
   * @default - no status board
   */
  readonly board?: {
    readonly worldName?: string;
    readonly scheduleStart?: readonly string[];
    readonly timeZone?: string;
  };
  /**
   * How long the monitor's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Watches the game server and acts on what it sees: tells Discord when the server is ready, warns and
 * stops it when nobody plays, keeps the DNS record and the session ledger up to date.
 *
 * It runs on every ECS task state change of the cluster, and once a minute while a server is up. The
 * one-minute rule is created DISABLED: the monitor enables it when a session starts and disables it once
 * the server stopped, so an idle month costs no invocations. A deploy that changes the rule resets it to
 * DISABLED; the next task state change (a deploy that updates the service stops a running task, and
 * `valheim deploy` refuses to deploy while a game runs anyway) runs the monitor, which enables it again.
 */
export class ServerMonitor extends Construct {
  public readonly handler: BundledFunction;
  /** Runs the monitor on every ECS task state change of the game cluster. */
  public readonly taskStateRule: events.Rule;
  /** Runs the monitor every minute while a session is on (switched by the monitor itself). */
  public readonly pollRule: events.Rule;

  constructor(scope: Construct, id: string, props: ServerMonitorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const pollRuleName = props.pollRuleName ?? `${stack.stackName}-monitor-poll`;
    const lifecycle = {
      idleStopMinutes: props.idleStopMinutes ?? 15,
      emptyStopMinutes: props.emptyStopMinutes ?? 30,
      warnBeforeMinutes: props.warnBeforeMinutes ?? 5,
      slowStartMinutes: props.slowStartMinutes ?? 15,
      unknownLimitMinutes: props.unknownLimitMinutes ?? 60,
      maxSessionHours: props.maxSessionHours ?? 12,
      keepRunningHours: props.keepRunningHours ?? 2,
    };
    validateRuleName('pollRuleName', pollRuleName);
    validateInteger('idleStopMinutes', lifecycle.idleStopMinutes, 0, 1440);
    validateInteger('emptyStopMinutes', lifecycle.emptyStopMinutes, 0, 1440);
    validateInteger('warnBeforeMinutes', lifecycle.warnBeforeMinutes, 0, 60);
    validateInteger('slowStartMinutes', lifecycle.slowStartMinutes, 0, 120);
    validateInteger('unknownLimitMinutes', lifecycle.unknownLimitMinutes, 0, 1440);
    validateInteger('maxSessionHours', lifecycle.maxSessionHours, 0, 168);
    validateInteger('keepRunningHours', lifecycle.keepRunningHours, 1, 24);
    const channel = props.noticeChannelId;
    if (channel !== undefined && !Token.isUnresolved(channel) && !/^\d{17,20}$/.test(channel)) {
      throw new Error(
        `noticeChannelId must be a Discord channel ID of 17 to 20 digits, but "${channel}" was provided`,
      );
    }
    const recordName = props.dns?.recordName;
    if (recordName !== undefined && !Token.isUnresolved(recordName) && !isHostName(recordName)) {
      throw new Error(
        `dns recordName must be a host name such as "valheim.example.com", but "${recordName}" was provided`,
      );
    }

    const snapshots = props.snapshots && {
      everyHours: props.snapshots.everyHours ?? 4,
      keepCount: props.snapshots.keepCount ?? 20,
      keepDays: props.snapshots.keepDays ?? 60,
    };
    if (snapshots) {
      validateInteger('snapshots.everyHours', snapshots.everyHours, 0, 24);
      validateInteger('snapshots.keepCount', snapshots.keepCount, 1, 1000);
      validateInteger('snapshots.keepDays', snapshots.keepDays, 1, 3650);
    }
    if (props.budget && props.fixedMonthlyUsd === undefined) {
      throw new Error(
        'budget needs fixedMonthlyUsd (the always-on part of the estimate), but none was provided',
      );
    }
    const limit = props.budget?.monthlyLimitUsd;
    if (limit !== undefined && !(limit > 0 && limit <= 10000)) {
      throw new Error(
        `budget.monthlyLimitUsd must be more than 0 and at most 10000, but ${limit} was provided`,
      );
    }

    const { gameServer } = props;
    this.handler = new BundledFunction(this, 'Handler', {
      entry: props.entry,
      description:
        'Watches the Valheim server: ready and idle notices, idle stop, DNS record, session ledger',
      logRetention: props.logRetention,
      timeout: Duration.seconds(30),
      memorySize: 512,
      // A tick that failed or waited is stale: the next task event or minute re-reads everything.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(5),
      // No reserved concurrency: new accounts have a concurrency limit of 10 and cannot reserve any. Two
      // ticks at once are harmless: every state write is conditional on the version read, so only one acts.
      environment: {
        ECS_CLUSTER: gameServer.cluster.clusterName,
        ECS_SERVICE: gameServer.service.serviceName,
        STATE_TABLE: props.stateTable.tableName,
        POLL_RULE_NAME: pollRuleName,
        TRANSFER_FAMILY: props.transferFamily ?? transferFamily(stack.stackName),
        BOT_TOKEN_PARAMETER: props.botToken.parameterName,
        ...(channel !== undefined && { NOTICE_CHANNEL_ID: channel }),
        ...(props.dns && {
          DNS_HOSTED_ZONE_ID: props.dns.hostedZone.hostedZoneId,
          DNS_RECORD_NAME: props.dns.recordName,
        }),
        SERVER_PUBLIC: String(gameServer.publicListing),
        CROSSPLAY: String(gameServer.crossplay),
        IDLE_STOP_MINUTES: String(lifecycle.idleStopMinutes),
        EMPTY_STOP_MINUTES: String(lifecycle.emptyStopMinutes),
        WARN_BEFORE_MINUTES: String(lifecycle.warnBeforeMinutes),
        SLOW_START_MINUTES: String(lifecycle.slowStartMinutes),
        UNKNOWN_LIMIT_MINUTES: String(lifecycle.unknownLimitMinutes),
        MAX_SESSION_HOURS: String(lifecycle.maxSessionHours),
        KEEP_RUNNING_HOURS: String(lifecycle.keepRunningHours),
        // For the ledger: what a session costs depends on the task size and Spot.
        TASK_CPU: String(gameServer.taskDefinition.cpu),
        TASK_MEMORY_MIB: String(gameServer.taskDefinition.memoryMiB),
        TASK_SPOT: String(gameServer.spot),
        ...(props.snapshots &&
          snapshots && {
            TRANSFER_SUBNETS: props.snapshots.transfer.subnetIds.join(','),
            TRANSFER_SECURITY_GROUPS: props.snapshots.transfer.securityGroupIds.join(','),
            WORLD_BUCKET: props.snapshots.bucket.bucketName,
            WORLD_NAME: props.snapshots.worldName,
            SNAPSHOT_EVERY_HOURS: String(snapshots.everyHours),
            SNAPSHOT_KEEP_COUNT: String(snapshots.keepCount),
            SNAPSHOT_KEEP_DAYS: String(snapshots.keepDays),
          }),
        ...(props.activeWorld && {
          WORLD_NAME_PARAMETER: props.activeWorld.parameters.name.parameterName,
          WORLD_ARGS_PARAMETER: props.activeWorld.parameters.args.parameterName,
          WORLD_NAME: props.activeWorld.firstWorld,
        }),
        ...(props.fixedMonthlyUsd !== undefined && { COST_FIXED_MONTHLY: props.fixedMonthlyUsd.toFixed(2) }),
        ...(props.budget && { COST_MONTHLY_LIMIT: String(props.budget.monthlyLimitUsd) }),
        ...(props.feedKinds && props.feedKinds.length > 0 && { FEED_KINDS: props.feedKinds.join(',') }),
        ...(props.board && {
          STATUS_BOARD: 'on',
          ...(props.board.worldName && { WORLD_NAME: props.board.worldName }),
          ...(props.board.scheduleStart &&
            props.board.scheduleStart.length > 0 && { SCHEDULE_START: props.board.scheduleStart.join(';') }),
          ...(props.board.timeZone && { TIME_ZONE: props.board.timeZone }),
        }),
      },
    });
    const fn = this.handler.function;
    if (props.snapshots) this.grantSnapshots(props.snapshots);

    gameServer.grantServerControl(this.handler);
    props.stateTable.grant(this.handler, ...STATE_TABLE_ACTIONS.monitor);
    // Reads which world runs; writes it only to apply a pending switch once the game has stopped.
    props.activeWorld?.parameters.grantReadWrite(this.handler);
    grantGetParameter(props.botToken, this.handler);
    // The rule's ARN is built from its fixed name: a reference to the rule would make the function (which
    // waits for its policy) depend on the rule, which depends on the function.
    iam.Grant.addToPrincipal({
      grantee: this.handler,
      actions: ['events:EnableRule', 'events:DisableRule'],
      resourceArns: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: pollRuleName })],
    });
    if (props.dns) {
      iam.Grant.addToPrincipal({
        grantee: this.handler,
        actions: ['route53:ChangeResourceRecordSets'],
        resourceArns: [props.dns.hostedZone.hostedZoneArn],
        // This one A record only (names as IAM compares them: lower case, no trailing dot).
        conditions: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': [
              props.dns.recordName.toLowerCase().replace(/\.$/, ''),
            ],
            'route53:ChangeResourceRecordSetsRecordTypes': ['A'],
            'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
          },
        },
      });
    }

    // EventBridge's own retries (for deliveries Lambda refused, e.g. when throttled) end as early.
    const target = () => new targets.LambdaFunction(fn, { maxEventAge: Duration.minutes(5) });
    this.taskStateRule = new events.Rule(this, 'TaskStateChanges', {
      description: 'Runs the Valheim monitor on every task state change of the game cluster',
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: { clusterArn: [gameServer.cluster.clusterArn] },
      },
      targets: [target()],
    });
    this.pollRule = new events.Rule(this, 'Poll', {
      ruleName: pollRuleName,
      description: 'Runs the Valheim monitor every minute while a session is on (the monitor switches it)',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      // Switched on by the monitor when a session starts, off when the server stopped. A deploy that
      // changes this rule resets it to DISABLED; the next task state change turns it back on.
      enabled: false,
      targets: [target()],
    });
  }

  /**
   * Running the snapshot task, and pruning the monitor's own snapshots: list and read manifests below
   * `snapshots/`, delete objects there (the bucket is versioned: a deleted snapshot stays recoverable for the
   * bucket's noncurrent-version days).
   */
  private grantSnapshots(snapshots: ServerSnapshots): void {
    snapshots.transfer.grantRun(this.handler);
    const { bucket } = snapshots;
    const objects = bucket.arnForObjects(`${SNAPSHOTS}/*`);
    iam.Grant.addToPrincipal({
      grantee: this.handler,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${SNAPSHOTS}/`, `${SNAPSHOTS}/*`] } },
    });
    iam.Grant.addToPrincipal({
      grantee: this.handler,
      actions: ['s3:GetObject', 's3:DeleteObject'],
      resourceArns: [objects],
    });
    acknowledge(
      this.handler.function.role ?? this.handler,
      `AwsSolutions-IAM5[Resource::${nagFinding(this, objects)}]`,
      'Snapshot ids are chosen at run time; reading and deleting is limited to the snapshots/ prefix of the world bucket, and the bucket keeps deleted versions.',
    );
  }
}

/** EventBridge rule names: 1 to 64 letters, digits, ".", "-" or "_". */
function validateRuleName(what: string, name: string): void {
  if (Token.isUnresolved(name)) return;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
    throw new Error(
      `${what} must be 1 to 64 letters, digits, ".", "-" or "_" (an EventBridge rule name), but "${name}" (${name.length} characters) was provided`,
    );
  }
}

function isHostName(name: string): boolean {
  return /^([a-z0-9-]+\.)+[a-z]{2,}\.?$/i.test(name);
}
