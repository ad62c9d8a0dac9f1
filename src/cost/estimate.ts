import type { ValheimConfig } from '../config/schema.js';
import { SNAPSHOT_COLD_AFTER_DAYS } from '../worlds/snapshot-policy.js';
import { fargatePrices, hourlyServerCost, PRICES } from './prices.js';

/**
 * The image zips the world once at every container start (no hourly cron) and keeps this many zips on EFS
 * (BACKUPS_MAX_COUNT in the task definition): a local copy of the last session's end, should its S3
 * snapshot have failed. History lives in S3, where it costs a fraction of EFS's $0.30/GB.
 */
export const IMAGE_BACKUPS_KEPT = 1;
/** For snapshot counts: a typical session (an evening). */
const TYPICAL_SESSION_HOURS = 3;
/** Billed minutes of one world-transfer task run (Fargate bills from the image pull; 1 minute minimum). */
const SNAPSHOT_TASK_MINUTES = 3;
/** The world-transfer task: 0.5 vCPU, 1 GiB on Graviton. */
const SNAPSHOT_TASK = { vcpu: 0.5, gb: 1 };
/** A zipped world is about half the size of the world files. */
const ZIP_RATIO = 0.5;
/** AWS Backup stores EFS incrementally: a full copy plus changes, about 1.5× the world over a month. */
const BACKUP_GROWTH = 1.5;
/**
 * What the game server logs per hour of play, as CloudWatch bills it: 100 KB. Measured on a replayed
 * three-hour session with the image's filters and SERVER_LOG_NOISE (`node --import tsx bench/log-volume.ts`:
 * ~19 KB an hour, most of it steamcmd at the start), rounded up about fivefold because the rates of Unity's
 * noise in that replay are assumptions, not a capture.
 */
export const LOG_GB_PER_HOUR = 0.0001;

export interface EstimateOptions {
  readonly hoursPerMonth: number;
  /** Size of the world files. @default 0.2 GB (a well-explored world is 50–300 MB) */
  readonly worldSizeGb?: number;
  /** Other (manual) world snapshots kept in S3, besides the automatic ones. @default 0 */
  readonly snapshotsGb?: number;
}

export interface EstimateLine {
  readonly item: string;
  /** Cost per hour of play, for items billed while the server runs. */
  readonly perHour?: number;
  readonly monthly: number;
}

export interface Estimate {
  readonly region: string;
  /** The region whose Fargate prices were used. */
  readonly pricedAs: string;
  readonly hoursPerMonth: number;
  /** Billed whether or not anyone plays. */
  readonly idle: readonly EstimateLine[];
  /** Billed per hour the server runs. */
  readonly playing: readonly EstimateLine[];
  readonly idleMonthly: number;
  readonly perHour: number;
  readonly totalMonthly: number;
  readonly notes: readonly string[];
}

/**
 * The install cache's tarball (src/server-cache): a 2 GB install packed to ~64 % in the bench
 * (docs/start-time.md); the first real pack logs the true size.
 */
export const INSTALL_CACHE_GB = 1.3;

/** What the configured server costs, from list prices; works offline. */
export function estimateCost(config: ValheimConfig, options: EstimateOptions): Estimate {
  const hours = options.hoursPerMonth;
  const worldGb = options.worldSizeGb ?? 0.2;
  const { fargate, pricedAs } = fargatePrices(config.region);
  const server = hourlyServerCost(config.task, fargate);
  const vcpu = config.task.cpu / 1024;
  const memory = config.task.memoryMiB / 1024;

  const playing: EstimateLine[] = [
    {
      item: `Fargate task, ${vcpu} vCPU / ${memory} GiB, ${config.task.spot ? 'Spot (typical price)' : 'on-demand'}`,
      perHour: server.compute,
      monthly: server.compute * hours,
    },
    { item: 'Public IPv4 address while running', perHour: server.ipv4, monthly: server.ipv4 * hours },
    {
      item: `Server logs (~${round(LOG_GB_PER_HOUR * 1000)} MB per hour)`,
      perHour: LOG_GB_PER_HOUR * PRICES.logsIngestGb,
      monthly: LOG_GB_PER_HOUR * PRICES.logsIngestGb * hours,
    },
  ];
  const snapshots = snapshotCosts(config, worldGb, hours, fargate);
  playing.push({
    item: `World snapshots to S3 (task runs + ${SNAPSHOT_COLD_AFTER_DAYS} days in S3 Standard)`,
    perHour: snapshots.perHour,
    monthly: snapshots.perHour * hours,
  });

  const imageBackupsGb = IMAGE_BACKUPS_KEPT * worldGb * ZIP_RATIO;
  const efsGb = worldGb + imageBackupsGb;
  // AWS Backup copies the whole file system: the world and the zip.
  const backupGb = efsGb * BACKUP_GROWTH;
  const idle: EstimateLine[] = [
    {
      item: `EFS: world (${round(worldGb)} GB) + ${IMAGE_BACKUPS_KEPT} zip of the last start (~${round(imageBackupsGb)} GB)`,
      monthly: efsGb * PRICES.efsGbMonth,
    },
    {
      item: `AWS Backup of EFS (~${round(backupGb)} GB, ${config.backup.retentionDays} days kept)`,
      monthly: backupGb * PRICES.backupGbMonth,
    },
    {
      item: `S3 snapshots, Glacier Instant Retrieval (~${Math.round(snapshots.keptCold)} kept, ~${round(snapshots.keptCold * worldGb)} GB)`,
      monthly: snapshots.coldMonthly,
    },
  ];
  idle.push({
    item: `S3 server-install cache (~${INSTALL_CACHE_GB} GB tarball of the game, for faster starts)`,
    monthly: INSTALL_CACHE_GB * PRICES.s3GbMonth,
  });
  if (options.snapshotsGb) {
    idle.push({
      item: `S3 other snapshots (${round(options.snapshotsGb)} GB, Glacier Instant Retrieval)`,
      monthly: options.snapshotsGb * PRICES.s3GlacierIrGbMonth,
    });
  }
  if (config.dns)
    idle.push({ item: `Route 53 hosted zone (${config.dns.zoneName})`, monthly: PRICES.hostedZoneMonth });
  idle.push({
    item: 'Lambda, API Gateway, DynamoDB, EventBridge (within the free tier for one group)',
    monthly: 0,
  });

  const perHour = sum(playing.map((line) => line.perHour ?? 0));
  const idleMonthly = sum(idle.map((line) => line.monthly));
  const notes = [
    'Data transfer out: the first 100 GB a month are free across AWS, then about $0.09/GB; a player uses roughly 0.1–0.2 GB per hour.',
  ];
  if (pricedAs !== config.region) {
    notes.unshift(
      `No built-in Fargate prices for ${config.region}: figures use ${pricedAs}'s, which may be 10–25 % lower. Cost Explorer (/valheim cost) shows the real spend.`,
    );
  }
  if (config.task.spot)
    notes.push(
      'Spot prices vary; AWS may reclaim a Spot task with two minutes\u2019 warning (the bot announces it).',
    );
  return {
    region: config.region,
    pricedAs,
    hoursPerMonth: hours,
    idle,
    playing,
    idleMonthly,
    perHour,
    totalMonthly: idleMonthly + perHour * hours,
    notes,
  };
}

/**
 * What the automatic snapshots cost. Each session ends with one (plus one every `snapshots.everyHours` of a
 * long session); a snapshot is the world's files, uncompressed. Per hour of play: the task run and its first
 * week in S3 Standard. Always: the snapshots kept in Glacier Instant Retrieval — at least `keepCount` (an idle
 * month still holds the history of earlier ones), more when play makes more within `keepDays`, and each one
 * billed for at least Glacier IR's 90 days.
 */
function snapshotCosts(
  config: ValheimConfig,
  worldGb: number,
  hours: number,
  fargate: { readonly vcpuHour: number; readonly gbHour: number },
): { perHour: number; keptCold: number; coldMonthly: number } {
  const { everyHours, keepCount, keepDays } = config.snapshots;
  const perSession = 1 + (everyHours > 0 ? Math.floor(TYPICAL_SESSION_HOURS / everyHours) : 0);
  const perPlayHour = perSession / TYPICAL_SESSION_HOURS;
  const taskHour =
    (SNAPSHOT_TASK.vcpu * fargate.vcpuHour + SNAPSHOT_TASK.gb * fargate.gbHour) * PRICES.armFactor +
    PRICES.publicIpv4Hour;
  const perSnapshot =
    taskHour * (SNAPSHOT_TASK_MINUTES / 60) + worldGb * PRICES.s3GbMonth * (SNAPSHOT_COLD_AFTER_DAYS / 30);
  const perMonth = perPlayHour * hours;
  const keptCold = Math.max(keepCount, (perMonth * Math.max(keepDays, PRICES.glacierIrMinimumDays)) / 30);
  return {
    perHour: perPlayHour * perSnapshot,
    keptCold,
    coldMonthly: keptCold * worldGb * PRICES.s3GlacierIrGbMonth,
  };
}

/** A plain-text table of the estimate for the CLI and the README. */
export function formatEstimate(estimate: Estimate): string {
  const money = (value: number) => `$${value.toFixed(value < 1 ? 3 : 2)}`;
  const width = Math.max(...[...estimate.playing, ...estimate.idle].map((line) => line.item.length)) + 2;
  const rows = [
    `Estimated cost in ${estimate.region} for ${estimate.hoursPerMonth} hours of play a month (USD, list prices)`,
    '',
    `${'While playing'.padEnd(width + 2)}${'per hour'.padStart(10)}${'per month'.padStart(14)}`,
    ...estimate.playing.map(
      (line) =>
        `  ${line.item.padEnd(width)}${money(line.perHour ?? 0).padStart(10)}${money(line.monthly).padStart(14)}`,
    ),
    'Always (also while idle)',
    ...estimate.idle.map(
      (line) => `  ${line.item.padEnd(width)}${''.padStart(10)}${money(line.monthly).padStart(14)}`,
    ),
    '',
    `Idle: ${money(estimate.idleMonthly)} a month · playing: ${money(estimate.perHour)} an hour · total: ${money(estimate.totalMonthly)} a month`,
    ...estimate.notes.map((note) => `Note: ${note}`),
  ];
  return rows.join('\n');
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
