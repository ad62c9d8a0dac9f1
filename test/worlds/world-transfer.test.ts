import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { transferCommand } from '../../src/worlds/transfer-script.js';
import { tree, write } from '../support/file-tree.js';
import { createTransferSandbox, SHELL, TRANSFER_SCRIPT, type TransferSandbox } from './fake-aws-cli.js';

/* The transfer script on real files: a temp folder stands for /config, another for the bucket, and a stub
 * `aws` first on PATH maps s3 sync/cp/ls between them (test/worlds/fake-aws.sh). */

let box: TransferSandbox;
beforeEach(() => {
  box = createTransferSandbox();
});
afterEach(() => box.dispose());

const ID = '20261123T190500Z-manual';
const PRE = '20261124T080000Z-pre-restore';

/** A Valheim 1.0 world: a folder of chunk files. */
const folderWorld = (name: string, tag = 'old') => ({
  [`${name}/_main.0.fwl2`]: `meta ${tag}`,
  [`${name}/chunk.0.0.fwl2`]: `chunk 0 ${tag}`,
  [`${name}/chunk.0.1.fwl2`]: `chunk 1 ${tag}`,
});
/** A legacy world: .fwl + .db (+ .old copies). */
const legacyWorld = (name: string, tag = 'old') => ({
  [`${name}.fwl`]: `fwl ${tag}`,
  [`${name}.db`]: `db ${tag} ${'x'.repeat(100)}`,
  [`${name}.db.old`]: `db.old ${tag}`,
});
function manifest(id: string, area = 'snapshots'): Record<string, unknown> {
  return JSON.parse(readFileSync(join(box.bucket, area, id, 'manifest.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}

/** An upload as the CLI makes it: imports/<id>/worlds_local/… then manifest.json. */
function putImport(id: string, files: Record<string, string>): string {
  write(join(box.bucket, 'imports', id, 'worlds_local'), files);
  write(join(box.bucket, 'imports', id), { 'manifest.json': '{"version":1}' });
  return `imports/${id}`;
}

const restoreEnv = (source: string, extra: Record<string, string> = {}) => ({
  MODE: 'restore',
  SNAPSHOT_ID: PRE,
  WORLD_NAME: 'Midgard',
  SOURCE_PREFIX: source,
  GAME_CLUSTER: 'valheim-ondemand',
  GAME_SERVICE: 'valheim-ondemand-server',
  ...extra,
});

describe('world-transfer.sh', () => {
  it('is POSIX sh (sh -n)', () => {
    expect(spawnSync(SHELL, ['-n', TRANSFER_SCRIPT]).status).toBe(0);
  });

  it('runs as the task definition runs it (sh -c with the script as its argument)', () => {
    write(join(box.config, 'worlds_local'), folderWorld('Midgard'));
    const { entryPoint, command } = transferCommand();
    const run = box.runCommand([...entryPoint, ...command], {
      MODE: 'snapshot',
      SNAPSHOT_ID: ID,
      WORLD_NAME: 'Midgard',
    });
    expect(run.status).toBe(0);
    expect(manifest(ID)).toMatchObject({ format: 'folder', fileCount: 3 });
  });

  describe('snapshot', () => {
    it('uploads a folder world and writes a manifest describing it', () => {
      // Given a Valheim 1.0 world and a second, legacy world on the server
      write(join(box.config, 'worlds_local'), { ...folderWorld('Midgard'), ...legacyWorld('Other') });

      // When taking a snapshot
      const run = box.run({ MODE: 'snapshot', SNAPSHOT_ID: ID, WORLD_NAME: 'Midgard' });

      // Then every file is in S3 below snapshots/<id>/worlds_local, with a manifest
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(tree(join(box.bucket, 'snapshots', ID, 'worlds_local'))).toEqual(
        tree(join(box.config, 'worlds_local')),
      );
      const bytes = Object.values(tree(join(box.config, 'worlds_local'))).reduce((n, s) => n + s.length, 0);
      expect(manifest(ID)).toEqual({
        version: 1,
        id: ID,
        world: 'Midgard',
        created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        reason: 'manual',
        format: 'folder',
        fileCount: 6,
        totalBytes: bytes,
        worlds: ['Midgard', 'Other'],
        sizes: { Midgard: 30, Other: 124 },
      });
      expect(run.stdout).toContain(`done: snapshot ${ID}`);
    });

    it('includes the legacy worlds folder, and says "both" when the world exists in both formats', () => {
      // Given the world as a folder in worlds_local and as .fwl/.db in the legacy worlds folder
      write(join(box.config, 'worlds_local'), folderWorld('Midgard'));
      write(join(box.config, 'worlds'), legacyWorld('Midgard'));

      // When / Then
      expect(box.run({ MODE: 'snapshot', SNAPSHOT_ID: ID, WORLD_NAME: 'Midgard' }).status).toBe(0);
      expect(tree(join(box.bucket, 'snapshots', ID, 'worlds'))).toEqual(tree(join(box.config, 'worlds')));
      expect(manifest(ID)).toMatchObject({ format: 'both', fileCount: 6, worlds: ['Midgard'] });
    });

    it('writes the manifest last, after checking that S3 holds every file', () => {
      // Given a legacy world
      write(join(box.config, 'worlds_local'), legacyWorld('Midgard'));

      // When taking a snapshot
      expect(box.run({ MODE: 'snapshot', SNAPSHOT_ID: ID, WORLD_NAME: 'Midgard' }).status).toBe(0);

      // Then the calls are: is the id free, upload, list what arrived, and only then the manifest
      const calls = box.calls();
      expect(calls.map((call) => call.split(' ').slice(0, 2).join(' '))).toEqual([
        's3 ls',
        's3 sync',
        's3 ls',
        's3 cp',
      ]);
      expect(calls.at(-1)).toBe(
        `s3 cp - s3://${box.bucketName}/snapshots/${ID}/manifest.json --content-type application/json --only-show-errors`,
      );
      expect(manifest(ID)).toMatchObject({ format: 'legacy', fileCount: 3 });
    });

    it.each([
      ['the upload fails halfway', { FAKE_AWS_FAIL_MATCH: 's3 sync' }],
      ['the check of what arrived fails', { FAKE_AWS_FAIL_AT: '3' }],
      ['the manifest cannot be written', { FAKE_AWS_FAIL_MATCH: 'manifest.json' }],
    ])('fails loudly and leaves no manifest when %s', (_, failure) => {
      // Given a world
      write(join(box.config, 'worlds_local'), folderWorld('Midgard'));

      // When a step of the snapshot fails
      const run = box.run({ MODE: 'snapshot', SNAPSHOT_ID: ID, WORLD_NAME: 'Midgard', ...failure });

      // Then the script exits non-zero and the snapshot has no manifest (it is never offered for restore)
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/world-transfer: error: /);
      expect(existsSync(join(box.bucket, 'snapshots', ID, 'manifest.json'))).toBe(false);
      expect(tree(join(box.config, 'worlds_local'))).toEqual(folderWorld('Midgard'));
    });

    it('fails when what arrived in S3 differs from the files on the server', () => {
      // Given a world and an S3 that loses one file (the stub's listing is filtered through a wrapper)
      write(join(box.config, 'worlds_local'), folderWorld('Midgard'));
      const wrapperBin = join(box.config, '..', 'lossy-bin');
      mkdirSync(wrapperBin);
      writeFileSync(
        join(wrapperBin, 'aws'),
        `#!/bin/sh\nif [ "$1 $2" = "s3 ls" ]; then out=$("$REAL_AWS" "$@") || exit; printf '%s\\n' "$out" | head -n 2; exit 0; fi\nexec "$REAL_AWS" "$@"\n`,
        { mode: 0o755 },
      );
      const realAws = join(box.config, '..', 'bin', 'aws');

      // When taking a snapshot
      const run = box.run({
        MODE: 'snapshot',
        SNAPSHOT_ID: ID,
        WORLD_NAME: 'Midgard',
        PATH: `${wrapperBin}:${join(box.config, '..', 'bin')}:${process.env.PATH}`,
        REAL_AWS: realAws,
      });

      // Then it refuses to call the snapshot complete
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/holds 2 files .* but worlds_local has 3/);
      expect(existsSync(join(box.bucket, 'snapshots', ID, 'manifest.json'))).toBe(false);
    });

    it('refuses an id that already exists, and an empty server', () => {
      write(join(box.config, 'worlds_local'), folderWorld('Midgard'));
      write(join(box.bucket, 'snapshots', ID), { 'worlds_local/x': 'earlier' });
      expect(box.run({ MODE: 'snapshot', SNAPSHOT_ID: ID, WORLD_NAME: 'Midgard' })).toMatchObject({
        status: 2,
        stderr: expect.stringContaining('already exists'),
      });
      expect(readFileSync(join(box.bucket, 'snapshots', ID, 'worlds_local/x'), 'utf8')).toBe('earlier');

      const empty = createTransferSandbox();
      try {
        expect(empty.run({ MODE: 'snapshot', SNAPSHOT_ID: ID, WORLD_NAME: 'Midgard' })).toMatchObject({
          status: 3,
          stderr: expect.stringContaining('nothing to snapshot'),
        });
      } finally {
        empty.dispose();
      }
    });
  });

  describe('restore', () => {
    it('snapshots the current world, then replaces it with an import, keeping the other worlds', () => {
      // Given a folder world and another world on the server, and an import of a legacy world
      const live = join(box.config, 'worlds_local');
      write(live, { ...folderWorld('Midgard'), ...legacyWorld('Other') });
      const source = putImport('20261124T075900Z-import', legacyWorld('Midgard', 'new'));

      // When restoring
      const run = box.run(restoreEnv(source));

      // Then the old world is a complete pre-restore snapshot…
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(tree(join(box.bucket, 'snapshots', PRE, 'worlds_local'))).toEqual({
        ...folderWorld('Midgard'),
        ...legacyWorld('Other'),
      });
      expect(manifest(PRE)).toMatchObject({ reason: 'pre-restore', format: 'folder', world: 'Midgard' });
      // …the live world is the import (the old folder is gone, the other world kept)…
      expect(tree(live)).toEqual({ ...legacyWorld('Midgard', 'new'), ...legacyWorld('Other') });
      // …and nothing is left next to it
      expect(readdirSync(box.config)).toEqual(['worlds_local']);
      expect(run.stdout).toContain(`done: world Midgard (legacy) restored from ${source}`);
    });

    it('restores a folder world from a snapshot', () => {
      // Given a legacy world on the server and a snapshot of a folder world
      const live = join(box.config, 'worlds_local');
      write(live, legacyWorld('Midgard'));
      write(join(box.bucket, 'snapshots', ID, 'worlds_local'), folderWorld('Midgard', 'snap'));
      write(join(box.bucket, 'snapshots', ID), { 'manifest.json': '{}' });

      // When / Then
      expect(box.run(restoreEnv(`snapshots/${ID}`)).status).toBe(0);
      expect(tree(live)).toEqual(folderWorld('Midgard', 'snap'));
      expect(tree(join(box.bucket, 'snapshots', PRE, 'worlds_local'))).toEqual(legacyWorld('Midgard'));
    });

    it('restores a snapshot whose world is only in the legacy worlds folder into worlds_local', () => {
      write(join(box.config, 'worlds_local'), folderWorld('Midgard'));
      write(join(box.bucket, 'snapshots', ID, 'worlds'), legacyWorld('Midgard', 'legacy'));
      write(join(box.bucket, 'snapshots', ID), { 'manifest.json': '{}' });
      const run = box.run(restoreEnv(`snapshots/${ID}`));
      expect(run.stderr).toBe('');
      expect(tree(join(box.config, 'worlds_local'))).toEqual(legacyWorld('Midgard', 'legacy'));
    });

    it('works on a server without a world yet (nothing to snapshot)', () => {
      const source = putImport('20261124T075900Z-import', folderWorld('Midgard', 'new'));
      const run = box.run(restoreEnv(source));
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('nothing to snapshot');
      expect(existsSync(join(box.bucket, 'snapshots', PRE))).toBe(false);
      expect(tree(join(box.config, 'worlds_local'))).toEqual(folderWorld('Midgard', 'new'));
    });

    it('whichever call fails, the world is either the old one (exit ≠ 0) or the new one with a snapshot', () => {
      // Given a successful run counted once…
      const original = { ...folderWorld('Midgard'), ...legacyWorld('Other') };
      const importFiles = legacyWorld('Midgard', 'new');
      write(join(box.config, 'worlds_local'), original);
      expect(box.run(restoreEnv(putImport('20261124T075900Z-import', importFiles))).status).toBe(0);
      const callCount = box.calls().length;
      expect(callCount).toBeGreaterThanOrEqual(9);

      // …when each call in turn fails in a fresh sandbox
      const succeeded: number[] = [];
      for (let n = 1; n <= callCount; n++) {
        const sandbox = createTransferSandbox();
        try {
          const live = join(sandbox.config, 'worlds_local');
          write(live, original);
          write(join(sandbox.bucket, 'imports/20261124T075900Z-import/worlds_local'), importFiles);
          write(join(sandbox.bucket, 'imports/20261124T075900Z-import'), { 'manifest.json': '{}' });
          const run = sandbox.run(
            restoreEnv('imports/20261124T075900Z-import', { FAKE_AWS_FAIL_AT: String(n) }),
          );

          // Then nothing is half-done
          const now = tree(live);
          if (run.status === 0) {
            succeeded.push(n);
            expect(now, `call ${n}`).toEqual({ ...importFiles, ...legacyWorld('Other') });
            expect(existsSync(join(sandbox.bucket, 'snapshots', PRE, 'manifest.json')), `call ${n}`).toBe(
              true,
            );
          } else {
            expect(now, `call ${n}: ${run.stderr}`).toEqual(original);
          }
          expect(readdirSync(sandbox.config), `call ${n}`).toEqual(['worlds_local']);
        } finally {
          sandbox.dispose();
        }
      }
      // Only the failed "does this snapshot id exist yet?" probe (call 2) is harmless
      expect(succeeded).toEqual([2]);
    });

    it('keeps the live world when the download stops halfway', () => {
      // Given a world and an import whose download fails after one file
      const live = join(box.config, 'worlds_local');
      write(live, folderWorld('Midgard'));
      const source = putImport('20261124T075900Z-import', folderWorld('Midgard', 'new'));

      // When
      const run = box.run(restoreEnv(source, { FAKE_AWS_FAIL_MATCH: `sync s3://${box.bucketName}/imports` }));

      // Then the live world is unchanged and the partial download is gone
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/download of .* failed; the world on the server is unchanged/);
      expect(tree(live)).toEqual(folderWorld('Midgard'));
      expect(existsSync(join(box.config, 'worlds_local.incoming'))).toBe(false);
    });

    it('does not touch the world when the pre-restore snapshot fails', () => {
      const live = join(box.config, 'worlds_local');
      write(live, folderWorld('Midgard'));
      const source = putImport('20261124T075900Z-import', folderWorld('Midgard', 'new'));
      const run = box.run(
        restoreEnv(source, { FAKE_AWS_FAIL_MATCH: `s3://${box.bucketName}/snapshots/${PRE}/worlds_local` }),
      );
      expect(run.status).toBe(1);
      expect(tree(live)).toEqual(folderWorld('Midgard'));
      // It never looked at the source
      expect(box.calls().some((call) => call.includes('imports/'))).toBe(false);
    });

    it('clears a worlds_local.incoming left by an interrupted run before downloading', () => {
      // Given leftovers of an earlier run, including a file the import does not have
      write(join(box.config, 'worlds_local'), folderWorld('Midgard'));
      write(join(box.config, 'worlds_local.incoming'), { 'Midgard/stale.fwl2': 'stale', 'Junk.db': 'junk' });
      const source = putImport('20261124T075900Z-import', folderWorld('Midgard', 'new'));

      // When
      const run = box.run(restoreEnv(source));

      // Then the leftovers ended up nowhere
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('removing worlds_local.incoming left by an interrupted run');
      expect(tree(join(box.config, 'worlds_local'))).toEqual(folderWorld('Midgard', 'new'));
    });

    it('refuses a source without the world, and leaves everything as it was', () => {
      // Given an import holding another world only
      const live = join(box.config, 'worlds_local');
      write(live, folderWorld('Midgard'));
      const source = putImport('20261124T075900Z-import', {
        ...legacyWorld('Asgard'),
        'Midgard.fwl': 'fwl only',
      });

      // When
      const run = box.run(restoreEnv(source));

      // Then
      expect(run.status).toBe(3);
      expect(run.stderr).toContain('holds no world "Midgard"');
      expect(run.stderr).toContain('found: "Asgard", "Midgard"');
      expect(tree(live)).toEqual(folderWorld('Midgard'));
      expect(readdirSync(box.config)).toEqual(['worlds_local']);
    });

    it('refuses a source without manifest (an incomplete upload or snapshot)', () => {
      write(join(box.config, 'worlds_local'), folderWorld('Midgard'));
      write(join(box.bucket, 'snapshots', ID, 'worlds_local'), folderWorld('Midgard', 'partial'));
      const run = box.run(restoreEnv(`snapshots/${ID}`));
      expect(run.status).toBe(5);
      expect(run.stderr).toContain('has no manifest.json');
      expect(tree(join(box.config, 'worlds_local'))).toEqual(folderWorld('Midgard'));
    });

    it('refuses while the game service has a task, before touching anything', () => {
      write(join(box.config, 'worlds_local'), folderWorld('Midgard'));
      const source = putImport('20261124T075900Z-import', folderWorld('Midgard', 'new'));
      const run = box.run(restoreEnv(source, { FAKE_ECS_COUNTS: '1\t1\t0' }));
      expect(run.status).toBe(4);
      expect(run.stderr).toContain('the game server is running (desired 1, running 1, pending 0)');
      expect(box.calls()).toEqual([
        `ecs describe-services --cluster valheim-ondemand --services valheim-ondemand-server --query services[0].[desiredCount,runningCount,pendingCount] --output text`,
      ]);
      expect(tree(join(box.config, 'worlds_local'))).toEqual(folderWorld('Midgard'));
    });

    it('puts the previous world back when an earlier restore died between its two renames', () => {
      // Given worlds_local missing and the previous world set aside
      write(join(box.config, 'worlds_local.previous-20261124T070000Z'), folderWorld('Midgard'));
      write(join(box.config, 'worlds_local.incoming'), folderWorld('Midgard', 'half'));

      // When a snapshot runs
      const run = box.run({ MODE: 'snapshot', SNAPSHOT_ID: ID, WORLD_NAME: 'Midgard' });

      // Then it first puts the world back, and snapshots it
      expect(run.status).toBe(0);
      expect(tree(join(box.config, 'worlds_local'))).toEqual(folderWorld('Midgard'));
      expect(tree(join(box.bucket, 'snapshots', ID, 'worlds_local'))).toEqual(folderWorld('Midgard'));
    });

    it('rejects bad input with exit code 2', () => {
      const cases: Array<Record<string, string>> = [
        { MODE: 'wipe' },
        { MODE: 'snapshot', SNAPSHOT_ID: 'latest', WORLD_NAME: 'Midgard' },
        { MODE: 'snapshot', SNAPSHOT_ID: ID, WORLD_NAME: '../etc' },
        restoreEnv('snapshots/../../x'),
        restoreEnv('other/20261124T075900Z-import'),
        { MODE: 'fetch-backup', BACKUP_NAME: '../worlds_local/Midgard.db' },
        { MODE: 'snapshot', SNAPSHOT_ID: ID, WORLD_NAME: 'Midgard', BUCKET: 's3://x' },
      ];
      for (const env of cases) expect(box.run(env).status, JSON.stringify(env)).toBe(2);
    });
  });

  describe('image backups', () => {
    it('lists the zips in /config/backups with size and modification time', () => {
      write(join(box.config, 'backups'), {
        'worlds-20261123-190500.zip': 'zip one',
        'worlds-20261124-190500.zip': 'zip number two',
        'notes.txt': 'not a zip',
      });
      utimesSync(join(box.config, 'backups', 'worlds-20261123-190500.zip'), 1_795_460_700, 1_795_460_700);
      const run = box.run({ MODE: 'list-backups', SNAPSHOT_ID: '20261124T080000Z-list' });
      expect(run.status).toBe(0);
      const lines = readFileSync(join(box.bucket, 'listings', '20261124T080000Z-list.txt'), 'utf8').split(
        '\n',
      );
      expect(lines[0]).toBe('7 1795460700 worlds-20261123-190500.zip');
      expect(lines[1]).toMatch(/^14 \d+ worlds-20261124-190500\.zip$/);
      expect(lines.slice(2)).toEqual(['']);
    });

    it('writes an empty listing when there are no zips', () => {
      expect(box.run({ MODE: 'list-backups', SNAPSHOT_ID: '20261124T080000Z-list' }).status).toBe(0);
      expect(statSync(join(box.bucket, 'listings', '20261124T080000Z-list.txt')).size).toBe(0);
    });

    it('copies one zip to image-backups/, and says when it does not exist', () => {
      write(join(box.config, 'backups'), { 'worlds-20261123-190500.zip': 'zip one' });
      expect(box.run({ MODE: 'fetch-backup', BACKUP_NAME: 'worlds-20261123-190500' }).status).toBe(0);
      expect(readFileSync(join(box.bucket, 'image-backups', 'worlds-20261123-190500.zip'), 'utf8')).toBe(
        'zip one',
      );
      expect(box.run({ MODE: 'fetch-backup', BACKUP_NAME: 'worlds-20200101-000000.zip' })).toMatchObject({
        status: 3,
        stderr: expect.stringContaining('no backup worlds-20200101-000000.zip'),
      });
    });
  });

  describe('one snapshot or restore at a time (the transfer lock; see transfer-lock.test.ts)', () => {
    const snapshotEnv = { MODE: 'snapshot', SNAPSHOT_ID: ID, WORLD_NAME: 'Midgard' };

    it('refuses a snapshot (exit 6) while a restore is under way, and the restore still puts its world in place', async () => {
      // Given a restore paused in the middle of its download (it holds the lock)
      write(join(box.config, 'worlds_local'), folderWorld('Midgard'));
      const source = putImport('20261124T075900Z-import', folderWorld('Midgard', 'new'));
      const restore = box.start(
        restoreEnv(source, { FAKE_ECS_COUNTS: '0\t0\t0', FAKE_AWS_PAUSE_MATCH: 'sync s3://' }),
      );
      await box.paused();
      expect(box.lock()?.holder).toMatch(new RegExp(`^restore ${PRE} since \\d{4}-`));

      // When /valheim backup's snapshot starts meanwhile
      const snapshot = box.run(snapshotEnv);

      // Then the snapshot is refused without touching anything, and the restore completes with the new world
      expect(snapshot.status).toBe(6);
      expect(snapshot.stderr).toContain('another world snapshot or restore is running (restore');
      expect(existsSync(join(box.bucket, 'snapshots', ID))).toBe(false);
      box.resume();
      const restored = await restore;
      expect(restored.status, restored.stderr).toBe(0);
      expect(tree(join(box.config, 'worlds_local'))).toEqual(folderWorld('Midgard', 'new'));
      expect(box.lock()).toBeUndefined();
    });

    it('releases the lock when it fails, so the next transfer can run', () => {
      write(join(box.config, 'worlds_local'), folderWorld('Midgard'));
      expect(box.run({ ...snapshotEnv, FAKE_AWS_FAIL_MATCH: 'sync' }).status).toBe(1);
      expect(box.lock()).toBeUndefined();
      expect(box.run({ ...snapshotEnv, SNAPSHOT_ID: '20261123T190600Z-manual' }).status).toBe(0);
    });
  });
});
