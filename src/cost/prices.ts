/**
 * List prices (USD) that drive the estimates. Fargate prices are per region (Linux/x86, on-demand);
 * regions missing here fall back to us-east-1's and the estimate says so. The actual spend, when wanted, comes
 * from Cost Explorer by the stack's cost-allocation tag, which is exact.
 */

export interface FargatePrice {
  readonly vcpuHour: number;
  readonly gbHour: number;
}

/** Checked list prices for Fargate Linux/x86 on-demand. */
const FARGATE: Readonly<Record<string, FargatePrice>> = {
  'us-east-1': { vcpuHour: 0.04048, gbHour: 0.004445 },
  'us-east-2': { vcpuHour: 0.04048, gbHour: 0.004445 },
  'us-west-2': { vcpuHour: 0.04048, gbHour: 0.004445 },
  'eu-west-1': { vcpuHour: 0.04048, gbHour: 0.004445 },
  'eu-central-1': { vcpuHour: 0.04656, gbHour: 0.00511 },
};

export const FALLBACK_REGION = 'us-east-1';

export const PRICES = {
  /** Fargate Spot runs at roughly 70 % off on-demand; it varies by region and hour. */
  spotFactor: 0.3,
  /** Public IPv4 address, per hour while a task runs (no Elastic IP is kept while idle). */
  publicIpv4Hour: 0.005,
  /** EFS Standard storage, per GB-month. */
  efsGbMonth: 0.3,
  /** AWS Backup warm storage for EFS, per GB-month. */
  backupGbMonth: 0.05,
  /** S3 Standard, per GB-month (world snapshots). */
  s3GbMonth: 0.023,
  /**
   * S3 Glacier Instant Retrieval, per GB-month: restores in milliseconds like Standard, but bills at least
   * 90 days per object and at least 128 KB per object, and $0.03/GB to read back.
   */
  s3GlacierIrGbMonth: 0.004,
  /** Glacier Instant Retrieval's minimum storage duration (days). */
  glacierIrMinimumDays: 90,
  /** Fargate on Graviton (the world-transfer task) costs about 20 % less than x86. */
  armFactor: 0.8,
  /** Route 53 hosted zone, per month (only with a DNS name). */
  hostedZoneMonth: 0.5,
  /** CloudWatch Logs ingestion, per GB. */
  logsIngestGb: 0.5,
  /** Cost Explorer API, per request. */
  costExplorerRequest: 0.01,
} as const;

export interface RegionPrices {
  readonly fargate: FargatePrice;
  /** The region whose Fargate prices are used (differs from the requested one when it is not in the table). */
  readonly pricedAs: string;
}

export function fargatePrices(region: string): RegionPrices {
  const own = FARGATE[region];
  if (own) return { fargate: own, pricedAs: region };
  return { fargate: FARGATE[FALLBACK_REGION] as FargatePrice, pricedAs: FALLBACK_REGION };
}

/** What one hour of the server costs in compute (task size and Spot), public IPv4 included. */
export function hourlyServerCost(
  task: { readonly cpu: number; readonly memoryMiB: number; readonly spot: boolean },
  fargate: FargatePrice,
): { compute: number; ipv4: number; total: number } {
  const onDemand = (task.cpu / 1024) * fargate.vcpuHour + (task.memoryMiB / 1024) * fargate.gbHour;
  const compute = task.spot ? onDemand * PRICES.spotFactor : onDemand;
  return { compute, ipv4: PRICES.publicIpv4Hour, total: compute + PRICES.publicIpv4Hour };
}
