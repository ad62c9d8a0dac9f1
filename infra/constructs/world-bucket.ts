import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
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
   * just as instantly at about a sixth of the price (it bills 90 days and 128 KB per object at least; smaller
   * objects, such as manifests, stay in Standard). Glacier Flexible Retrieval and Deep Archive are not used:
   * their objects need hours of thawing before a restore.
   * @default SNAPSHOT_COLD_AFTER_DAYS (7)
   */
  readonly snapshotColdAfterDays?: number;
  /**
   * What happens to the bucket when it leaves the stack (DeletionPolicy and UpdateReplacePolicy).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * World snapshots, imports and downloads in S3, next to the live world on EFS. Private, encrypted, TLS only
 * and versioned; it outlives the stack, because a snapshot may be the last copy of a world. Lifecycle rules
 * expire only what is temporary: listings after a day, imports and downloaded zips after a week, replaced
 * versions after a month. Snapshots move to Glacier Instant Retrieval after a week and stay until deleted (by
 * someone, or by the monitor's count-and-age retention of its own automatic snapshots).
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
    acknowledge(
      bucket,
      'AwsSolutions-S1',
      "Only this account's IAM principals (the transfer task, the CLI) reach the bucket; server access logs would add a second retained bucket and a log object per request for a few transfers a month.",
    );
    this.bucket = bucket;
  }
}
