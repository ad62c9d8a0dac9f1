import { ListRecoveryPointsByResourceCommand } from '@aws-sdk/client-backup';
import { RunTaskCommand } from '@aws-sdk/client-ecs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { worldRestore } from '../../src/cli/commands/world-restore.js';
import { errorLines } from '../../src/cli/errors.js';
import { formatManifest } from '../../src/worlds/manifest.js';
import type { LocalS3 } from '../support/s3rver.js';
import { type FakeWorldStack, useFakeWorldStack } from '../worlds/fake-world-stack.js';
import { writeConfig } from './helpers.js';

let s3: LocalS3;
let fake: FakeWorldStack;
useFakeWorldStack((stack, server) => {
  fake = stack;
  s3 = server;
  fake.worldsLocal = new Map([
    ['Dedicated.fwl', 'current fwl'],
    ['Dedicated.db', 'current db'],
  ]);
});

const SNAPSHOT = '20261120T190000Z-discord';

async function putSnapshot(id: string, world: string, files: Record<string, string>): Promise<void> {
  const put = (Key: string, Body: string) =>
    s3.client.send(new PutObjectCommand({ Bucket: fake.bucket, Key, Body }));
  for (const [path, content] of Object.entries(files))
    await put(`snapshots/${id}/worlds_local/${path}`, content);
  await put(
    `snapshots/${id}/manifest.json`,
    formatManifest({
      version: 1,
      id,
      world,
      created: '2026-11-20T19:00:00Z',
      reason: id.slice(17),
      format: 'folder',
      fileCount: Object.keys(files).length,
      totalBytes: Object.values(files).reduce((n, c) => n + c.length, 0),
      worlds: [world],
    }),
  );
}

describe('valheim world restore', () => {
  it('restores a snapshot after asking, and says where the replaced world went', async () => {
    // Given a snapshot of the world as a folder
    await putSnapshot(SNAPSHOT, 'Dedicated', { 'Dedicated/_main.0.fwl2': 'snap meta' });
    const deps = fake.deps(['yes']);

    // When
    await worldRestore({ config: writeConfig(), id: `snapshot:${SNAPSHOT}` }, deps);

    // Then
    expect(deps.term.stdout[0]).toBe(
      `Snapshot ${SNAPSHOT}: world "Dedicated" (Valheim 1.0 folder, 1 file, 9 B), taken 2026-11-20T19:00:00Z (discord).`,
    );
    expect(deps.promptLine).toHaveBeenCalledOnce();
    expect(fake.runs).toEqual([
      expect.objectContaining({
        MODE: 'restore',
        SNAPSHOT_ID: '20261124T080001Z-pre-restore',
        SOURCE_PREFIX: `snapshots/${SNAPSHOT}`,
      }),
    ]);
    expect(Object.fromEntries(fake.worldsLocal)).toEqual({ 'Dedicated/_main.0.fwl2': 'snap meta' });
    expect(deps.term.stdout.at(-1)).toBe(
      'The world it replaced is saved as snapshot:20261124T080001Z-pre-restore; to undo: npx valheim world restore snapshot:20261124T080001Z-pre-restore',
    );
  });

  it('restores an image zip: copied to S3 by the task, unpacked here, imported', async () => {
    // Given a zip in /config/backups
    fake.zips.set(
      'worlds-20261123-190500.zip',
      zipSync({
        'worlds_local/Dedicated.fwl': strToU8('zip fwl'),
        'worlds_local/Dedicated.db': strToU8('zip db'),
      }),
    );
    const deps = fake.deps();

    // When
    await worldRestore({ config: writeConfig(), id: 'zip:worlds-20261123-190500.zip', yes: true }, deps);

    // Then the task fetched it, and the restore ran from the upload with a pre-restore snapshot
    expect(fake.runs.map((run) => [run.MODE, run.BACKUP_NAME ?? run.SNAPSHOT_ID])).toEqual([
      ['fetch-backup', 'worlds-20261123-190500.zip'],
      ['restore', '20261124T080003Z-pre-restore'],
    ]);
    expect(fake.runs[1]?.SOURCE_PREFIX).toMatch(/^imports\/\d{8}T\d{6}Z-import$/);
    expect(fake.worldsLocal.get('Dedicated.db')).toBe('zip db');
    expect(deps.term.stdout[0]).toBe(
      'Found world "Dedicated" in zip:worlds-20261123-190500.zip: .fwl + .db, 2 files, 13 B.',
    );
  });

  it('prints the console steps for an AWS Backup recovery point and says it is not automated', async () => {
    fake.backupMock.on(ListRecoveryPointsByResourceCommand).resolves({
      RecoveryPoints: [
        {
          RecoveryPointArn: 'arn:aws:backup:eu-central-1:111122223333:recovery-point:1EB3B5E7',
          CreationDate: new Date('2026-11-24T05:00:00Z'),
          Status: 'COMPLETED',
          BackupVaultName: 'valheim-vault',
        },
      ],
    });
    const deps = fake.deps();
    const error = await worldRestore({ config: writeConfig(), id: 'backup:1EB3B5E7' }, deps).catch(
      (e: unknown) => e,
    );
    expect(deps.term.stdout[0]).toBe(
      'Restoring AWS Backup recovery point 1EB3B5E7 takes these steps (AWS Backup never restores in place):',
    );
    expect(deps.term.stdout.join('\n')).toContain('vault valheim-vault → recovery point arn:aws:backup:');
    expect(errorLines(error, false)).toEqual([
      'valheim: restoring an AWS Backup recovery point is not automated yet — follow the steps above, or restore a snapshot: or zip: backup instead (valheim world backups)',
    ]);
    expect(fake.ecsMock).not.toHaveReceivedCommand(RunTaskCommand);
  });

  it('refuses an incomplete snapshot, a snapshot of another world, a bad id and a running server', async () => {
    const config = writeConfig();
    await expect(
      worldRestore({ config, id: `snapshot:${SNAPSHOT}`, yes: true }, fake.deps()),
    ).rejects.toThrow(
      `snapshot ${SNAPSHOT} does not exist or is incomplete (it has no manifest) — choose one listed by valheim world backups`,
    );

    await putSnapshot(SNAPSHOT, 'Midgard', { 'Midgard.fwl': 'f', 'Midgard.db': 'd' });
    await expect(worldRestore({ config, id: SNAPSHOT, yes: true }, fake.deps())).rejects.toThrow(
      `snapshot ${SNAPSHOT} holds Midgard, not the world "Dedicated" — restore one of its worlds with --world Midgard, or choose a snapshot of Dedicated (valheim world backups --world Dedicated)`,
    );

    await expect(worldRestore({ config, id: 'yesterday', yes: true }, fake.deps())).rejects.toThrow(
      '"yesterday" is not a backup id',
    );

    await putSnapshot('20261121T190000Z-manual', 'Dedicated', { 'Dedicated.fwl': 'f', 'Dedicated.db': 'd' });
    fake.game = { desiredCount: 1, runningCount: 0 };
    await expect(
      worldRestore({ config, id: 'snapshot:20261121T190000Z-manual', yes: true }, fake.deps()),
    ).rejects.toThrow(/^the server is starting, and the world must not change under it — stop it first/);
    expect(fake.ecsMock).not.toHaveReceivedCommand(RunTaskCommand);
    expect(fake.worldsLocal.get('Dedicated.db')).toBe('current db');
  });
});
