import { z } from 'zod';

/**
 * How a world is stored: `folder` is Valheim 1.0's folder of chunk files (`<World>/`), `legacy` is
 * `<World>.fwl` + `<World>.db`, `both` means both are present.
 */
export type WorldFormat = 'folder' | 'legacy' | 'both';

/** A snapshot's format also says `none` when the configured world was not on the server (others were). */
export type SnapshotFormat = WorldFormat | 'none';

/**
 * `manifest.json` of a snapshot (`snapshots/<id>/`) or an import (`imports/<id>/`), written last: a prefix
 * without it is incomplete and never restored. The transfer script writes the same fields.
 */
export interface TransferManifest {
  readonly version: 1;
  readonly id: string;
  /** The world the server ran (snapshots) or the imported world. */
  readonly world: string;
  /** ISO 8601, UTC. */
  readonly created: string;
  readonly reason: string;
  readonly format: SnapshotFormat;
  readonly fileCount: number;
  readonly totalBytes: number;
  /** Every world in the snapshot (the server may hold more than the one it runs). */
  readonly worlds: readonly string[];
  /** Bytes of each world (its folder and .fwl/.db files); absent in snapshots taken before it was added. */
  readonly sizes?: Readonly<Record<string, number>>;
}

const manifestSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  world: z.string(),
  created: z.iso.datetime(),
  reason: z.string(),
  format: z.enum(['folder', 'legacy', 'both', 'none']),
  fileCount: z.number().int().nonnegative(),
  totalBytes: z.number().int().nonnegative(),
  worlds: z.array(z.string()).default([]),
  sizes: z.record(z.string(), z.number().int().nonnegative()).optional(),
});

/** The manifest in `text`, or undefined when it is not one (a damaged manifest counts as incomplete). */
export function parseManifest(text: string): TransferManifest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const result = manifestSchema.safeParse(value);
  return result.success ? result.data : undefined;
}

export function formatManifest(manifest: TransferManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
