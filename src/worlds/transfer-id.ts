/*
 * Snapshot, import and listing ids, without dependencies: the interactions Lambda makes one for
 * `/valheim backup` in its entry chunk, where zod (manifest.ts) would not be welcome.
 */

const ID_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-([a-z0-9][a-z0-9-]{0,39})$/;

/** Why a snapshot was taken; the last part of its id. */
export type SnapshotReason =
  | 'manual'
  | 'pre-import'
  | 'pre-restore'
  /** Taken by the transfer task right before it deletes a world. */
  | 'pre-delete'
  | 'discord'
  /** Taken by the monitor once the game task of a session has stopped. */
  | 'session-end'
  /** Taken by the monitor during a long session (every snapshots.everyHours). */
  | 'session'
  /**
   * The world as it was before a new game build loaded it: copied by the game task before the server started
   * (src/game/hooks.ts), uploaded by the transfer task. Never pruned automatically.
   */
  | 'pre-update';

/**
 * An id for a snapshot, import or listing: the UTC time to the second plus a reason, e.g.
 * `20261123T190500Z-manual`. Ids sort by time; the reason tells people what it was for.
 */
export function transferId(reason: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const id = `${stamp}-${reason}`;
  if (!ID_PATTERN.test(id)) throw new Error(`invalid transfer id reason "${reason}"`);
  return id;
}

/** The time and reason of an id made by transferId, or undefined when `id` is not one. */
export function parseTransferId(id: string): { readonly created: Date; readonly reason: string } | undefined {
  const match = ID_PATTERN.exec(id);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, reason] = match;
  const created = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  if (Number.isNaN(created.getTime()) || reason === undefined) return undefined;
  return { created, reason };
}
