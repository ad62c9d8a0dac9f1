import { Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as efs from 'aws-cdk-lib/aws-efs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge, nagFinding } from '../validations.js';
import { validateInteger, validateTimeZone, weeklyTimeToCron } from './validation.js';

/**
 * How AWS Backup Vault Lock guards the recovery points: `governance` (no recovery point can be deleted or
 * shortened before its retention ends, except by someone allowed to remove the lock, which an admin is),
 * `compliance` (the same, and after a 3-day grace period nobody can remove or change the lock, the root user
 * included), or `none`.
 */
export type VaultLockMode = 'governance' | 'compliance' | 'none';

/** Days a compliance-mode lock can still be changed or removed after it is set (AWS Backup's minimum). */
export const COMPLIANCE_GRACE_DAYS = 3;

export interface WorldBackupProps {
  /** The file system holding the world. */
  readonly fileSystem: efs.IFileSystem;
  /**
   * When to take a recovery point, as a weekly time such as "daily 05:00" or "Sun 04:30".
   * @default 'daily 05:00'
   */
  readonly schedule?: string;
  /**
   * IANA time zone the schedule is read in.
   * @default 'Etc/UTC'
   */
  readonly timeZone?: string;
  /**
   * Days each recovery point is kept.
   * @default 35
   */
  readonly retentionDays?: number;
  /**
   * Vault Lock on the vault; its minimum retention is `retentionDays`, so that no recovery point goes before
   * its time. In compliance mode, once the grace period is over, `retentionDays` can never be lowered again
   * (backups with a shorter retention would fail).
   * @default 'governance'
   */
  readonly vaultLock?: VaultLockMode;
  /**
   * What happens to the vault (and the recovery points in it) when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * AWS Backup of the world on the user's schedule: one vault (with Vault Lock), one plan with one rule, one
 * selection. EFS backups are incremental, so a daily point of an idle world costs almost nothing; Vault Lock
 * costs nothing.
 */
export class WorldBackup extends Construct {
  public readonly vault: backup.IBackupVault;
  public readonly plan: backup.IBackupPlan;

  constructor(scope: Construct, id: string, props: WorldBackupProps) {
    super(scope, id);
    const schedule = props.schedule ?? 'daily 05:00';
    const timeZone = props.timeZone ?? 'Etc/UTC';
    const retentionDays = props.retentionDays ?? 35;
    const cron = weeklyTimeToCron('backup schedule', schedule);
    validateTimeZone('backup time zone', timeZone);
    validateInteger('backup retentionDays', retentionDays, 1, 36500);

    const vaultLock = props.vaultLock ?? 'governance';
    if (!['governance', 'compliance', 'none'].includes(vaultLock)) {
      throw new Error(
        `backup vaultLock must be "governance", "compliance" or "none", but "${vaultLock}" was provided`,
      );
    }

    this.vault = new backup.BackupVault(this, 'Vault', {
      // Retained with the stack (a lock makes no difference to `cdk destroy`: CloudFormation leaves the vault).
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      ...(vaultLock !== 'none' && {
        lockConfiguration: {
          minRetention: Duration.days(retentionDays),
          // Without a lock date the lock stays in governance mode: removable by whoever may remove it.
          ...(vaultLock === 'compliance' && { changeableFor: Duration.days(COMPLIANCE_GRACE_DAYS) }),
        },
      }),
    });
    const plan = new backup.BackupPlan(this, 'Plan', {
      backupPlanName: `${Stack.of(this).stackName}-world`,
      backupVault: this.vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'World',
          scheduleExpression: events.Schedule.expression(cron),
          scheduleExpressionTimezone: TimeZone.of(timeZone),
          deleteAfter: Duration.days(retentionDays),
        }),
      ],
    });
    this.plan = plan;

    const selection = plan.addSelection('World', {
      resources: [backup.BackupResource.fromEfsFileSystem(props.fileSystem)],
    });
    const managedPolicy = iam.ManagedPolicy.fromAwsManagedPolicyName(
      'service-role/AWSBackupServiceRolePolicyForBackup',
    );
    acknowledge(
      selection,
      `AwsSolutions-IAM4[Policy::${nagFinding(this, managedPolicy.managedPolicyArn)}]`,
      'AWS Backup service-role policy, maintained by AWS for the Backup service; a hand-written copy could silently break backups when EFS backup needs change.',
    );
  }
}
