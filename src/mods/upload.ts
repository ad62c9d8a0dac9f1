import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ModsError, parseVersionRef } from '../records/mod-package.js';
import type { ModsDeployment } from './deployment.js';
import { lockedSets } from './lockfile.js';
import { configKey, packageKey, planKey, profileKey, SUMMARY_KEY } from './plan.js';
import { type ModsSummary, playerProfile, setSummary } from './profile.js';
import { sha256, type Thunderstore } from './thunderstore.js';

/**
 * The deploy's part: puts what the lockfile names into the world bucket below mods/, each zip and plan under
 * its SHA-256 and only when it is not there yet (a zip is uploaded once, whatever the number of deploys and
 * worlds), then the players' profiles and the summary /valheim mods reads. A zip from Thunderstore (or the
 * local cache) whose hash is not the locked one is refused: the lock, not Thunderstore, says what runs.
 */

export interface BucketPort {
  exists(key: string): Promise<boolean>;
  put(key: string, body: Uint8Array | string, contentType: string): Promise<void>;
}

export interface UploadResult {
  readonly uploaded: number;
  readonly present: number;
  readonly bytes: number;
}

export async function uploadMods(
  deployment: ModsDeployment,
  serverName: string,
  bucket: BucketPort,
  thunderstore: Thunderstore,
): Promise<UploadResult> {
  let uploaded = 0;
  let present = 0;
  let bytes = 0;
  const once = async (key: string, body: () => Promise<Uint8Array | string>, contentType: string) => {
    if (await bucket.exists(key)) {
      present++;
      return;
    }
    const data = await body();
    await bucket.put(key, data, contentType);
    uploaded++;
    bytes += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  };
  const { lock, configs } = deployment;
  const done = new Set<string>();
  for (const { plan } of deployment.plans) {
    if (!plan) continue;
    for (const entry of plan.entries) {
      if (done.has(entry.sha256)) continue;
      done.add(entry.sha256);
      if (entry.kind === 'config') {
        if (configs) await once(configKey(entry.sha256), async () => configs.bytes, 'application/zip');
        continue;
      }
      await once(
        packageKey(entry.sha256),
        async () => {
          const locked = lock.packages[entry.id];
          if (!locked) throw new ModsError(`${entry.id} is in an install plan but not in the lockfile`);
          const zip = await thunderstore.download({
            ...parseVersionRef(entry.id),
            dependencies: locked.dependencies,
            downloadUrl: locked.url,
          });
          if (zip.sha256 !== locked.sha256 || sha256(zip.bytes) !== locked.sha256) {
            throw new ModsError(
              `Thunderstore's zip of ${entry.id} has SHA-256 ${zip.sha256}, the lockfile says ${locked.sha256}: it changed since it was locked`,
              `nothing was deployed; check the package page, then lock it again with npx valheim mods update ${entry.id.replace(/-\d+\.\d+\.\d+$/, '')}`,
            );
          }
          return zip.bytes;
        },
        'application/zip',
      );
    }
    await once(planKey(plan.sha256), async () => plan.text, 'text/plain');
  }
  // What players need: rewritten at every deploy (small, and named by world rather than by content).
  const worlds: Record<string, ReturnType<typeof setSummary>> = {};
  let summaryDefault = setSummary(lock, lock.sets.default);
  for (const { key, set } of lockedSets(lock)) {
    const world = key === 'default' ? undefined : key.slice('world '.length);
    const profile = playerProfile(lock, set, world ? `${serverName} ${world}` : serverName, configs);
    if (profile) await bucket.put(profileKey(world), profile, 'application/zip');
    const summary = setSummary(lock, set, profile ? profileKey(world) : undefined);
    if (world) worlds[world] = summary;
    else summaryDefault = summary;
  }
  const summary: ModsSummary = { default: summaryDefault, worlds };
  await bucket.put(SUMMARY_KEY, JSON.stringify(summary), 'application/json');
  return { uploaded, present, bytes };
}

/** The bucket through the SDK. */
export function s3Bucket(s3: S3Client, name: string): BucketPort {
  return {
    exists: async (key) => {
      try {
        await s3.send(new HeadObjectCommand({ Bucket: name, Key: key }));
        return true;
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404 || (error as Error).name === 'NotFound') return false;
        throw error;
      }
    },
    put: async (key, body, contentType) => {
      await s3.send(new PutObjectCommand({ Bucket: name, Key: key, Body: body, ContentType: contentType }));
    },
  };
}
