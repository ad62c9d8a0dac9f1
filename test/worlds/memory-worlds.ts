import type { SessionRecord } from '../../src/records/session.js';
import type { ActiveWorld } from '../../src/worlds/active-world.js';
import type {
  ActiveWorldStore,
  PendingSwitch,
  PlayLedger,
  SnapshotFacts,
  WorldCatalog,
  WorldRecord,
} from '../../src/worlds/world-catalog.js';
import type { WorldSettings } from '../../src/worlds/world-settings.js';
import type { WorldsPorts } from '../../src/worlds/worlds.js';

/** The catalog's semantics (as DynamoWorldCatalog implements them on the state table), in memory. */
export class MemoryCatalog implements WorldCatalog {
  readonly records = new Map<string, WorldRecord>();

  async list() {
    return [...this.records.values()];
  }
  async get(name: string) {
    return this.records.get(name);
  }
  async add(record: WorldRecord) {
    const existing = this.records.get(record.name);
    if (existing && existing.deletedAt === undefined) return false;
    this.records.set(record.name, record);
    return true;
  }
  async setSettings(name: string, settings: WorldSettings | undefined) {
    const record = this.records.get(name);
    if (!record || record.deletedAt !== undefined) return false;
    const { settings: _old, ...rest } = record;
    this.records.set(name, { ...rest, ...(settings && { settings }) });
    return true;
  }
  async recordSnapshot(facts: SnapshotFacts, now: number) {
    for (const [name, sizeBytes] of Object.entries(facts.sizes)) {
      const record = this.records.get(name);
      if (record?.latestSnapshot && record.latestSnapshot.id >= facts.id) continue;
      if (record?.deletedAt !== undefined && record.deletedAt >= Date.parse(facts.created)) continue;
      const { deletedAt: _gone, ...rest } = record ?? { name, origin: 'found' as const, createdAt: now };
      this.records.set(name, {
        ...rest,
        sizeBytes,
        latestSnapshot: { id: facts.id, created: facts.created },
      });
    }
  }
  pending: PendingSwitch | undefined;
  async pendingSwitch() {
    return this.pending;
  }
  async setPendingSwitch(pending: PendingSwitch) {
    this.pending = pending;
  }
  async clearPendingSwitch(to: string) {
    if (this.pending?.to === to) this.pending = undefined;
  }
  lock: { owner: string; until: number } | undefined;
  async lockChanges(owner: string, now: number, leaseMs: number) {
    if (this.lock && this.lock.until >= now) return false;
    this.lock = { owner, until: now + leaseMs };
    return true;
  }
  async unlockChanges(owner: string) {
    if (this.lock?.owner === owner) this.lock = undefined;
  }
  async remove(name: string, now: number) {
    const record = this.records.get(name) ?? { name, origin: 'first' as const, createdAt: now };
    const { sizeBytes: _size, ...rest } = record;
    this.records.set(name, { ...rest, deletedAt: now });
  }
}

/** The two parameters, with every write recorded in order. */
export class MemoryActiveWorld implements ActiveWorldStore {
  current: ActiveWorld | undefined;
  readonly writes: ActiveWorld[] = [];
  constructor(initial?: ActiveWorld) {
    this.current = initial;
  }
  async read() {
    return this.current;
  }
  async write(world: ActiveWorld) {
    this.writes.push(world);
    this.current = world;
  }
}

export class MemoryLedger implements PlayLedger {
  readonly rows: SessionRecord[] = [];
  async sessions(from: Date, to: Date) {
    return this.rows.filter((row) => row.startedAt >= from.getTime() && row.startedAt < to.getTime());
  }
}

export interface MemoryWorlds extends WorldsPorts {
  readonly catalog: MemoryCatalog;
  readonly active: MemoryActiveWorld;
  readonly ledger: MemoryLedger;
  game: boolean;
  /** Replaceable: a test may tie it to a fake game server. */
  gameActive: (signal?: AbortSignal) => Promise<boolean>;
}

export function memoryWorlds(firstWorld = 'Dedicated', now = new Date('2026-11-24T20:00:00Z')): MemoryWorlds {
  const ports: MemoryWorlds = {
    catalog: new MemoryCatalog(),
    active: new MemoryActiveWorld({ name: firstWorld, args: '' }),
    ledger: new MemoryLedger(),
    game: false,
    gameActive: async () => ports.game,
    firstWorld,
    now: () => now,
  };
  return ports;
}
