/**
 * List prices (USD) that drive the estimates, per region where they differ and where a source was found; every
 * figure is cited in docs/cost.md. A region or a service missing from the table is priced at us-east-1's list
 * price, and the estimate names the services priced that way. The actual spend, when wanted, comes from Cost
 * Explorer by the stack's cost-allocation tag, which is exact.
 */

export interface FargatePrice {
  readonly vcpuHour: number;
  readonly gbHour: number;
}

/**
 * EFS, Regional file system in a legacy throughput mode (Bursting, as WorldStorage uses). In this mode Standard
 * has no per-access charge; Infrequent Access bills each GB read and each GB moved into it by lifecycle
 * management, and at least 128 KiB per file for storage and for each access.
 */
export interface EfsPrice {
  readonly standardGbMonth: number;
  readonly iaGbMonth: number;
  /** Per GB read from Infrequent Access. */
  readonly iaReadGb: number;
  /** Per GB that lifecycle management moves into Infrequent Access ("tiering"). */
  readonly iaTieringGb: number;
}

/** AWS Backup of EFS: warm storage (a first full copy, then what changed). */
export interface BackupPrice {
  readonly efsWarmGbMonth: number;
}

/** S3 storage classes with millisecond access, and the requests the estimates count. */
export interface S3Price {
  readonly standardGbMonth: number;
  readonly standardIaGbMonth: number;
  readonly glacierIrGbMonth: number;
  readonly standardIaRetrievalGb: number;
  readonly glacierIrRetrievalGb: number;
}

export interface LogsPrice {
  readonly ingestGb: number;
}

/** The services whose prices differ by region. */
export type PricedService = 'fargate' | 'efs' | 'backup' | 's3' | 'logs';

interface RegionTable {
  readonly fargate?: FargatePrice;
  readonly efs?: EfsPrice;
  readonly backup?: BackupPrice;
  readonly s3?: S3Price;
  readonly logs?: LogsPrice;
}

export const FALLBACK_REGION = 'us-east-1';

/** us-east-1: complete, the fallback for everything else. Sources in docs/cost.md. */
const US_EAST_1 = {
  fargate: { vcpuHour: 0.04048, gbHour: 0.004445 },
  efs: { standardGbMonth: 0.3, iaGbMonth: 0.025, iaReadGb: 0.01, iaTieringGb: 0.01 },
  backup: { efsWarmGbMonth: 0.05 },
  s3: {
    standardGbMonth: 0.023,
    standardIaGbMonth: 0.0125,
    glacierIrGbMonth: 0.004,
    standardIaRetrievalGb: 0.01,
    glacierIrRetrievalGb: 0.03,
  },
  logs: { ingestGb: 0.5 },
} as const satisfies Required<RegionTable>;

/**
 * Checked list prices by region. Only what a source was found for is filled in (docs/cost.md lists them);
 * the rest falls back to us-east-1 and the estimate says which services that is.
 */
const REGIONS: Readonly<Record<string, RegionTable>> = {
  'us-east-1': US_EAST_1,
  'us-east-2': { fargate: { vcpuHour: 0.04048, gbHour: 0.004445 } },
  'us-west-2': { fargate: { vcpuHour: 0.04048, gbHour: 0.004445 } },
  'eu-west-1': { fargate: { vcpuHour: 0.04048, gbHour: 0.004445 } },
  'eu-central-1': {
    fargate: { vcpuHour: 0.04656, gbHour: 0.00511 },
    s3: {
      standardGbMonth: 0.0245,
      standardIaGbMonth: 0.0135,
      glacierIrGbMonth: 0.005,
      standardIaRetrievalGb: 0.01,
      glacierIrRetrievalGb: 0.03,
    },
  },
};

/** The regions with at least one price of their own (the README's per-region table). */
export const PRICED_REGIONS = Object.keys(REGIONS);

export const PRICES = {
  /** Fargate Spot runs at roughly 70 % off on-demand; it varies by region and hour. */
  spotFactor: 0.3,
  /** Public IPv4 address, per hour while a task runs (no Elastic IP is kept while idle); the same in every region. */
  publicIpv4Hour: 0.005,
  /** Glacier Instant Retrieval and Standard-IA bill at least this many days per object. */
  glacierIrMinimumDays: 90,
  standardIaMinimumDays: 30,
  /** S3 Intelligent-Tiering's monitoring fee, per object a month (objects of 128 KB or more). */
  intelligentTieringMonitoringPerObject: 0.0025 / 1000,
  /** Fargate on Graviton (the world-transfer task) costs about 20 % less than x86. */
  armFactor: 0.8,
  /** Route 53 hosted zone, per month (only with a DNS name). */
  hostedZoneMonth: 0.5,
  /** Cost Explorer API, per request. */
  costExplorerRequest: 0.01,
} as const;

export interface RegionPrices {
  readonly region: string;
  readonly fargate: FargatePrice;
  readonly efs: EfsPrice;
  readonly backup: BackupPrice;
  readonly s3: S3Price;
  readonly logs: LogsPrice;
  /** For each service, the region whose prices were used (FALLBACK_REGION when the region has none). */
  readonly pricedAs: Readonly<Record<PricedService, string>>;
}

const SERVICES: readonly PricedService[] = ['fargate', 'efs', 'backup', 's3', 'logs'];

/** Every price the estimate needs for `region`, each service from the region's own table or us-east-1's. */
export function regionPrices(region: string): RegionPrices {
  const own = REGIONS[region] ?? {};
  const pricedAs = Object.fromEntries(
    SERVICES.map((service) => [service, own[service] ? region : FALLBACK_REGION]),
  ) as Record<PricedService, string>;
  return {
    region,
    fargate: own.fargate ?? US_EAST_1.fargate,
    efs: own.efs ?? US_EAST_1.efs,
    backup: own.backup ?? US_EAST_1.backup,
    s3: own.s3 ?? US_EAST_1.s3,
    logs: own.logs ?? US_EAST_1.logs,
    pricedAs,
  };
}

/** The services `prices` took from another region, by display name ("EFS, AWS Backup"), empty when none. */
export function fallbackServices(prices: RegionPrices): string[] {
  const names: Record<PricedService, string> = {
    fargate: 'Fargate',
    efs: 'EFS',
    backup: 'AWS Backup',
    s3: 'S3',
    logs: 'CloudWatch Logs',
  };
  return SERVICES.filter((service) => prices.pricedAs[service] !== prices.region).map(
    (service) => names[service],
  );
}

export interface FargatePrices {
  readonly fargate: FargatePrice;
  /** The region whose Fargate prices are used (differs from the requested one when it is not in the table). */
  readonly pricedAs: string;
}

export function fargatePrices(region: string): FargatePrices {
  const prices = regionPrices(region);
  return { fargate: prices.fargate, pricedAs: prices.pricedAs.fargate };
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
