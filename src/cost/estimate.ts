import type { ValheimConfig } from '../config/schema.js';
import { type EstimateLine, round, sum } from './lines.js';
import { FALLBACK_REGION, fallbackServices, hourlyServerCost, PRICES, regionPrices } from './prices.js';
import { footprintOfSize, type WorldFootprint } from './world-footprint.js';
import { TYPICAL_SESSION_HOURS, worldStorageCost } from './world-storage-cost.js';

export type { EstimateLine } from './lines.js';
export { IMAGE_BACKUPS_KEPT } from './storage-plan.js';

/**
 * What the game server logs per hour of play, as CloudWatch bills it: 100 KB. Measured on a replayed
 * three-hour session with the image's filters and SERVER_LOG_NOISE (`node --import tsx bench/log-volume.ts`:
 * ~19 KB an hour, most of it steamcmd at the start), rounded up about fivefold because the rates of Unity's
 * noise in that replay are assumptions, not a capture.
 */
export const LOG_GB_PER_HOUR = 0.0001;

/**
 * The install cache's tarball (src/server-cache): a 2 GB install packed to ~64 % in the bench
 * (docs/start-time.md); the first real pack logs the true size.
 */
export const INSTALL_CACHE_GB = 1.3;

export interface EstimateOptions {
  readonly hoursPerMonth: number;
  /** Size of the world files. @default 0.2 GB (a well-explored world is 50–300 MB) */
  readonly worldSizeGb?: number;
  /** The world's files, measured (`cost estimate --world`); replaces worldSizeGb. */
  readonly world?: WorldFootprint;
  /** Other (manual) world snapshots kept in S3, besides the automatic ones. @default 0 */
  readonly snapshotsGb?: number;
}

export interface Estimate {
  readonly region: string;
  /** The region whose Fargate prices were used. */
  readonly pricedAs: string;
  /** The services priced at another region's list price (FALLBACK_REGION), empty when none. */
  readonly pricedElsewhere: readonly string[];
  readonly hoursPerMonth: number;
  /** Billed in an idle month, and the same whatever is played. */
  readonly idle: readonly EstimateLine[];
  /** Billed for play: per hour the server runs, and storage that play adds (averaged per hour). */
  readonly playing: readonly EstimateLine[];
  readonly idleMonthly: number;
  /** What an hour of play costs at this many hours (storage that play adds included). */
  readonly perHour: number;
  readonly totalMonthly: number;
  readonly notes: readonly string[];
}

/** What the configured server costs, from list prices; works offline. */
export function estimateCost(config: ValheimConfig, options: EstimateOptions): Estimate {
  const hours = options.hoursPerMonth;
  const world = options.world ?? footprintOfSize(options.worldSizeGb ?? 0.2);
  const prices = regionPrices(config.region);
  const server = hourlyServerCost(config.task, prices.fargate);
  const vcpu = config.task.cpu / 1024;
  const memory = config.task.memoryMiB / 1024;
  const worldCost = worldStorageCost(
    {
      footprint: world,
      hoursPerMonth: hours,
      snapshots: config.snapshots,
      backupRetentionDays: config.backup.retentionDays,
    },
    prices,
  );

  const logsPerHour = LOG_GB_PER_HOUR * prices.logs.ingestGb;
  const cache = INSTALL_CACHE_GB * (prices.s3.standardGbMonth - prices.s3.glacierIrGbMonth);
  const playing: EstimateLine[] = [
    {
      item: `Fargate task, ${vcpu} vCPU / ${memory} GiB, ${config.task.spot ? 'Spot (typical price)' : 'on-demand'}`,
      perHour: server.compute,
      monthly: server.compute * hours,
    },
    { item: 'Public IPv4 address while running', perHour: server.ipv4, monthly: server.ipv4 * hours },
    {
      item: `Server logs (~${round(LOG_GB_PER_HOUR * 1000)} MB per hour)`,
      perHour: logsPerHour,
      monthly: logsPerHour * hours,
    },
    ...worldCost.playing,
    {
      // Intelligent-Tiering: a start at least every 30 days keeps the tarball in the frequent tier.
      item: 'Install cache in the frequent tier (a start every month)',
      perHour: hours > 0 ? cache / hours : cache / TYPICAL_SESSION_HOURS,
      monthly: hours > 0 ? cache : 0,
    },
  ];

  const idle: EstimateLine[] = [
    ...worldCost.idle,
    {
      item: `S3 install cache (${INSTALL_CACHE_GB} GB, Intelligent-Tiering: archive tier 90 days after a start)`,
      monthly: INSTALL_CACHE_GB * prices.s3.glacierIrGbMonth + PRICES.intelligentTieringMonitoringPerObject,
    },
  ];
  if (options.snapshotsGb) {
    idle.push({
      item: `S3 other snapshots (${round(options.snapshotsGb)} GB, Glacier Instant Retrieval)`,
      monthly: options.snapshotsGb * prices.s3.glacierIrGbMonth,
    });
  }
  if (config.dns)
    idle.push({ item: `Route 53 hosted zone (${config.dns.zoneName})`, monthly: PRICES.hostedZoneMonth });
  idle.push({
    item: 'Lambda, API Gateway, DynamoDB, EventBridge (within the free tier for one group)',
    monthly: 0,
  });

  const playingMonthly = sum(playing.map((line) => line.monthly));
  const perHour = hours > 0 ? playingMonthly / hours : sum(playing.map((line) => line.perHour ?? 0));
  const idleMonthly = sum(idle.map((line) => line.monthly));
  const pricedElsewhere = fallbackServices(prices);
  const notes = [
    'Data transfer out: the first 100 GB a month are free across AWS, then about $0.09/GB; a player uses roughly 0.1–0.2 GB per hour.',
  ];
  if (!world.measured) {
    notes.unshift(
      'World files counted as 128 KiB or larger, so all of them bill at Infrequent Access prices (Valheim 1.0 chunk sizes are not published): --world <folder> measures yours.',
    );
  }
  if (pricedElsewhere.length === 5) {
    notes.unshift(
      `No built-in prices for ${config.region}: every figure uses ${FALLBACK_REGION}'s list prices, which may be 10–25 % lower. Cost Explorer (/valheim cost) shows the real spend.`,
    );
  } else if (pricedElsewhere.length > 0) {
    notes.unshift(
      `${listing(pricedElsewhere)} priced at ${FALLBACK_REGION}'s list prices: none sourced for ${config.region} yet (often 5–20 % higher; docs/cost.md).`,
    );
  }
  if (config.task.spot)
    notes.push(
      'Spot prices vary; AWS may reclaim a Spot task with two minutes\u2019 warning (the bot announces it).',
    );
  return {
    region: config.region,
    pricedAs: prices.pricedAs.fargate,
    pricedElsewhere,
    hoursPerMonth: hours,
    idle,
    playing,
    idleMonthly,
    perHour,
    totalMonthly: idleMonthly + playingMonthly,
    notes,
  };
}

/** A plain-text table of the estimate for the CLI and the README. */
export function formatEstimate(estimate: Estimate): string {
  const width = Math.max(...[...estimate.playing, ...estimate.idle].map((line) => line.item.length)) + 2;
  const rows = [
    `Estimated cost in ${estimate.region} for ${estimate.hoursPerMonth} hours of play a month (USD, list prices)`,
    '',
    `${'While playing'.padEnd(width + 2)}${'per hour'.padStart(10)}${'per month'.padStart(14)}`,
    ...estimate.playing.map(
      (line) =>
        `  ${line.item.padEnd(width)}${money(line.perHour ?? 0).padStart(10)}${money(line.monthly).padStart(14)}`,
    ),
    'Always (an idle month: storage, the same however much you play)',
    ...estimate.idle.map(
      (line) => `  ${line.item.padEnd(width)}${''.padStart(10)}${money(line.monthly).padStart(14)}`,
    ),
    '',
    `Idle: ${money(estimate.idleMonthly)} a month · playing: ${money(estimate.perHour)} an hour · total: ${money(estimate.totalMonthly)} a month`,
    ...estimate.notes.map((note) => `Note: ${note}`),
  ];
  return rows.join('\n');
}

/** Dollars with three decimals below $1 (storage lines are fractions of a cent), two above. */
export function money(value: number): string {
  return `$${value.toFixed(value < 1 ? 3 : 2)}`;
}

function listing(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
