import type { SessionRecord } from '../records/session.js';
import type { ActiveWorld } from './active-world.js';
import type { WorldSettings } from './world-settings.js';

/*
 * The worlds a deployment knows, as small ports: the catalog (one item per world in the state table), the
 * active world (its SSM parameters, see active-world.ts) and the play ledger. No SDK here: the Discord
 * commands use these types in the interactions Lambda's entry chunk; aws-worlds.ts implements them.
 */

/** How a world came to the catalog. */
export type WorldOrigin =
  /** server.world: the stack's first world. */
  | 'first'
  /** `world new`: Valheim creates its files at its first start. */
  | 'new'
  /** `world import` of a world with a new name. */
  | 'import'
  /** Seen in a snapshot of the server's files without being in the catalog (e.g. copied there by hand). */
  | 'found';

export interface WorldRecord {
  readonly name: string;
  readonly origin: WorldOrigin;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  /** A Discord user id, or "cli". */
  readonly createdBy?: string;
  /** Preset, modifiers and keys, passed at each of its starts; absent: whatever its files hold. */
  readonly settings?: WorldSettings;
  /** Its files' bytes on the server, as of its latest snapshot. */
  readonly sizeBytes?: number;
  /** The newest snapshot holding it (every snapshot holds every world on the server). */
  readonly latestSnapshot?: { readonly id: string; readonly created: string };
  /** Set when the world was deleted: kept so that the first world does not come back; a new one may reuse the name. */
  readonly deletedAt?: number;
}

/** What a completed snapshot says about the worlds it holds (its manifest). */
export interface SnapshotFacts {
  readonly id: string;
  /** ISO 8601. */
  readonly created: string;
  /** Bytes per world. */
  readonly sizes: Readonly<Record<string, number>>;
}

/** "Stop and switch": the world to switch to once the server has stopped (the stop saves the world first). */
export interface PendingSwitch {
  readonly to: string;
  /** A Discord user id. */
  readonly by?: string;
  /** Epoch milliseconds. */
  readonly at: number;
}

export interface WorldCatalog {
  /** Every record, deleted ones included (see worlds.ts for what a list shows). */
  list(signal?: AbortSignal): Promise<WorldRecord[]>;
  get(name: string, signal?: AbortSignal): Promise<WorldRecord | undefined>;
  /** Adds a world; false when one of that name is there already (a deleted one's name may be reused). */
  add(record: WorldRecord, signal?: AbortSignal): Promise<boolean>;
  /** Replaces a world's settings (undefined clears them); false when there is no such world. */
  setSettings(name: string, settings: WorldSettings | undefined, signal?: AbortSignal): Promise<boolean>;
  /** Records sizes and the snapshot for each world it holds (adding worlds it did not know as "found"). */
  recordSnapshot(facts: SnapshotFacts, now: number, signal?: AbortSignal): Promise<void>;
  /** Marks the world deleted (its snapshots and its hours in the ledger stay). */
  remove(name: string, now: number, signal?: AbortSignal): Promise<void>;
  /** The switch waiting for the server to stop, if any. */
  pendingSwitch(signal?: AbortSignal): Promise<PendingSwitch | undefined>;
  setPendingSwitch(pending: PendingSwitch, signal?: AbortSignal): Promise<void>;
  /** Removes the pending switch if it is still the one to `to` (a newer one, to another world, stays). */
  clearPendingSwitch(to: string, signal?: AbortSignal): Promise<void>;
  /**
   * Takes the one lease on world changes for `owner` until `now + leaseMs` (worlds.ts: the parameters have no
   * compare-and-set); false while another owner holds an unexpired one.
   */
  lockChanges(owner: string, now: number, leaseMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Gives the lease back if `owner` still holds it. */
  unlockChanges(owner: string, signal?: AbortSignal): Promise<void>;
}

/** The active world's parameters. */
export interface ActiveWorldStore {
  /** Undefined when the parameters do not exist (a stack from before worlds were switchable). */
  read(signal?: AbortSignal): Promise<ActiveWorld | undefined>;
  /** Writes the args parameter first, then the name (see active-world.ts for why the order is safe). */
  write(world: ActiveWorld, signal?: AbortSignal): Promise<void>;
}

/** The session ledger, for hours per world. */
export interface PlayLedger {
  /** Rows whose session started in [from, to). */
  sessions(from: Date, to: Date, signal?: AbortSignal): Promise<SessionRecord[]>;
}
