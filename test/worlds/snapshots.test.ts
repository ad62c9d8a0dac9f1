import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseManifest, type TransferManifest } from '../../src/worlds/manifest.js';
import {
  downloadSnapshotWorld,
  listObjects,
  listSnapshots,
  mapLimit,
  readManifest,
  readText,
  uploadWorld,
} from '../../src/worlds/snapshots.js';
import { findWorld } from '../../src/worlds/world-files.js';
import { mockAwsClient } from '../support/aws-mock.js';
import { type LocalS3, startS3rver } from '../support/s3rver.js';

let s3: LocalS3;
let bucket: string;
/** Keys written, in order (PutObject and CreateMultipartUpload), seen by a middleware on the client. */
let writes: string[] = [];

beforeAll(async () => {
  s3 = await startS3rver();
  s3.client.middlewareStack.add(
    (next, context) => async (args) => {
      const { commandName } = context as { commandName?: string };
      const input = args.input as { Key?: string };
      if (
        (commandName === 'PutObjectCommand' || commandName === 'CreateMultipartUploadCommand') &&
        input.Key
      ) {
        writes.push(`${commandName.replace('Command', '')} ${input.Key}`);
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordWrites' },
  );
});
afterAll(async () => s3.close());
beforeEach(async () => {
  writes = [];
  // A fresh bucket per test keeps listings independent.
  bucket = `worlds-${Math.random().toString(36).slice(2, 10)}`;
  await s3.createBucket(bucket);
});

function tempDir(files: Record<string, string | Buffer> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'snapshots-test-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

async function put(key: string, body: string): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function get(key: string): Promise<Buffer> {
  const object = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await (object.Body?.transformToByteArray() ?? new Uint8Array()));
}

function manifest(id: string, overrides: Partial<TransferManifest> = {}): TransferManifest {
  return {
    version: 1,
    id,
    world: 'Midgard',
    created: `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T${id.slice(9, 11)}:${id.slice(11, 13)}:${id.slice(13, 15)}Z`,
    reason: id.slice(17),
    format: 'folder',
    fileCount: 2,
    totalBytes: 10,
    worlds: ['Midgard'],
    ...overrides,
  };
}

/**
 * A client (its own instance, mocked) whose ListObjectsV2 answers `perPage` entries per page with continuation
 * tokens, as S3 does for large listings; s3rver cannot page. GetObject answers from `objects`.
 */
function pagedBucket(keys: readonly string[], perPage: number, objects: Record<string, string> = {}) {
  const client = new S3Client({ region: 'eu-central-1' });
  const mock = mockAwsClient(client);
  mock.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
    const prefix = input.Prefix ?? '';
    const matching = keys.filter((key) => key.startsWith(prefix));
    const names = input.Delimiter
      ? [...new Set(matching.map((key) => key.slice(0, key.indexOf('/', prefix.length) + 1)))]
      : matching;
    const from = Number(input.ContinuationToken ?? 0);
    const page = names.slice(from, from + perPage);
    const more = from + perPage < names.length;
    return {
      ...(input.Delimiter
        ? { CommonPrefixes: page.map((Prefix) => ({ Prefix })) }
        : { Contents: page.map((Key) => ({ Key, Size: 1 })) }),
      IsTruncated: more,
      ...(more && { NextContinuationToken: String(from + perPage) }),
    };
  });
  mock.on(GetObjectCommand).callsFake((input: { Key?: string }) => {
    const text = objects[input.Key ?? ''];
    if (text === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    // readText only asks the body for its text.
    return { Body: { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'] };
  });
  return { client, pages: () => mock.commandCalls(ListObjectsV2Command).length };
}

describe('uploadWorld', () => {
  it('uploads a folder world below imports/<id>/worlds_local and writes the manifest last', async () => {
    // Given a Valheim 1.0 world folder
    const dir = tempDir({
      'Midgard/_main.0.fwl2': 'meta',
      'Midgard/chunk.0.0.fwl2': 'chunk zero',
      'Midgard/sub/chunk.1.fwl2': '',
    });
    const world = findWorld(join(dir, 'Midgard'), 'Midgard');
    const progress: Array<[number, number]> = [];

    // When uploading it
    const prefix = await uploadWorld(
      s3.client,
      bucket,
      world,
      '20261124T075900Z-import',
      new Date('2026-11-24T07:59:00.123Z'),
      (done, total) => progress.push([done, total]),
    );

    // Then every file is there with its content, the manifest describes it, and it was written last
    expect(prefix).toBe('imports/20261124T075900Z-import');
    expect((await listObjects(s3.client, bucket, `${prefix}/`)).map((o) => o.key)).toEqual([
      `${prefix}/manifest.json`,
      `${prefix}/worlds_local/Midgard/_main.0.fwl2`,
      `${prefix}/worlds_local/Midgard/chunk.0.0.fwl2`,
      `${prefix}/worlds_local/Midgard/sub/chunk.1.fwl2`,
    ]);
    expect((await get(`${prefix}/worlds_local/Midgard/chunk.0.0.fwl2`)).toString()).toBe('chunk zero');
    expect(await readManifest(s3.client, bucket, prefix)).toEqual({
      version: 1,
      id: '20261124T075900Z-import',
      world: 'Midgard',
      created: '2026-11-24T07:59:00Z',
      reason: 'import',
      format: 'folder',
      fileCount: 3,
      totalBytes: 14,
      worlds: ['Midgard'],
    });
    expect(writes.at(-1)).toBe(`PutObject ${prefix}/manifest.json`);
    // Progress ends at the total and never goes back
    expect(progress.at(-1)).toEqual([14, 14]);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]?.[0]).toBeGreaterThanOrEqual(progress[i - 1]?.[0] ?? 0);
    }
  });

  it('uploads a big file in parts', async () => {
    // Given a legacy world with a 17 MB .db (more than one 16 MiB part)
    const db = Buffer.alloc(17 * 1024 * 1024, 7);
    db.write('the end', db.length - 7);
    const dir = tempDir({ 'Midgard.fwl': 'fwl', 'Midgard.db': db });
    const world = findWorld(join(dir, 'Midgard.db'), 'Midgard');

    // When
    const prefix = await uploadWorld(s3.client, bucket, world, '20261124T075900Z-import', new Date());

    // Then it went up as a multipart upload and arrived whole
    expect(writes).toContain(`CreateMultipartUpload ${prefix}/worlds_local/Midgard.db`);
    expect((await get(`${prefix}/worlds_local/Midgard.db`)).equals(db)).toBe(true);
    expect((await readManifest(s3.client, bucket, prefix))?.format).toBe('legacy');
  });
});

describe('listSnapshots', () => {
  it('lists complete snapshots newest first and reports the incomplete ones apart', async () => {
    // Given two complete snapshots, one without manifest, one with a damaged manifest, and a stray prefix
    const older = manifest('20261120T190000Z-discord');
    const newer = manifest('20261123T190500Z-manual', { format: 'legacy', worlds: ['Midgard', 'Other'] });
    for (const m of [older, newer]) {
      await put(`snapshots/${m.id}/worlds_local/Midgard.db`, 'db');
      await put(`snapshots/${m.id}/manifest.json`, JSON.stringify(m));
    }
    // (s3rver 3.7.1 reports a common prefix only when an object sits directly in it, unlike S3, which also
    // reports prefixes holding deeper keys only; hence the object next to worlds_local/.)
    await put('snapshots/20261124T080000Z-pre-restore/worlds_local/Midgard.db', 'partial');
    await put('snapshots/20261124T080000Z-pre-restore/worlds.txt', 'partial');
    await put('snapshots/20261125T080000Z-manual/manifest.json', '{"version": 1, "id": "trunc');
    await put('snapshots/notes/readme.txt', 'not a snapshot');

    // When / Then
    expect(await listSnapshots(s3.client, bucket)).toEqual({
      snapshots: [newer, older],
      incomplete: ['20261124T080000Z-pre-restore', '20261125T080000Z-manual'],
    });
  });

  it('is empty for an empty bucket', async () => {
    expect(await listSnapshots(s3.client, bucket)).toEqual({ snapshots: [], incomplete: [] });
  });

  it('pages through many snapshots', async () => {
    // Given more snapshots than a page (5 per page here)
    const ids = Array.from({ length: 12 }, (_, i) => `202611${String(10 + i)}T190000Z-manual`);
    const objects = Object.fromEntries(
      ids.map((id) => [`snapshots/${id}/manifest.json`, JSON.stringify(manifest(id))]),
    );
    const bucketOf12 = pagedBucket(Object.keys(objects), 5, objects);

    // When
    const { snapshots } = await listSnapshots(bucketOf12.client, bucket);

    // Then every page was read
    expect(bucketOf12.pages()).toBe(3);
    expect(snapshots.map((m) => m.id)).toEqual([...ids].reverse());
  });
});

describe('downloadSnapshotWorld', () => {
  it("downloads only the world's files into <dir>/<world>-<id>/, laid out as in worlds_local", async () => {
    // Given a snapshot with the world as a folder, and another world
    const m = manifest('20261123T190500Z-manual', { worlds: ['Midgard', 'Other'] });
    await put(`snapshots/${m.id}/worlds_local/Midgard/_main.0.fwl2`, 'meta');
    await put(`snapshots/${m.id}/worlds_local/Midgard/chunk.0.0.fwl2`, 'chunk');
    await put(`snapshots/${m.id}/worlds_local/Other.fwl`, 'other');
    await put(`snapshots/${m.id}/worlds_local/Other.db`, 'other db');
    await put(`snapshots/${m.id}/manifest.json`, JSON.stringify(m));
    const out = tempDir();
    const progress: Array<[number, number]> = [];

    // When
    const result = await downloadSnapshotWorld(s3.client, bucket, m, out, (done, total) =>
      progress.push([done, total]),
    );

    // Then
    const target = join(out, 'Midgard-20261123T190500Z-manual');
    expect(result).toEqual({ directory: target, format: 'folder', fileCount: 2, totalBytes: 9 });
    expect(readdirSync(out)).toEqual(['Midgard-20261123T190500Z-manual']);
    expect(readdirSync(join(target, 'Midgard')).sort()).toEqual(['_main.0.fwl2', 'chunk.0.0.fwl2']);
    expect(readFileSync(join(target, 'Midgard', 'chunk.0.0.fwl2'), 'utf8')).toBe('chunk');
    expect(progress[0]).toEqual([0, 9]);
    expect(progress.at(-1)).toEqual([9, 9]);
  });

  it('takes a legacy world from the legacy worlds folder when worlds_local lacks it', async () => {
    const m = manifest('20261123T190500Z-manual', { format: 'legacy' });
    await put(`snapshots/${m.id}/worlds/Midgard.fwl`, 'fwl');
    await put(`snapshots/${m.id}/worlds/Midgard.db`, 'db');
    await put(`snapshots/${m.id}/worlds/Midgard.db.old`, 'old');
    const out = tempDir();
    const result = await downloadSnapshotWorld(s3.client, bucket, m, out);
    expect(result.format).toBe('legacy');
    expect(readdirSync(result.directory).sort()).toEqual(['Midgard.db', 'Midgard.db.old', 'Midgard.fwl']);
  });

  it('refuses to overwrite a folder, and says when the snapshot lacks the world', async () => {
    const m = manifest('20261123T190500Z-manual', { worlds: ['Other'] });
    await put(`snapshots/${m.id}/worlds_local/Other.fwl`, 'other');
    const out = tempDir({ 'Midgard-20261123T190500Z-manual/keep.txt': 'mine' });
    await expect(downloadSnapshotWorld(s3.client, bucket, m, out)).rejects.toThrow(/already exists/);
    await expect(downloadSnapshotWorld(s3.client, bucket, m, tempDir())).rejects.toThrow(
      'snapshot 20261123T190500Z-manual holds no world "Midgard" (it holds Other)',
    );
  });
});

describe('listObjects', () => {
  it('pages through a prefix holding more objects than a page, in key order', async () => {
    // Given 12 objects below one prefix (and one outside it), 5 per page
    const keys = Array.from(
      { length: 12 },
      (_, i) => `imports/x/worlds_local/f${String(i).padStart(2, '0')}.db`,
    );
    const paged = pagedBucket([...keys, 'imports/y/other.db'], 5);

    // When
    const objects = await listObjects(paged.client, bucket, 'imports/x/');

    // Then
    expect(paged.pages()).toBe(3);
    expect(objects).toEqual(keys.map((key) => ({ key, size: 1 })));
  });
});

describe('readText and readManifest', () => {
  it('treat a missing object as absent, and a manifest of another id as invalid', async () => {
    expect(await readText(s3.client, bucket, 'listings/none.txt')).toBeUndefined();
    await put(
      'snapshots/20261123T190500Z-manual/manifest.json',
      JSON.stringify(manifest('20261122T190500Z-manual')),
    );
    expect(await readManifest(s3.client, bucket, 'snapshots/20261123T190500Z-manual')).toBeUndefined();
    expect(parseManifest('{"version":2}')).toBeUndefined();
  });
});

describe('mapLimit', () => {
  it('keeps order, limits concurrency and lets running work finish before failing', async () => {
    let running = 0;
    let peak = 0;
    const finished: number[] = [];
    const work = async (n: number): Promise<number> => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, n === 2 ? 1 : 5));
      running--;
      if (n === 2) throw new Error('two');
      finished.push(n);
      return n * 10;
    };
    expect(await mapLimit([1, 3, 4, 5], 2, work)).toEqual([10, 30, 40, 50]);
    expect(peak).toBe(2);
    finished.length = 0;
    await expect(mapLimit([1, 2, 3, 4, 5], 2, work)).rejects.toThrow('two');
    // 1 was running when 2 failed: it finished; nothing new started after the failure
    expect(finished).toEqual([1]);
    expect(running).toBe(0);
  });
});
