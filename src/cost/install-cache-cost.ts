import type { S3Price } from './prices.js';

/** The S3 classes with millisecond reads that could hold the install-cache tarball. */
export type CacheStorageClass = 'STANDARD' | 'STANDARD_IA' | 'GLACIER_IR' | 'INTELLIGENT_TIERING';

/**
 * What the install-cache tarball costs a month in each class, for a group that starts `starts` times a month:
 * storage, plus each start's read where the class charges for it. Intelligent-Tiering charges no reads and
 * keeps a tarball read at least every 30 days in its frequent tier (Standard's price); one left 90 days moves
 * to its Archive Instant Access tier (Glacier IR's price). Minimum durations (Standard-IA 30 days, Glacier IR
 * 90) are left out: a tarball replaced after a game update would pay them on top (docs/cost.md).
 */
export function installCacheMonthly(
  storageClass: CacheStorageClass,
  gb: number,
  starts: number,
  s3: S3Price,
): number {
  switch (storageClass) {
    case 'STANDARD':
      return gb * s3.standardGbMonth;
    case 'STANDARD_IA':
      return gb * (s3.standardIaGbMonth + starts * s3.standardIaRetrievalGb);
    case 'GLACIER_IR':
      return gb * (s3.glacierIrGbMonth + starts * s3.glacierIrRetrievalGb);
    case 'INTELLIGENT_TIERING':
      return gb * (starts > 0 ? s3.standardGbMonth : s3.glacierIrGbMonth);
  }
}

/** The cheapest class for `starts` a month (the first in the list on a tie). */
export function cheapestCacheClass(gb: number, starts: number, s3: S3Price): CacheStorageClass {
  const classes: CacheStorageClass[] = ['INTELLIGENT_TIERING', 'STANDARD', 'STANDARD_IA', 'GLACIER_IR'];
  return classes.reduce((best, candidate) =>
    installCacheMonthly(candidate, gb, starts, s3) < installCacheMonthly(best, gb, starts, s3)
      ? candidate
      : best,
  );
}
