import { regionPrices } from './prices.js';
import { footprintOfSize } from './world-footprint.js';
import { type SnapshotSettings, worldStorageCost } from './world-storage-cost.js';

/** What the idle cost of a world depends on besides its size. */
export interface WorldIdleSettings {
  readonly region: string;
  readonly snapshots: SnapshotSettings;
  readonly backupRetentionDays: number;
}

const GB = 1024 ** 3;

/**
 * What keeping one world costs in a month nobody plays it, per GB of its files: EFS (Infrequent Access),
 * AWS Backup and its share of the kept S3 snapshots (each snapshot holds every world on the server). A world
 * known only by its size counts every byte at the cheap classes' price, which makes this linear in the size:
 * the interactions Lambda gets the rate from the template and multiplies.
 */
export function worldIdleUsdPerGb(settings: WorldIdleSettings): number {
  return worldStorageCost(
    {
      footprint: footprintOfSize(1),
      hoursPerMonth: 0,
      snapshots: settings.snapshots,
      backupRetentionDays: settings.backupRetentionDays,
    },
    regionPrices(settings.region),
  ).idleMonthly;
}

/** The idle monthly cost of a world of `sizeBytes`, at `usdPerGb` (worldIdleUsdPerGb). */
export function worldIdleMonthly(sizeBytes: number, usdPerGb: number): number {
  return (sizeBytes / GB) * usdPerGb;
}
