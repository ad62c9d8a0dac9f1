import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, PutObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { WorldError } from './errors.js';
import { formatManifest, parseManifest, type TransferManifest, type WorldFormat } from './manifest.js';
import { removeOnInterrupt } from './temporary.js';
import { parseTransferId } from './transfer-id.js';
import type { LocalWorld } from './world-files.js';

/*
 * The world bucket:
 *   snapshots/<id>/worlds_local/…, snapshots/<id>/worlds/…, snapshots/<id>/manifest.json   (the transfer task)
 *   imports/<id>/worlds_local/…, imports/<id>/manifest.json                                (this module)
 *   listings/<id>.txt, image-backups/<name>.zip                                            (the transfer task)
 * A manifest is written last; a prefix without one is incomplete and never restored.
 */

export const SNAPSHOTS = 'snapshots';
export const IMPORTS = 'imports';

/** Called as bytes move: how many are done of how many in all. */
export type ProgressListener = (done: number, total: number) => void;

export interface BucketObject {
  readonly key: string;
  readonly size: number;
}

export interface SnapshotListing {
  /** Complete snapshots, newest first. */
  readonly snapshots: readonly TransferManifest[];
  /** Ids of snapshots without a (valid) manifest: interrupted, never offered for restore. */
  readonly incomplete: readonly string[];
}

/** The snapshots in the bucket, newest first; prefixes without a manifest are reported apart. */
export async function listSnapshots(s3: S3Client, bucket: string): Promise<SnapshotListing> {
  const ids: string[] = [];
  const pages = paginateListObjectsV2(
    { client: s3 },
    { Bucket: bucket, Prefix: `${SNAPSHOTS}/`, Delimiter: '/' },
  );
  for await (const page of pages) {
    for (const common of page.CommonPrefixes ?? []) {
      const id = common.Prefix?.slice(SNAPSHOTS.length + 1, -1);
      if (id && parseTransferId(id)) ids.push(id);
    }
  }

  const manifests = await mapLimit(ids, 8, (id) => readManifest(s3, bucket, `${SNAPSHOTS}/${id}`));
  const snapshots: TransferManifest[] = [];
  const incomplete: string[] = [];
  ids.forEach((id, index) => {
    const manifest = manifests[index];
    if (manifest) snapshots.push(manifest);
    else incomplete.push(id);
  });
  snapshots.sort((a, b) => b.created.localeCompare(a.created) || b.id.localeCompare(a.id));
  return { snapshots, incomplete };
}

/** The manifest of `prefix` (e.g. `snapshots/<id>`), or undefined when it is missing or damaged. */
export async function readManifest(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<TransferManifest | undefined> {
  const text = await readText(s3, bucket, `${prefix}/manifest.json`);
  const manifest = text === undefined ? undefined : parseManifest(text);
  return manifest && manifest.id === prefix.split('/').pop() ? manifest : undefined;
}

/** An object's text, or undefined when it does not exist. */
export async function readText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await object.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Every object below `prefix`, in key order. */
export async function listObjects(s3: S3Client, bucket: string, prefix: string): Promise<BucketObject[]> {
  const objects: BucketObject[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) {
      if (object.Key && !object.Key.endsWith('/')) objects.push({ key: object.Key, size: object.Size ?? 0 });
    }
  }
  return objects;
}

export interface DownloadedWorld {
  /** The folder holding the world's files, laid out as in `worlds_local/`. */
  readonly directory: string;
  readonly format: WorldFormat;
  readonly fileCount: number;
  readonly totalBytes: number;
}

/**
 * Downloads the world of a snapshot into `<parent>/<world>-<id>/`, laid out as in `worlds_local/` (ready to
 * copy into a PC's worlds_local). Files go to a hidden `.partial` folder first, which is renamed when every
 * file has arrived at its full size: the target folder is either complete or absent.
 */
export async function downloadSnapshotWorld(
  s3: S3Client,
  bucket: string,
  manifest: TransferManifest,
  parent: string,
  onProgress: ProgressListener = () => {},
): Promise<DownloadedWorld> {
  const { id, world } = manifest;
  const target = resolve(parent, `${world}-${id}`);
  if (existsSync(target)) {
    throw new WorldError(`${target} already exists`, 'remove it or choose another folder with --out');
  }
  // The world as the server runs it (worlds_local), else as the legacy worlds folder holds it.
  let selected: Array<BucketObject & { readonly relative: string }> = [];
  for (const area of ['worlds_local', 'worlds']) {
    const base = `${SNAPSHOTS}/${id}/${area}/`;
    selected = (await listObjects(s3, bucket, base))
      .map((object) => ({ ...object, relative: object.key.slice(base.length) }))
      .filter((object) => belongsToWorld(object.relative, world));
    if (selected.length > 0) break;
  }
  if (selected.length === 0) {
    throw new WorldError(
      `snapshot ${id} holds no world "${world}"${manifest.worlds.length > 0 ? ` (it holds ${manifest.worlds.join(', ')})` : ''}`,
      'choose another snapshot (valheim world backups)',
    );
  }

  const partial = resolve(parent, `.${world}-${id}.partial`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const release = removeOnInterrupt(partial);
  const total = selected.reduce((sum, object) => sum + object.size, 0);
  let done = 0;
  onProgress(0, total);
  try {
    await mapLimit(selected, 4, async (object) => {
      const file = inside(partial, object.relative);
      await downloadObject(s3, bucket, object.key, file, (bytes) => {
        done += bytes;
        onProgress(done, total);
      });
      const size = statSync(file).size;
      if (size !== object.size) {
        throw new WorldError(
          `${object.key} arrived with ${size} of ${object.size} bytes`,
          'run the command again (nothing was kept)',
        );
      }
    });
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  } finally {
    release();
  }
  const relatives = selected.map((object) => object.relative);
  const legacy = relatives.includes(`${world}.fwl`) && relatives.includes(`${world}.db`);
  const folder = relatives.some((relative) => relative.startsWith(`${world}/`));
  return {
    directory: target,
    format: legacy && folder ? 'both' : legacy ? 'legacy' : 'folder',
    fileCount: selected.length,
    totalBytes: total,
  };
}

/**
 * Downloads one object to `file` (its folder is created); `onBytes` gets each chunk's size.
 * Resolves with the number of bytes written.
 */
export async function downloadObject(
  s3: S3Client,
  bucket: string,
  key: string,
  file: string,
  onBytes: (bytes: number) => void = () => {},
): Promise<number> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  mkdirSync(dirname(file), { recursive: true });
  let written = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      written += chunk.length;
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
  await pipeline(object.Body as Readable, counter, createWriteStream(file));
  return written;
}

/**
 * Uploads a world found on this machine to `imports/<id>/worlds_local/…`, then writes the import's
 * manifest, last. Resolves with the prefix to restore from (`imports/<id>`).
 */
export async function uploadWorld(
  s3: S3Client,
  bucket: string,
  world: LocalWorld,
  importId: string,
  created: Date,
  onProgress: ProgressListener = () => {},
): Promise<string> {
  const prefix = `${IMPORTS}/${importId}`;
  const loaded = new Map<string, number>();
  const report = (): void => onProgress(sumOf(loaded.values()), world.totalBytes);
  report();
  await mapLimit(world.files, 4, async (file) => {
    const upload = new Upload({
      client: s3,
      params: {
        Bucket: bucket,
        Key: `${prefix}/worlds_local/${file.key}`,
        Body: createReadStream(file.path),
        ContentLength: file.size,
      },
      queueSize: 4,
      partSize: 16 * 1024 * 1024,
      leavePartsOnError: false,
    });
    upload.on('httpUploadProgress', (progress) => {
      loaded.set(file.key, Math.min(progress.loaded ?? 0, file.size));
      report();
    });
    await upload.done();
    loaded.set(file.key, file.size);
    report();
  });
  const manifest: TransferManifest = {
    version: 1,
    id: importId,
    world: world.name,
    created: created.toISOString().replace(/\.\d+Z$/, 'Z'),
    reason: 'import',
    format: world.format,
    fileCount: world.files.length,
    totalBytes: world.totalBytes,
    worlds: [world.name],
  };
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: `${prefix}/manifest.json`,
      Body: formatManifest(manifest),
      ContentType: 'application/json',
    }),
  );
  return prefix;
}

/** Whether a path relative to worlds_local is part of `world` (the pair, its .old copies, or its folder). */
export function belongsToWorld(relative: string, world: string): boolean {
  return (
    ['.fwl', '.db', '.fwl.old', '.db.old'].some((suffix) => relative === `${world}${suffix}`) ||
    relative.startsWith(`${world}/`)
  );
}

/** `relative` below `root`, refusing keys that would climb out of it ("../"). */
function inside(root: string, relative: string): string {
  const path = resolve(root, relative);
  if (!path.startsWith(root + sep)) {
    throw new WorldError(
      `the bucket holds a file outside its world folder (${relative})`,
      'check the bucket',
    );
  }
  return path;
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: unknown }).name;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || status === 404;
}

function sumOf(values: Iterable<number>): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum;
}

/**
 * Runs `fn` over `items` with at most `limit` at a time; results in input order. After a failure no new
 * item starts, the running ones finish, then the first failure is thrown (so clean-up never races them).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
