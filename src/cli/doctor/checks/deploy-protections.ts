import { ListBackupVaultsCommand } from '@aws-sdk/client-backup';
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { GetBucketVersioningCommand } from '@aws-sdk/client-s3';
import {
  cloudFormationExecutionPolicyName,
  cloudFormationExecutionRoleName,
  permissionsBoundaryName,
} from '../../../config/bootstrap-policy.js';
import { errorSummary } from '../../errors.js';
import { type DoctorCheck, type DoctorContext, fail, NEEDS, ok, skip } from '../check.js';

/**
 * Which of the protections that keep a bad deploy from erasing every copy of the world are on in the account
 * (README → Security): the permissions boundary (its policy, and on CloudFormation's execution role), the
 * scoped execution policy and its seal of the world bucket, the vault lock and its mode, and versioning of
 * the world bucket. ✗ lists what is off, with the fix; what could not be read is said, never guessed.
 */
export const deployProtections: DoctorCheck = {
  name: 'deploy protections',
  needs: [NEEDS.aws, NEEDS.region, NEEDS.bootstrap, NEEDS.stack],
  async probe(context) {
    const report: Report = { on: [], off: [], fixes: [], unknown: [] };
    await Promise.all([
      executionRole(context, report),
      backupVault(context, report),
      versioning(context, report),
    ]);
    if (report.off.length > 0) {
      const known = report.on.length > 0 ? `on: ${report.on.join(', ')}; ` : '';
      const unread = report.unknown.length > 0 ? `; not read: ${report.unknown.join(', ')}` : '';
      return fail(`${known}off: ${report.off.join(', ')}${unread}`, report.fixes.join('; '));
    }
    if (report.on.length === 0) return skip(`could not read: ${report.unknown.join(', ')}`);
    const unread = report.unknown.length > 0 ? ` (not read: ${report.unknown.join(', ')})` : '';
    return ok(`${report.on.join(', ')}${unread}`);
  },
};

interface Report {
  on: string[];
  off: string[];
  fixes: string[];
  unknown: string[];
}

const SETUP = 'README, Set it up for real, step 3';

async function executionRole({ aws, config, found }: DoctorContext, report: Report): Promise<void> {
  const roleName = cloudFormationExecutionRoleName(found.account ?? '', config.region);
  const boundary = permissionsBoundaryName(config.stackName);
  try {
    const { Role } = await aws.iam.send(new GetRoleCommand({ RoleName: roleName }));
    if (Role?.PermissionsBoundary?.PermissionsBoundaryArn?.endsWith(`:policy/${boundary}`)) {
      report.on.push('the boundary caps the execution role');
    } else {
      report.off.push('no boundary on the execution role');
      report.fixes.push(`bootstrap with --custom-permissions-boundary ${boundary} (${SETUP})`);
    }
  } catch (error) {
    report.unknown.push(`the execution role (${errorSummary(error)})`);
    return;
  }
  try {
    const attached =
      (await aws.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies ??
      [];
    const scoped = attached.find((p) => p.PolicyName === cloudFormationExecutionPolicyName(config.stackName));
    if (!scoped?.PolicyArn) {
      report.off.push('the scoped execution policy');
      report.fixes.push(`bootstrap with --cloudformation-execution-policies (${SETUP})`);
      return;
    }
    const { Policy } = await aws.iam.send(new GetPolicyCommand({ PolicyArn: scoped.PolicyArn }));
    const { PolicyVersion } = await aws.iam.send(
      new GetPolicyVersionCommand({ PolicyArn: scoped.PolicyArn, VersionId: Policy?.DefaultVersionId }),
    );
    const document = JSON.parse(decodeURIComponent(PolicyVersion?.Document ?? '{}')) as {
      Statement?: Array<{ Sid?: string; Resource?: string | string[] }>;
    };
    const sids = new Map((document.Statement ?? []).map((statement) => [statement.Sid, statement]));
    if (sids.has('KeepRecoveryPoints') && sids.has('NoRoleWithoutTheBoundary')) {
      report.on.push('the execution policy denies the destructive actions');
    } else {
      report.off.push('the execution policy is an older one without the denies');
      report.fixes.push('regenerate it and create a new version (docs/ci-cd.md)');
    }
    const bucket = found.stack?.outputs.WorldBucket;
    const seal = sids.get('SealedWorldBucket');
    if (bucket && [seal?.Resource ?? []].flat().some((arn) => arn.endsWith(`:::${bucket}`))) {
      report.on.push('world bucket sealed');
    } else {
      report.off.push('world bucket not sealed (a deploy can still change its lifecycle and policy)');
      report.fixes.push(
        `seal it: npm run --silent bootstrap-policy -- --seal-world-bucket ${bucket ?? '<WorldBucket>'} (README, Security)`,
      );
    }
  } catch (error) {
    report.unknown.push(`the execution policy (${errorSummary(error)})`);
  }
}

async function backupVault({ aws, config }: DoctorContext, report: Report): Promise<void> {
  // CDK names the vault after the stack (letters and digits) and its path.
  const prefix = `${config.stackName.replace(/[^A-Za-z0-9]/g, '')}BackupVault`;
  try {
    const vaults = (await aws.backup.send(new ListBackupVaultsCommand({}))).BackupVaultList ?? [];
    const vault = vaults.find((candidate) => candidate.BackupVaultName?.startsWith(prefix));
    if (!vault) {
      report.unknown.push(`the backup vault (none named ${prefix}…)`);
    } else if (!vault.Locked) {
      report.off.push('vault lock');
      report.fixes.push('set backup.vaultLock to "governance" or "compliance" and deploy');
    } else {
      const mode = vault.LockDate
        ? `compliance since ${vault.LockDate.toISOString().slice(0, 10)}`
        : 'governance';
      report.on.push(`vault lock (${mode}, ${vault.MinRetentionDays ?? '?'} days)`);
    }
  } catch (error) {
    report.unknown.push(`the backup vault (${errorSummary(error)})`);
  }
}

async function versioning({ aws, found }: DoctorContext, report: Report): Promise<void> {
  const bucket = found.stack?.outputs.WorldBucket;
  if (!bucket) return;
  try {
    const { Status } = await aws.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    if (Status === 'Enabled') report.on.push('bucket versioning');
    else {
      report.off.push(`bucket versioning (${Status ?? 'never enabled'})`);
      report.fixes.push('deploy again: the stack enables it');
    }
  } catch (error) {
    report.unknown.push(`the world bucket's versioning (${errorSummary(error)})`);
  }
}
