import { SNAPSHOT_COLD_AFTER_DAYS } from '../worlds/snapshot-policy.js';
import { type EstimateLine, round, sum } from './lines.js';
import { PRICES, type RegionPrices } from './prices.js';
import { EFS_IA_AFTER_DAYS, IMAGE_BACKUPS_KEPT } from './storage-plan.js';
import type { WorldFootprint } from './world-footprint.js';

/** For session counts: a typical session (an evening). */
export const TYPICAL_SESSION_HOURS = 3;
/** Billed minutes of one world-transfer task run (Fargate bills from the image pull; 1 minute minimum). */
const SNAPSHOT_TASK_MINUTES = 3;
/** The world-transfer task: 0.5 vCPU, 1 GiB on Graviton. */
const SNAPSHOT_TASK = { vcpu: 0.5, gb: 1 };
/** A zipped world is about half the size of the world files (the image's zip deflates a `.db` by ~46 %). */
const ZIP_RATIO = 0.54;
/**
 * Days a world stays in EFS Standard after a start: the session, EFS_IA_AFTER_DAYS unread, and about half a
 * day until lifecycle management (a low-priority background job) has moved it.
 */
export const STANDARD_DAYS_PER_START = EFS_IA_AFTER_DAYS + 0.5;
/**
 * The share of a world's bytes one session rewrites, which the next daily AWS Backup stores anew. An
 * assumption: Valheim 1.0 saves only the chunks that changed (a legacy `.db` was rewritten whole), and an
 * evening changes the chunks around the group's bases and paths: about a tenth of a well-explored world.
 * AWS Backup's recovery-point sizes show the real figure.
 */
export const BACKUP_CHANGED_SHARE_PER_SESSION = 0.1;

export interface SnapshotSettings {
  readonly everyHours: number;
  readonly keepCount: number;
  readonly keepDays: number;
}

export interface WorldCostInput {
  /** The world's files (measured, or assumed from a size: footprintOfSize). */
  readonly footprint: WorldFootprint;
  /** Hours this world is played a month; 0 is an idle month. */
  readonly hoursPerMonth: number;
  /** The automatic snapshots' schedule and retention (config.snapshots). */
  readonly snapshots: SnapshotSettings;
  /** Days AWS Backup keeps each recovery point (config.backup.retentionDays). */
  readonly backupRetentionDays: number;
}

export interface WorldStorageCost {
  /** What the world costs in an idle month: the same whatever is played. */
  readonly idle: readonly EstimateLine[];
  /** What play adds (each line's perHour is its monthly cost over the hours played). */
  readonly playing: readonly EstimateLine[];
  readonly idleMonthly: number;
  readonly playingMonthly: number;
  /** Automatic snapshots kept in Glacier Instant Retrieval at this much play. */
  readonly snapshotsKept: number;
}

/**
 * What one world's storage costs a month: its files on EFS, its AWS Backup recovery points and its S3
 * snapshots, split into the idle month and what play adds. For several worlds, call it once per world with
 * each world's own hours (a world nobody plays costs its idle lines only); the shared parts of the stack
 * (install cache, DNS, the game task) are in estimateCost.
 */
export function worldStorageCost(input: WorldCostInput, prices: RegionPrices): WorldStorageCost {
  const { footprint: world, hoursPerMonth: hours, snapshots, backupRetentionDays } = input;
  const { efs, backup, s3 } = prices;
  // Per start; linear parts are priced for one hour of play when there is none, so perHour still says something.
  const playing = (monthlyAt: (hours: number) => number): { perHour: number; monthly: number } => {
    const monthly = monthlyAt(hours);
    return { monthly, perHour: hours > 0 ? monthly / hours : monthlyAt(1) };
  };
  const starts = (at: number) => at / TYPICAL_SESSION_HOURS;

  // EFS: the world (and the image's zips, if any are kept) in Infrequent Access after EFS_IA_AFTER_DAYS unread.
  const zipGb = IMAGE_BACKUPS_KEPT * world.gb * ZIP_RATIO;
  const efsIdle = (world.iaGb + zipGb) * efs.iaGbMonth + world.metadataGb * efs.standardGbMonth;
  const efsPlay = playing((at) => {
    const standardDays = Math.min(30, starts(at) * STANDARD_DAYS_PER_START);
    const inStandard =
      (standardDays / 30) * (world.standardGb * efs.standardGbMonth - world.iaGb * efs.iaGbMonth);
    // Starts so close together that the world never gets to IA read nothing from it.
    const fromIa = standardDays < 30 ? starts(at) : 0;
    return inStandard + fromIa * world.iaGb * (efs.iaReadGb + efs.iaTieringGb);
  });

  // AWS Backup: one full copy, plus what each play day changed, for as long as the recovery points are kept.
  const backupGb = world.gb + zipGb;
  const backupIdle = backupGb * backup.efsWarmGbMonth;
  const backupPlay = playing((at) => {
    const changeSets = Math.min(30, starts(at)) * (backupRetentionDays / 30);
    return changeSets * (world.gb * BACKUP_CHANGED_SHARE_PER_SESSION + zipGb) * backup.efsWarmGbMonth;
  });

  // S3 snapshots: each session ends with one (and one every `everyHours` of a long one); the newest keepCount
  // are kept whatever their age, more when play makes more within keepDays, each billed at least 90 days in
  // Glacier IR. Objects under 128 KB are not moved and stay in Standard.
  const { everyHours, keepCount, keepDays } = snapshots;
  const perSession = 1 + (everyHours > 0 ? Math.floor(TYPICAL_SESSION_HOURS / everyHours) : 0);
  const snapshotsPerMonth = (at: number) => starts(at) * perSession;
  const keptAt = (at: number) =>
    Math.max(keepCount, (snapshotsPerMonth(at) * Math.max(keepDays, PRICES.glacierIrMinimumDays)) / 30);
  const smallGb = world.gb - world.transitionableGb;
  const keptMonthly = world.transitionableGb * s3.glacierIrGbMonth + smallGb * s3.standardGbMonth;
  const snapshotsIdle = keepCount * keptMonthly;
  const historyPlay = playing((at) => (keptAt(at) - keepCount) * keptMonthly);
  const fargate = prices.fargate;
  const taskHour =
    (SNAPSHOT_TASK.vcpu * fargate.vcpuHour + SNAPSHOT_TASK.gb * fargate.gbHour) * PRICES.armFactor +
    PRICES.publicIpv4Hour;
  const perSnapshot =
    taskHour * (SNAPSHOT_TASK_MINUTES / 60) + world.gb * s3.standardGbMonth * (SNAPSHOT_COLD_AFTER_DAYS / 30);
  const runsPlay = playing((at) => snapshotsPerMonth(at) * perSnapshot);

  const size = `${round(world.gb)} GB`;
  const idle: EstimateLine[] = [
    {
      item: `EFS: world (${size}${IMAGE_BACKUPS_KEPT > 0 ? ` + ${IMAGE_BACKUPS_KEPT} zip` : ''}) in Infrequent Access after ${EFS_IA_AFTER_DAYS} days unread`,
      monthly: efsIdle,
    },
    {
      item: `AWS Backup of EFS (${round(backupGb)} GB, ${backupRetentionDays} days kept)`,
      monthly: backupIdle,
    },
    {
      item: `S3 snapshots, Glacier Instant Retrieval (${keepCount} kept, ${round(keepCount * world.gb)} GB)`,
      monthly: snapshotsIdle,
    },
  ];
  const keptWhilePlaying = keptAt(hours);
  const playingLines: EstimateLine[] = [
    {
      item: `World snapshots to S3 (task runs + ${SNAPSHOT_COLD_AFTER_DAYS} day in S3 Standard)`,
      ...runsPlay,
    },
    {
      item: `World on EFS: Standard after each start, IA read + tiering (${round(world.gb)} GB)`,
      ...efsPlay,
    },
    {
      item:
        hours > 0
          ? `Snapshot history beyond ${keepCount} (~${Math.round(keptWhilePlaying)} kept)`
          : `Snapshot history beyond ${keepCount}`,
      ...historyPlay,
    },
    { item: 'AWS Backup of what each session changed', ...backupPlay },
  ];
  return {
    idle,
    playing: playingLines,
    idleMonthly: sum(idle.map((line) => line.monthly)),
    playingMonthly: sum(playingLines.map((line) => line.monthly)),
    snapshotsKept: keptWhilePlaying,
  };
}
