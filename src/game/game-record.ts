import type { GameRecord, PreUpdateCopy } from '../records/game.js';

/*
 * The GAME record (state table item GAME / BUILD): which build the last start ran, the one before the last
 * update, and the pre-update copy of each world that update loaded. The monitor writes it from the start's log
 * lines; `valheim game rollback` and `/valheim status` read it. No SDK here (aws-game-records.ts is the table).
 */

/** What a start logged about the build it runs. */
export interface GameStart {
  readonly build: string;
  readonly branch: string;
  readonly version?: string;
  /** Epoch ms. */
  readonly at: number;
  /** The start brought a new build: the world's copy from before it (absent when the copy failed). */
  readonly preUpdate?: PreUpdateCopy;
}

export interface GameRecords {
  load(signal?: AbortSignal): Promise<GameRecord | undefined>;
  /** Writes `next` unless the record changed since `current` was read; false when it did. */
  save(next: GameRecord, current: GameRecord | undefined, signal?: AbortSignal): Promise<boolean>;
}

/**
 * The record after a start. Another build than the record's makes the record's build `previous` (and drops the
 * copies of the update before: they belong to a build no rollback returns to any more); the same build only
 * completes what is known (its version, a world's copy).
 */
export function nextGameRecord(current: GameRecord | undefined, start: GameStart): GameRecord {
  const copies = (record: GameRecord | undefined) =>
    start.preUpdate
      ? { ...(record?.preUpdate ?? {}), [start.preUpdate.world]: start.preUpdate }
      : record?.preUpdate;
  if (current && current.build === start.build) {
    const preUpdate = copies(current);
    return {
      ...current,
      branch: start.branch,
      ...((start.version ?? current.version) && { version: start.version ?? current.version }),
      ...(preUpdate && { preUpdate }),
    };
  }
  const fromCopy = start.preUpdate?.fromBuild;
  const previous = current
    ? {
        build: current.build,
        branch: current.branch,
        ...(current.version && { version: current.version }),
        until: start.at,
      }
    : fromCopy
      ? { build: fromCopy, branch: start.branch, until: start.at }
      : undefined;
  const preUpdate = copies(undefined);
  return {
    build: start.build,
    branch: start.branch,
    ...(start.version && { version: start.version }),
    since: start.at,
    ...(previous && { previous }),
    ...(preUpdate && { preUpdate }),
  };
}

/** Records a start, reading again when another writer came first (a few tries). */
export async function recordGameStart(
  records: GameRecords,
  start: GameStart,
  signal?: AbortSignal,
): Promise<GameRecord> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await records.load(signal);
    const next = nextGameRecord(current, start);
    if (await records.save(next, current, signal)) return next;
  }
  throw new Error('the game record kept changing while it was written');
}
