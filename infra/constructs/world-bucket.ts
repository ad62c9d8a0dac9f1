import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { INSTALL_CACHE_STORAGE_CLASS } from '../../src/cost/storage-plan.js';
import { INSTALL_CACHE_PREFIX } from '../../src/server-cache/install-cache.js';
import { SNAPSHOT_COLD_AFTER_DAYS } from '../../src/worlds/snapshot-policy.js';
import { IMPORTS, SNAPSHOTS } from '../../src/worlds/snapshots.js';
import { acknowledge } from '../validations.js';
import { validateInteger } from './validation.js';

/**
 * The top-level "folders" of the world bucket (see src/worlds/snapshots.ts and world-transfer.sh):
 * snapshots of the server's world (kept until deleted), worlds uploaded by `valheim world import`, listings
 * of the image's backup zips, and zips copied out for download.
 */
export const WORLD_BUCKET_PREFIXES = {
  snapshots: SNAPSHOTS,
  imports: IMPORTS,
  listings: 'listings',
  imageBackups: 'image-backups',
  serverInstall: INSTALL_CACHE_PREFIX,
} as const;

export interface WorldBucketProps {
  /**
   * Days an overwritten or deleted object version is kept before it expires (a deleted snapshot can be
   * brought back meanwhile).
   * @default 30
   */
  readonly noncurrentVersionRetentionDays?: number;
  /**
   * Days an uploaded world (`imports/`) and a zip copied out for download (`image-backups/`) are kept: both
   * are only needed until the import or the download is done.
   * @default 7
   */
  readonly temporaryRetentionDays?: number;
  /**
   * Days after which snapshot objects move from S3 Standard to S3 Glacier Instant Retrieval, which restores
   * just as instantly at about a fifth of the price (it bills 90 days and 128 KB per object at least; smaller
   * objects, such as manifests, stay in Standard). Glacier Flexible Retrieval and Deep Archive are not used:
   * their objects need hours of thawing before a restore.
   * @default SNAPSHOT_COLD_AFTER_DAYS (1)
   */
  readonly snapshotColdAfterDays?: number;
  /**
   * What happens to the bucket when it leaves the stack (DeletionPolicy and UpdateReplacePolicy).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The S3 class INSTALL_CACHE_STORAGE_CLASS names. */
function installCacheStorageClass(): s3.StorageClass {
  const storageClass = (s3.StorageClass as unknown as Record<string, s3.StorageClass | undefined>)[
    INSTALL_CACHE_STORAGE_CLASS
  ];
  if (storageClass === undefined) throw new Error(`S3 has no storage class ${INSTALL_CACHE_STORAGE_CLASS}`);
  return storageClass;
}

/**
 * World snapshots, imports and downloads in S3, next to the live world on EFS. Private, encrypted, TLS only
 * and versioned; it outlives the stack, because a snapshot may be the last copy of a world. Lifecycle rules
 * expire only what is temporary: listings after a day, imports and downloaded zips after a week, replaced
 * versions after a month. Snapshots move to Glacier Instant Retrieval after a day and stay until deleted (by
 * someone, or by the monitor's count-and-age retention of its own automatic snapshots).
 *
 * No principal may delete an object version (the bucket policy denies it to everyone, the root user
 * included): a delete only adds a delete marker, and the lifecycle rule alone removes a version once it has
 * been out of date for `noncurrentVersionRetentionDays`. So the newest snapshots stay until someone deletes
 * them and then that many days more, whatever a script, a bug or a mistyped command does. (S3 Object Lock
 * would also stop someone who may change the bucket policy, but CloudFormation replaces an existing bucket to
 * enable it (cloudformation-coverage-roadmap#1929), and with a default retention every upload must carry a
 * Content-MD5 or checksum header, which the transfer task's AWS CLI 2.15 is not known to send.)
 */
export class WorldBucket extends Construct {
  public readonly bucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: WorldBucketProps = {}) {
    super(scope, id);
    const noncurrentDays = props.noncurrentVersionRetentionDays ?? 30;
    const temporaryDays = props.temporaryRetentionDays ?? 7;
    validateInteger('noncurrentVersionRetentionDays', noncurrentDays, 1, 36500);
    validateInteger('temporaryRetentionDays', temporaryDays, 1, 36500);
    const coldAfterDays = props.snapshotColdAfterDays ?? SNAPSHOT_COLD_AFTER_DAYS;
    validateInteger('snapshotColdAfterDays', coldAfterDays, 0, 36500);

    const bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      // Never emptied by CloudFormation: a snapshot may be the only copy of a world.
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      autoDeleteObjects: false,
      lifecycleRules: [
        {
          id: 'OldVersions',
          noncurrentVersionExpiration: Duration.days(noncurrentDays),
          expiredObjectDeleteMarker: true,
          // A transfer killed mid-upload leaves parts that bill like objects but are invisible.
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        {
          id: 'Imports',
          prefix: `${WORLD_BUCKET_PREFIXES.imports}/`,
          expiration: Duration.days(temporaryDays),
        },
        {
          id: 'ImageBackups',
          prefix: `${WORLD_BUCKET_PREFIXES.imageBackups}/`,
          expiration: Duration.days(temporaryDays),
        },
        {
          // The game-server install cache is rebuilt from Steam at will: of the replaced tarballs (~1 GB each)
          // only the newest is kept, the previous build `valheim game rollback` brings back (src/game); older
          // ones go after a day. The current one goes to Intelligent-Tiering on its first night: Standard's
          // price while the group starts monthly, about a fifth of it after 90 days without a start, read just
          // as fast and with no retrieval charge (src/cost/storage-plan.ts); the kept previous one, never read,
          // moves down the same way.
          id: 'ServerInstallVersions',
          prefix: `${WORLD_BUCKET_PREFIXES.serverInstall}/`,
          noncurrentVersionExpiration: Duration.days(1),
          noncurrentVersionsToRetain: 1,
          transitions: [{ storageClass: installCacheStorageClass(), transitionAfter: Duration.days(0) }],
        },
        // Read by the CLI right after the task wrote it.
        { id: 'Listings', prefix: `${WORLD_BUCKET_PREFIXES.listings}/`, expiration: Duration.days(1) },
        // Snapshots are never expired by age here (the monitor prunes automatic ones by count and age, see
        // src/worlds/snapshot-policy.ts); they only move to a cheaper class that restores as fast.
        {
          id: 'SnapshotsToGlacierInstantRetrieval',
          prefix: `${WORLD_BUCKET_PREFIXES.snapshots}/`,
          transitions: [
            {
              storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(coldAfterDays),
            },
          ],
          noncurrentVersionTransitions: [
            {
              storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(coldAfterDays),
            },
          ],
        },
      ],
    });
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'VersionsExpireOnlyByLifecycle',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:DeleteObjectVersion'],
        resources: [bucket.arnForObjects('*')],
      }),
    );
    // The policy outlives the stack with the bucket (a stack delete would otherwise remove it, and with it the
    // deny), so that no deploy ever needs s3:DeleteBucketPolicy: the execution policy refuses it.
    bucket.policy?.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    acknowledge(
      bucket,
      'AwsSolutions-S1',
      "Only this account's IAM principals (the transfer task, the CLI) reach the bucket; server access logs would add a second retained bucket and a log object per request for a few transfers a month.",
    );
    this.bucket = bucket;
  }
}
