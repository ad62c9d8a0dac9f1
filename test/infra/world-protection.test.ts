import { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import { beforeAll, describe, expect, it } from 'vitest';
import { WorldBackup } from '../../infra/constructs/world-backup.js';
import { parseConfig } from '../../src/config/load.js';
import {
  asArray,
  exampleConfig,
  exampleSynthesis,
  findOne,
  policyStatements,
  resources,
  synthesize,
} from './helpers.js';

// Copies one mistake cannot erase: AWS Backup Vault Lock on the recovery points, and a world bucket where only
// the lifecycle rule removes an object version.

const vaultOf = (template: Template) => {
  const [vault, ...others] = Object.values(resources(template)).filter(
    (resource) => resource.Type === 'AWS::Backup::BackupVault',
  );
  expect(others).toEqual([]);
  return vault as { Properties?: Record<string, unknown>; DeletionPolicy?: string };
};

describe('the backup vault', () => {
  it('is locked in governance mode by default, for the retention of the recovery points', () => {
    // Given the example config (retentionDays 35, no vaultLock)
    const { template } = exampleSynthesis();
    // When
    const vault = vaultOf(template);
    // Then no recovery point can go before its 35 days, and the lock has no lock date (governance mode)
    expect(vault.Properties?.LockConfiguration).toEqual({ MinRetentionDays: 35 });
    // And the vault stays when the stack is destroyed: the lock never stands in the way of `cdk destroy`
    expect(vault.DeletionPolicy).toBe('Retain');
    // And the retention the lock enforces is the plan's, so no backup job is refused
    const plan = findOne(template, 'AWS::Backup::BackupPlan').properties.BackupPlan as {
      BackupPlanRule: Array<{ Lifecycle: unknown }>;
    };
    expect(plan.BackupPlanRule.map((rule) => rule.Lifecycle)).toEqual([{ DeleteAfterDays: 35 }]);
  });

  it('is locked in compliance mode, changeable for 3 days, with backup.vaultLock "compliance"', () => {
    // Given
    const config = exampleConfig({
      backup: { schedule: 'daily 05:00', retentionDays: 90, vaultLock: 'compliance' },
    });
    // When
    const vault = vaultOf(synthesize(config, { bundling: false }).template);
    // Then
    expect(vault.Properties?.LockConfiguration).toEqual({ MinRetentionDays: 90, ChangeableForDays: 3 });
  });

  it('is not locked with backup.vaultLock "none"', () => {
    // Given
    const config = exampleConfig({
      backup: { schedule: 'daily 05:00', retentionDays: 35, vaultLock: 'none' },
    });
    // When
    const vault = vaultOf(synthesize(config, { bundling: false }).template);
    // Then
    expect(vault.Properties).not.toHaveProperty('LockConfiguration');
  });

  it('defaults to governance in the config and names a wrong mode', () => {
    // Given
    const minimal = {
      region: 'eu-central-1',
      server: { name: 'Vikings of the North', world: 'Dedicated' },
      discord: {
        applicationId: '123456789012345678',
        publicKey: 'ab'.repeat(32),
        guildId: '234567890123456789',
      },
    };
    // When / Then
    expect(parseConfig(minimal, 'test').backup.vaultLock).toBe('governance');
    expect(() => parseConfig({ ...minimal, backup: { vaultLock: 'strict' } }, 'valheim.config.json')).toThrow(
      /backup\.vaultLock/,
    );
  });

  it('refuses an unknown lock mode in the construct', () => {
    // Given
    const stack = new Stack();
    const fileSystem = new efs.FileSystem(stack, 'FileSystem', { vpc: new ec2.Vpc(stack, 'Vpc') });
    // When / Then
    expect(
      () => new WorldBackup(stack, 'Backup', { fileSystem, vaultLock: 'strict' as 'governance' }),
    ).toThrow(/vaultLock must be "governance", "compliance" or "none", but "strict" was provided/);
  });
});

describe('the world bucket', () => {
  let template: Template;
  beforeAll(() => {
    template = exampleSynthesis().template;
  });

  it('denies deleting any object version to every principal, so only the lifecycle rule removes one', () => {
    // When
    const bucket = findOne(template, 'AWS::S3::Bucket');
    const policy = findOne(template, 'AWS::S3::BucketPolicy').properties;
    const statements = (policy.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
    // Then
    expect(policy.Bucket).toEqual({ Ref: bucket.id });
    // And the policy stays with the bucket when the stack is deleted, so no deploy needs DeleteBucketPolicy
    const policyResource = Object.values(resources(template)).find((r) => r.Type === 'AWS::S3::BucketPolicy');
    expect(policyResource?.DeletionPolicy).toBe('Retain');
    expect(statements).toContainEqual({
      Sid: 'VersionsExpireOnlyByLifecycle',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:DeleteObjectVersion',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket.id, 'Arn'] }, '/*']] },
    });
    // And versions are kept, and expire 30 days after they were replaced or deleted
    expect(bucket.properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const rules = (bucket.properties.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> })
      .Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
    );
  });

  it('grants no role in the stack a permanent delete; only the monitor prunes its snapshots (recoverably)', () => {
    // When
    const deletes = policyStatements(template)
      .filter((statement) => statement.Effect === 'Allow')
      .flatMap((statement) =>
        asArray(statement.Action as string | string[])
          .filter((action) => /^s3:(Delete|\*)/.test(action) || action === '*')
          .map((action) => ({ action, resource: JSON.stringify(statement.Resource) })),
      );
    // Then the one S3 delete is the monitor's retention: a plain DeleteObject under snapshots/, which in the
    // versioned bucket only adds a delete marker (the version stays until the lifecycle rule expires it)
    expect(deletes).toHaveLength(1);
    expect(deletes[0]?.action).toBe('s3:DeleteObject');
    expect(deletes[0]?.resource).toContain('/snapshots/*');
  });
});
