import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/worlds/manifest.js';
import { tree, write } from '../support/file-tree.js';
import { createTransferSandbox, type TransferSandbox } from './fake-aws-cli.js';

/*
 * world-transfer.sh with several worlds on the file system: a restore or a delete names one world and
 * leaves every other exactly as it is; a snapshot says how big each world is. Real files, the stub `aws`
 * (see world-transfer.test.ts for the script's other promises).
 */

let box: TransferSandbox;
beforeEach(() => {
  box = createTransferSandbox();
});
afterEach(() => box.dispose());

const SNAP = '20261123T190500Z-manual';
const PRE = '20261124T080000Z-pre-restore';
const GAME = { GAME_CLUSTER: 'valheim-ondemand', GAME_SERVICE: 'valheim-ondemand-server' };

const folderWorld = (name: string, tag: string) => ({
  [`${name}/_main.0.fwl2`]: `meta ${tag}`,
  [`${name}/chunk.0.0.fwl2`]: `chunk ${tag}`,
});
const legacyWorld = (name: string, tag: string) => ({
  [`${name}.fwl`]: `fwl ${tag}`,
  [`${name}.db`]: `db ${tag}`,
});

describe('world-transfer.sh with several worlds', () => {
  it('a snapshot records the size of each world', () => {
    write(join(box.config, 'worlds_local'), {
      ...folderWorld('Midgard', 'a'),
      ...legacyWorld('Ashlands', 'bb'),
      ...legacyWorld('Midgard_2', 'c'),
    });
    expect(box.run({ MODE: 'snapshot', SNAPSHOT_ID: SNAP, WORLD_NAME: 'Midgard' }).status).toBe(0);
    const manifest = parseManifest(
      readFileSync(join(box.bucket, 'snapshots', SNAP, 'manifest.json'), 'utf8'),
    );
    expect(manifest?.sizes).toEqual({ Ashlands: 11, Midgard: 13, Midgard_2: 9 });
  });

  it('a restore takes only its world from a snapshot: the other worlds keep their newer files', () => {
    // Given a snapshot of both worlds, then both played on since
    const live = join(box.config, 'worlds_local');
    write(join(box.bucket, 'snapshots', SNAP, 'worlds_local'), {
      ...folderWorld('Midgard', 'then'),
      ...legacyWorld('Ashlands', 'then'),
    });
    write(join(box.bucket, 'snapshots', SNAP), { 'manifest.json': '{}' });
    write(live, { ...folderWorld('Midgard', 'now'), ...legacyWorld('Ashlands', 'now') });

    // When restoring Midgard from it
    const run = box.run({
      MODE: 'restore',
      SNAPSHOT_ID: PRE,
      WORLD_NAME: 'Midgard',
      SOURCE_PREFIX: `snapshots/${SNAP}`,
      ...GAME,
    });

    // Then Midgard is the snapshot's, Ashlands is untouched
    expect(run.status, run.stderr).toBe(0);
    expect(tree(live)).toEqual({ ...folderWorld('Midgard', 'then'), ...legacyWorld('Ashlands', 'now') });
  });

  it('a restore of a world the server does not have yet adds it beside the others', () => {
    const live = join(box.config, 'worlds_local');
    write(live, folderWorld('Midgard', 'now'));
    write(
      join(box.bucket, 'imports', '20261124T075900Z-import', 'worlds_local'),
      legacyWorld('Ashlands', 'pc'),
    );
    write(join(box.bucket, 'imports', '20261124T075900Z-import'), { 'manifest.json': '{}' });
    const run = box.run({
      MODE: 'restore',
      SNAPSHOT_ID: '20261124T080000Z-pre-import',
      WORLD_NAME: 'Ashlands',
      SOURCE_PREFIX: 'imports/20261124T075900Z-import',
      ...GAME,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(tree(live)).toEqual({ ...folderWorld('Midgard', 'now'), ...legacyWorld('Ashlands', 'pc') });
  });

  describe('delete', () => {
    const deleteEnv = (world: string, extra: Record<string, string> = {}) => ({
      MODE: 'delete',
      SNAPSHOT_ID: '20261124T080000Z-pre-delete',
      WORLD_NAME: world,
      ...GAME,
      ...extra,
    });

    it('snapshots everything, then removes the one world from worlds_local and the legacy folder', () => {
      // Given two worlds, one also in the legacy folder, and a world whose name starts like it
      write(join(box.config, 'worlds_local'), {
        ...folderWorld('Midgard', 'a'),
        ...legacyWorld('Midgard', 'a'),
        'Midgard.db.old': 'old',
        ...legacyWorld('Midgard_2', 'b'),
        ...folderWorld('Ashlands', 'c'),
      });
      write(join(box.config, 'worlds'), {
        ...legacyWorld('Midgard', 'legacy'),
        ...legacyWorld('Other', 'd'),
      });
      const before = tree(join(box.config, 'worlds_local'));

      // When deleting Midgard
      const run = box.run(deleteEnv('Midgard'));

      // Then the snapshot holds it all, and only Midgard is gone
      expect(run.status, run.stderr).toBe(0);
      expect(tree(join(box.bucket, 'snapshots', '20261124T080000Z-pre-delete', 'worlds_local'))).toEqual(
        before,
      );
      expect(tree(join(box.config, 'worlds_local'))).toEqual({
        ...legacyWorld('Midgard_2', 'b'),
        ...folderWorld('Ashlands', 'c'),
      });
      expect(tree(join(box.config, 'worlds'))).toEqual(legacyWorld('Other', 'd'));
      expect(readdirSync(box.config).sort()).toEqual(['worlds', 'worlds_local']);
    });

    it('refuses a world that is not there (exit 3), and while the game runs (exit 4), changing nothing', () => {
      write(join(box.config, 'worlds_local'), folderWorld('Midgard', 'a'));
      const absent = box.run(deleteEnv('Asgard'));
      expect(absent.status).toBe(3);
      expect(absent.stderr).toContain('there is no world "Asgard" on the server (found: "Midgard")');
      const running = box.run(deleteEnv('Midgard', { FAKE_ECS_COUNTS: '1\t1\t0' }));
      expect(running.status).toBe(4);
      expect(tree(join(box.config, 'worlds_local'))).toEqual(folderWorld('Midgard', 'a'));
      expect(existsSync(join(box.bucket, 'snapshots'))).toBe(false);
    });

    it('deletes nothing when the snapshot first fails', () => {
      write(join(box.config, 'worlds_local'), folderWorld('Midgard', 'a'));
      const run = box.run(
        deleteEnv('Midgard', {
          FAKE_AWS_FAIL_MATCH: `s3://${box.bucketName}/snapshots/20261124T080000Z-pre-delete/worlds_local`,
        }),
      );
      expect(run.status).not.toBe(0);
      expect(tree(join(box.config, 'worlds_local'))).toEqual(folderWorld('Midgard', 'a'));
    });
  });
});
