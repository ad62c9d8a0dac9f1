import { ECSClient } from '@aws-sdk/client-ecs';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionSnapshots } from '../../src/monitor/session-snapshots.js';
import { formatManifest } from '../../src/worlds/manifest.js';
import { snapshotsToPrune } from '../../src/worlds/snapshot-policy.js';
import { pruneSnapshots } from '../../src/worlds/snapshot-retention.js';
import { type LocalS3, startS3rver } from '../support/s3rver.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T12:00:00Z');
/** An id `days` before NOW with the given reason. */
const idAgo = (days: number, reason: string) =>
  `${new Date(NOW - days * DAY)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${reason}`;

describe('snapshot retention (count and age)', () => {
  it('deletes an automatic snapshot only when it is beyond the newest keepCount and older than keepDays', () => {
    // Given five session snapshots 1, 10, 70, 80 and 90 days old
    const ids = [1, 10, 70, 80, 90].map((days) => idAgo(days, 'session-end'));
    // When 3 are kept by count and 60 days by age
    const doomed = snapshotsToPrune(ids, { keepCount: 3, keepDays: 60 }, NOW);
    // Then only the two oldest go (the 70-day one is among the newest three)
    expect(doomed).toEqual([idAgo(80, 'session-end'), idAgo(90, 'session-end')]);
  });

  it('never deletes the newest keepCount, however old (one boot after a long break costs nothing)', () => {
    const ids = [400, 500, 600].map((days) => idAgo(days, 'session'));
    expect(snapshotsToPrune(ids, { keepCount: 3, keepDays: 60 }, NOW)).toEqual([]);
  });

  it('never prunes snapshots somebody asked for, nor counts them', () => {
    const ids = [
      idAgo(100, 'manual'),
      idAgo(100, 'discord'),
      idAgo(100, 'pre-restore'),
      idAgo(100, 'session-end'),
    ];
    expect(snapshotsToPrune(ids, { keepCount: 1, keepDays: 60 }, NOW)).toEqual([]);
    expect(snapshotsToPrune([...ids, idAgo(90, 'session-end')], { keepCount: 1, keepDays: 60 }, NOW)).toEqual(
      [idAgo(100, 'session-end')],
    );
  });

  describe('in the bucket', () => {
    let s3: LocalS3;
    beforeAll(async () => {
      s3 = await startS3rver();
    });
    afterAll(async () => {
      await s3.close();
    });

    async function putSnapshot(id: string, complete: boolean) {
      const prefix = `snapshots/${id}`;
      for (const key of ['worlds_local/Midgard/0_0.chunk', 'worlds_local/Midgard/meta.fwl']) {
        await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/${key}`, Body: 'x' }));
      }
      if (!complete) return;
      const manifest = formatManifest({
        version: 1,
        id,
        world: 'Midgard',
        created: new Date(NOW).toISOString().replace(/\.\d+Z$/, 'Z'),
        reason: id.split('-').slice(1).join('-'),
        format: 'folder',
        fileCount: 2,
        totalBytes: 2,
        worlds: ['Midgard'],
      });
      await s3.client.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/manifest.json`, Body: manifest }),
      );
    }
    const keys = async () =>
      ((await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket }))).Contents ?? []).map(
        (o) => o.Key,
      );

    it('deletes every object of a pruned snapshot, and leaves incomplete ones and kept ones alone', async () => {
      // Given two complete old session snapshots, one complete recent one, and an interrupted old one
      const old1 = idAgo(90, 'session-end');
      const old2 = idAgo(80, 'session');
      const recent = idAgo(1, 'session-end');
      const interrupted = idAgo(95, 'session-end');
      for (const id of [old1, old2, recent]) await putSnapshot(id, true);
      await putSnapshot(interrupted, false);
      // When the retention keeps one by count and 60 days by age
      const pruned = await pruneSnapshots(s3.client, s3.bucket, { keepCount: 1, keepDays: 60 }, NOW);
      // Then the two old complete ones are gone, completely
      expect(pruned.sort()).toEqual([old1, old2].sort());
      const left = await keys();
      expect(left.filter((key) => key?.includes(old1) || key?.includes(old2))).toEqual([]);
      expect(left.filter((key) => key?.includes(recent))).toHaveLength(3);
      // And the interrupted one (no manifest) is neither counted nor deleted
      expect(left.filter((key) => key?.includes(interrupted))).toHaveLength(2);
    });

    it("is what the monitor's snapshot port runs after a completed snapshot", async () => {
      // Given an old session snapshot beyond a keepCount of 1 (the recent one from before is the newest)
      const old = idAgo(120, 'session-end');
      await putSnapshot(old, true);
      const port = sessionSnapshots(new ECSClient({}), async () => s3.client, 'valheim', 'valheim-server', {
        taskDefinition: 'valheim-ondemand-world-transfer',
        subnets: ['subnet-0123456789abcdef0'],
        securityGroups: ['sg-0123456789abcdef0'],
        bucket: s3.bucket,
        worldName: 'Midgard',
        keepCount: 1,
        keepDays: 60,
      });
      // When it prunes, Then the old one goes
      expect(await port.prune(NOW)).toEqual([old]);
      expect((await keys()).filter((key) => key?.includes(old))).toEqual([]);
    });
  });
});
