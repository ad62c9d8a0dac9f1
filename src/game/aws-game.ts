import {
  CopyObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { INSTALL_CACHE_KEY, INSTALL_CACHE_PREFIX } from '../server-cache/install-cache.js';
import { installCacheKeyFor } from './branch.js';
import type { InstallVersion, RollbackPorts } from './rollback.js';

/*
 * The install cache's tarball versions and the snapshots' manifests in S3, for a rollback (its plan and its
 * steps). Loaded with import() by what needs them: the S3 client is heavy for the interactions Lambda.
 */

/** The install cache's tarballs in the world bucket: one key per branch, its versions tagged with their build. */
export function s3Installs(s3: S3Client, bucket: string): RollbackPorts['installs'] {
  return {
    keyFor: (branch) => installCacheKeyFor(branch, INSTALL_CACHE_KEY, INSTALL_CACHE_PREFIX),
    versions: async (key, signal) => {
      const { Versions } = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }), {
        abortSignal: signal,
      });
      const found = (Versions ?? []).filter((version) => version.Key === key && version.VersionId);
      return Promise.all(
        found.map(async (version): Promise<InstallVersion> => {
          const head = await s3.send(
            new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: version.VersionId }),
            { abortSignal: signal },
          );
          const build = head.Metadata?.build;
          return {
            versionId: version.VersionId ?? '',
            isLatest: version.IsLatest === true,
            ...(build && { build }),
            ...(version.LastModified && { lastModified: version.LastModified }),
          };
        }),
      );
    },
    promote: async (key, versionId, signal) => {
      await s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: key,
          CopySource: `${bucket}/${key}?versionId=${encodeURIComponent(versionId)}`,
          MetadataDirective: 'COPY',
        }),
        { abortSignal: signal },
      );
    },
  };
}

/** Whether a snapshot is complete: its manifest, written last, is there. */
export async function snapshotComplete(
  s3: S3Client,
  bucket: string,
  snapshotId: string,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `snapshots/${snapshotId}/manifest.json` }), {
      abortSignal: signal,
    });
    return true;
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'NotFound' || name === 'NoSuchKey') return false;
    throw error;
  }
}
