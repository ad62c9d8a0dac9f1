import { BackupClient, ListRecoveryPointsByResourceCommand } from '@aws-sdk/client-backup';
import { DescribeTasksCommand, ECSClient, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  awsBackupRestoreSteps,
  listImageZips,
  listRecoveryPoints,
  mergeBackups,
  parseBackupId,
  parseZipListing,
  snapshotEntry,
} from '../../src/worlds/backups.js';
import type { WorldStack } from '../../src/worlds/stack.js';
import { mockAwsClient } from '../support/aws-mock.js';
import { type LocalS3, startS3rver } from '../support/s3rver.js';

const backupMock = mockAwsClient(BackupClient);
const ecsMock = mockAwsClient(ECSClient);
const FS_ARN = 'arn:aws:elasticfilesystem:eu-central-1:111122223333:file-system/fs-0123456789abcdef0';
const POINT = 'arn:aws:backup:eu-central-1:111122223333:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => s3.close());
beforeEach(() => {
  backupMock.reset();
  ecsMock.reset();
});

const stack = (): WorldStack => ({
  stackName: 'valheim-ondemand',
  region: 'eu-central-1',
  cluster: 'valheim-ondemand',
  gameService: 'valheim-ondemand-server',
  taskDefinition: 'valheim-ondemand-world-transfer',
  bucket: s3.bucket,
  subnets: ['subnet-a'],
  securityGroups: ['sg-game'],
  fileSystemArn: FS_ARN,
});

function awsError(name: string): Error {
  return Object.assign(new Error(name), { name, $metadata: {} });
}

describe('listRecoveryPoints', () => {
  it('lists the completed recovery points of the file system, across pages', async () => {
    backupMock
      .on(ListRecoveryPointsByResourceCommand)
      .resolvesOnce({
        RecoveryPoints: [
          {
            RecoveryPointArn: POINT,
            CreationDate: new Date('2026-11-23T05:00:00Z'),
            Status: 'COMPLETED',
            BackupSizeBytes: 48_000_000,
            BackupVaultName: 'valheim-vault',
          },
          {
            RecoveryPointArn: `${POINT}X`,
            CreationDate: new Date('2026-11-24T05:00:00Z'),
            Status: 'PARTIAL',
          },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        RecoveryPoints: [
          {
            RecoveryPointArn: `${POINT}2`,
            CreationDate: new Date('2026-11-22T05:00:00Z'),
            Status: 'COMPLETED',
          },
        ],
      });

    const entries = await listRecoveryPoints(new BackupClient({ region: 'eu-central-1' }), FS_ARN);

    expect(backupMock).toHaveReceivedCommandWith(ListRecoveryPointsByResourceCommand, {
      ResourceArn: FS_ARN,
    });
    expect(backupMock).toHaveReceivedCommandWith(ListRecoveryPointsByResourceCommand, {
      NextToken: 'page-2',
    });
    expect(entries).toEqual([
      {
        id: 'backup:1EB3B5E7-9EB0-435A-A80B-108B488B0D45',
        source: 'backup',
        created: new Date('2026-11-23T05:00:00Z'),
        sizeBytes: 48_000_000,
        description: 'whole file system, AWS Backup vault valheim-vault',
      },
      expect.objectContaining({ id: 'backup:1EB3B5E7-9EB0-435A-A80B-108B488B0D452' }),
    ]);
  });

  it('is empty before the first backup (AWS Backup does not know the file system yet)', async () => {
    backupMock.on(ListRecoveryPointsByResourceCommand).rejects(awsError('ResourceNotFoundException'));
    expect(await listRecoveryPoints(new BackupClient({ region: 'eu-central-1' }), FS_ARN)).toEqual([]);
  });
});

describe('listImageZips', () => {
  it('runs the list-backups task and reads the listing it wrote', async () => {
    // Given a task that writes its listing to the bucket, as world-transfer.sh does
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
    ecsMock.on(RunTaskCommand).callsFake(async (input) => {
      const env = input.overrides.containerOverrides[0].environment as Array<{ name: string; value: string }>;
      const id = env.find((e) => e.name === 'SNAPSHOT_ID')?.value;
      await s3.client.send(
        new PutObjectCommand({
          Bucket: s3.bucket,
          Key: `listings/${id}.txt`,
          Body: '7 1795460700 worlds-20261123-190500.zip\n9 1795547100 worlds-20261124-190500.zip\n',
        }),
      );
      return { tasks: [{ taskArn: 'arn:aws:ecs:eu-central-1:1:task/c/abc' }] };
    });
    ecsMock.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: 'arn:aws:ecs:eu-central-1:1:task/c/abc',
          lastStatus: 'STOPPED',
          containers: [{ name: 'transfer', exitCode: 0 }],
        },
      ],
    });

    // When
    const zips = await listImageZips(
      ecsMock as never as ECSClient,
      s3.client,
      stack(),
      new Date('2026-11-24T08:00:00Z'),
    );

    // Then
    expect(
      ecsMock.commandCalls(RunTaskCommand)[0]?.args[0].input.overrides?.containerOverrides?.[0]?.environment,
    ).toEqual([
      { name: 'MODE', value: 'list-backups' },
      { name: 'BUCKET', value: s3.bucket },
      { name: 'SNAPSHOT_ID', value: '20261124T080000Z-list' },
    ]);
    expect(zips.map((z) => [z.id, z.created.toISOString(), z.sizeBytes])).toEqual([
      ['zip:worlds-20261123-190500.zip', '2026-11-23T19:05:00.000Z', 7],
      ['zip:worlds-20261124-190500.zip', '2026-11-24T19:05:00.000Z', 9],
    ]);
  });
});

describe('merging and ids', () => {
  it('merges the three sources newest first', () => {
    const snapshot = snapshotEntry({
      version: 1,
      id: '20261123T190500Z-manual',
      world: 'Midgard',
      created: '2026-11-23T19:05:00Z',
      reason: 'manual',
      format: 'folder',
      fileCount: 12,
      totalBytes: 48_000_000,
      worlds: ['Midgard', 'Other'],
    });
    const zips = parseZipListing('7 1795465000 worlds-a.zip\n\ngarbage line\n9 1795000000 worlds-b.zip\n');
    const backups = [
      {
        id: 'backup:x',
        source: 'backup' as const,
        created: new Date('2026-11-24T00:00:00Z'),
        description: 'b',
      },
    ];
    expect(snapshot.description).toBe('Midgard, folder, 12 files (manual); also Other');
    expect(mergeBackups([snapshot], zips, backups).map((entry) => entry.id)).toEqual([
      'backup:x',
      'zip:worlds-a.zip',
      'snapshot:20261123T190500Z-manual',
      'zip:worlds-b.zip',
    ]);
  });

  it('parses restore ids, and refuses anything else', () => {
    expect(parseBackupId('snapshot:20261123T190500Z-manual')).toEqual({
      source: 'snapshot',
      snapshotId: '20261123T190500Z-manual',
    });
    expect(parseBackupId('20261123T190500Z-manual')).toEqual({
      source: 'snapshot',
      snapshotId: '20261123T190500Z-manual',
    });
    expect(parseBackupId('zip:worlds-20261123-190500')).toEqual({
      source: 'zip',
      name: 'worlds-20261123-190500.zip',
    });
    expect(parseBackupId('backup:1EB3B5E7-9EB0')).toEqual({
      source: 'backup',
      recoveryPointId: '1EB3B5E7-9EB0',
    });
    for (const bad of ['latest', 'zip:../etc/passwd', 'snapshot:yesterday', 'backup:', '']) {
      expect(() => parseBackupId(bad), bad).toThrow(
        /is not a backup id — use an id from valheim world backups/,
      );
    }
  });

  it('spells out the console steps for an AWS Backup recovery point', () => {
    const steps = awsBackupRestoreSteps(
      { id: 'x', arn: POINT, vault: 'valheim-vault', created: new Date('2026-11-23T05:00:00Z') },
      stack(),
    );
    expect(steps.join('\n')).toContain(
      `vault valheim-vault → recovery point ${POINT} (2026-11-23T05:00:00.000Z)`,
    );
    expect(steps.join('\n')).toContain(
      '/aws-backup-restore_<time>/valheim/worlds_local on fs-0123456789abcdef0',
    );
  });
});
