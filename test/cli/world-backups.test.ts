import { ListRecoveryPointsByResourceCommand } from '@aws-sdk/client-backup';
import { RunTaskCommand } from '@aws-sdk/client-ecs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { worldBackups } from '../../src/cli/commands/world-backups.js';
import { formatManifest } from '../../src/worlds/manifest.js';
import type { LocalS3 } from '../support/s3rver.js';
import { type FakeWorldStack, useFakeWorldStack } from '../worlds/fake-world-stack.js';
import { awsError, writeConfig } from './helpers.js';

let s3: LocalS3;
let fake: FakeWorldStack;
useFakeWorldStack(async (stack, server) => {
  fake = stack;
  s3 = server;
  // One snapshot (and an interrupted one), one recovery point, one image zip
  const put = (Key: string, Body: string) =>
    s3.client.send(new PutObjectCommand({ Bucket: fake.bucket, Key, Body }));
  await put('snapshots/20261123T190500Z-manual/worlds_local/Dedicated.db', 'db');
  await put(
    'snapshots/20261123T190500Z-manual/manifest.json',
    formatManifest({
      version: 1,
      id: '20261123T190500Z-manual',
      world: 'Dedicated',
      created: '2026-11-23T19:05:00Z',
      reason: 'manual',
      format: 'legacy',
      fileCount: 2,
      totalBytes: 48_100_000,
      worlds: ['Dedicated'],
    }),
  );
  await put('snapshots/20261124T070000Z-pre-restore/partial.db', 'x');
  fake.backupMock.on(ListRecoveryPointsByResourceCommand).resolves({
    RecoveryPoints: [
      {
        RecoveryPointArn: 'arn:aws:backup:eu-central-1:111122223333:recovery-point:1EB3B5E7',
        CreationDate: new Date('2026-11-24T05:00:00Z'),
        Status: 'COMPLETED',
        BackupSizeBytes: 52_000_000,
        BackupVaultName: 'valheim-vault',
      },
    ],
  });
  fake.zips.set('worlds-20261123-190500.zip', new Uint8Array(7));
});

describe('valheim world backups', () => {
  it('lists snapshots, recovery points and image zips newest first, with the ids restore takes', async () => {
    const deps = fake.deps();
    await worldBackups({ config: writeConfig() }, deps);
    expect(deps.term.stdout).toEqual([
      'CREATED (UTC)     SIZE     ID                                WHAT',
      '2026-11-24 05:00  52.0 MB  backup:1EB3B5E7                   whole file system, AWS Backup vault valheim-vault',
      '2026-11-23 19:05  48.1 MB  snapshot:20261123T190500Z-manual  Dedicated, legacy, 2 files (manual)',
      "2026-11-23 19:05  7 B      zip:worlds-20261123-190500.zip    the server image's own backup zip (worlds at a server start)",
      '',
      'Restore "Dedicated" from one with: npx valheim world restore <ID> (the server\'s worlds are saved as a snapshot first)',
    ]);
    expect(fake.backupMock).toHaveReceivedCommandWith(ListRecoveryPointsByResourceCommand, {
      ResourceArn: 'arn:aws:elasticfilesystem:eu-central-1:111122223333:file-system/fs-0123456789abcdef0',
    });
    expect(deps.term.stderr).toContain(
      'valheim: warning: 1 incomplete snapshot left out (interrupted; never restored): 20261124T070000Z-pre-restore',
    );
  });

  it('prints JSON, and skips the zips (no task) with --no-zips', async () => {
    const deps = fake.deps();
    await worldBackups({ config: writeConfig(), json: true, zips: false }, deps);
    expect(JSON.parse(deps.term.stdout.join('\n'))).toEqual([
      {
        id: 'backup:1EB3B5E7',
        source: 'backup',
        created: '2026-11-24T05:00:00.000Z',
        sizeBytes: 52_000_000,
        description: 'whole file system, AWS Backup vault valheim-vault',
      },
      {
        id: 'snapshot:20261123T190500Z-manual',
        source: 'snapshot',
        created: '2026-11-23T19:05:00.000Z',
        sizeBytes: 48_100_000,
        description: 'Dedicated, legacy, 2 files (manual)',
      },
    ]);
    expect(fake.ecsMock).not.toHaveReceivedCommand(RunTaskCommand);
  });

  it('still lists the other sources when one is denied, with a warning naming the permission', async () => {
    fake.backupMock.on(ListRecoveryPointsByResourceCommand).rejects(awsError('AccessDeniedException'));
    const deps = fake.deps();
    await worldBackups({ config: writeConfig(), zips: false }, deps);
    expect(deps.term.stdout.some((line) => line.includes('snapshot:20261123T190500Z-manual'))).toBe(true);
    expect(deps.term.stderr).toContain(
      'valheim: warning: AWS Backup recovery points not listed: AWS denied permission to list the AWS Backup recovery points in eu-central-1 — your AWS identity needs backup:ListRecoveryPointsByResource (ask your AWS admin or use a profile that has it)',
    );
  });

  it('fails when no source can be read', async () => {
    fake.backupMock.on(ListRecoveryPointsByResourceCommand).rejects(awsError('AccessDeniedException'));
    const deps = fake.deps();
    // A bucket that does not exist: the S3 listing fails too
    await expect(
      worldBackups(
        { config: writeConfig(), zips: false },
        { ...deps, env: { VALHEIM_WORLD_BUCKET: 'no-such-bucket' } },
      ),
    ).rejects.toThrow(/could not list the snapshots/);
  });
});
