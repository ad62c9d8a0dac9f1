/**
 * What a world's files weigh in the units the storage classes bill, measured from the files themselves or
 * assumed from a size. EFS bills Standard in 4 KiB steps plus 2 KiB of metadata per file (always in Standard),
 * and Infrequent Access at least 128 KiB per file, for storage and for each read; S3 lifecycle rules leave
 * objects under 128 KB in Standard. So how much of a world really gets the cheap price depends on its file
 * sizes: a legacy world is one big `.db`, a Valheim 1.0 world a folder of chunk files (docs/cost.md).
 */

const GB = 1024 ** 3;
const KIB = 1024;
/** EFS Infrequent Access bills (and meters reads of) at least this much per file. */
export const IA_MINIMUM_BYTES = 128 * KIB;
/** S3 lifecycle rules do not move smaller objects to Glacier Instant Retrieval (they stay in Standard). */
export const S3_TRANSITION_MINIMUM_BYTES = 128 * 1000;
const EFS_BLOCK = 4 * KIB;
const EFS_METADATA = 2 * KIB;

export interface WorldFootprint {
  /** The files' bytes, in GB (2^30 bytes, as AWS bills). */
  readonly gb: number;
  /** How many files, when measured. */
  readonly files?: number;
  /** Billed in EFS Standard: every file rounded up to 4 KiB. */
  readonly standardGb: number;
  /** Billed in EFS Infrequent Access (and per read there): every file at least 128 KiB. */
  readonly iaGb: number;
  /** The files' metadata, which stays in EFS Standard (2 KiB a file). */
  readonly metadataGb: number;
  /** The bytes in files of at least 128 KB: what an S3 lifecycle rule moves to a colder class. */
  readonly transitionableGb: number;
  /** Measured from the files (true) or assumed from a size (false). */
  readonly measured: boolean;
}

/**
 * A world known only by its size: assumed to be in files of 128 KiB or more (a legacy `.db` is one file;
 * Valheim publishes no chunk sizes), so every byte bills at the cheap classes' price and nothing is rounded up.
 */
export function footprintOfSize(gb: number): WorldFootprint {
  return { gb, standardGb: gb, iaGb: gb, metadataGb: 0, transitionableGb: gb, measured: false };
}

/** A world measured from its files' sizes in bytes. */
export function footprintOfFiles(sizes: readonly number[]): WorldFootprint {
  let bytes = 0;
  let standard = 0;
  let ia = 0;
  let transitionable = 0;
  for (const size of sizes) {
    const blocks = Math.ceil(size / EFS_BLOCK) * EFS_BLOCK;
    bytes += size;
    standard += blocks;
    ia += Math.max(IA_MINIMUM_BYTES, blocks);
    if (size >= S3_TRANSITION_MINIMUM_BYTES) transitionable += size;
  }
  return {
    gb: bytes / GB,
    files: sizes.length,
    standardGb: standard / GB,
    iaGb: ia / GB,
    metadataGb: (sizes.length * EFS_METADATA) / GB,
    transitionableGb: transitionable / GB,
    measured: true,
  };
}

/** The share of a world's bytes in files of at least 128 KiB (what moves to IA without being rounded up). */
export function largeFileShare(sizes: readonly number[]): number {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (total === 0) return 0;
  return sizes.filter((size) => size >= IA_MINIMUM_BYTES).reduce((sum, size) => sum + size, 0) / total;
}
