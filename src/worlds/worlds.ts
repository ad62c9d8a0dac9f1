import { type SessionRecord, sessionWorld } from '../records/session.js';
import type { ActiveWorld } from './active-world.js';
import { WorldError } from './errors.js';
import type { ActiveWorldStore, PlayLedger, WorldCatalog, WorldRecord } from './world-catalog.js';
import { checkWorldName, type WorldSettings, worldServerArgs } from './world-settings.js';

/*
 * The worlds of a deployment: list, switch, create and change settings. Functions over the ports of
 * world-catalog.ts plus one question to ECS (does the game run?), shared by `/valheim world …` and
 * `valheim world …`. No SDK import: the interactions Lambda runs these in its entry chunk.
 */

export interface WorldsPorts {
  readonly catalog: WorldCatalog;
  readonly active: ActiveWorldStore;
  readonly ledger: PlayLedger;
  /** Whether the game server runs, starts or stops (a world must not change under it). */
  readonly gameActive: (signal?: AbortSignal) => Promise<boolean>;
  /** server.world: the world a stack starts with, and the owner of ledger rows without a world. */
  readonly firstWorld: string;
  readonly now: () => Date;
  /** Waits while another world change holds the lease (a start waits a moment). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface WorldSummary {
  readonly name: string;
  readonly active: boolean;
  readonly record: WorldRecord;
  /** Hours played, from the ledger (a session still running counts up to now). */
  readonly hours: number;
  readonly sessions: number;
  /** When its last session ended (or now, while one runs). */
  readonly lastPlayedAt?: number;
  /** Valheim has not created it yet: a new world before its first start. */
  readonly notCreatedYet: boolean;
}

export interface WorldList {
  readonly active: string;
  /** The active world first, then by name. */
  readonly worlds: readonly WorldSummary[];
}

/** The active world: its parameters, or the first world on a stack without them. */
export async function activeWorldOf(ports: Pick<WorldsPorts, 'active' | 'firstWorld'>, signal?: AbortSignal) {
  return (await ports.active.read(signal)) ?? { name: ports.firstWorld, args: '' };
}

/** Every world of the catalog (and the first and the active one, which need no record), with its hours. */
export async function listWorlds(ports: WorldsPorts, signal?: AbortSignal): Promise<WorldList> {
  const now = ports.now();
  const [records, active, sessions] = await Promise.all([
    ports.catalog.list(signal),
    activeWorldOf(ports, signal),
    ports.ledger.sessions(new Date(0), now, signal),
  ]);
  const known = knownWorlds(records, ports.firstWorld, active.name, now.getTime());
  const played = playByWorld(sessions, ports.firstWorld, now.getTime());
  const worlds = [...known.values()].map((record): WorldSummary => {
    const play = played.get(record.name);
    return {
      name: record.name,
      active: record.name === active.name,
      record,
      hours: play?.hours ?? 0,
      sessions: play?.sessions ?? 0,
      ...(play?.lastPlayedAt !== undefined && { lastPlayedAt: play.lastPlayedAt }),
      notCreatedYet: record.origin === 'new' && !play && record.latestSnapshot === undefined,
    };
  });
  worlds.sort((a, b) => Number(b.active) - Number(a.active) || a.name.localeCompare(b.name));
  return { active: active.name, worlds };
}

/** The names a switch or a setting accepts, for autocomplete: the known worlds, the active one first. */
export async function worldNames(
  ports: Pick<WorldsPorts, 'catalog' | 'active' | 'firstWorld' | 'now'>,
  signal?: AbortSignal,
): Promise<{ active: string; names: string[] }> {
  const [records, active] = await Promise.all([ports.catalog.list(signal), activeWorldOf(ports, signal)]);
  const names = [...knownWorlds(records, ports.firstWorld, active.name, ports.now().getTime()).keys()];
  names.sort((a, b) => Number(b === active.name) - Number(a === active.name) || a.localeCompare(b));
  return { active: active.name, names };
}

export type SwitchOutcome =
  | { readonly kind: 'switched'; readonly from: string; readonly to: WorldRecord }
  /** It is the active world already. */
  | { readonly kind: 'already'; readonly world: WorldRecord }
  /** The game runs: stop it first (the world is saved by the stop), then switch. */
  | { readonly kind: 'running'; readonly from: string; readonly to: WorldRecord }
  | { readonly kind: 'unknown'; readonly name: string; readonly known: readonly string[] };

/**
 * Makes `name` the world the next start runs, while the game is stopped. Checked again after the write: a
 * start that came in meanwhile launches a task that reads the parameters seconds later (ECS resolves secrets
 * when it starts the container), so it runs the new world either way, and the answer says so.
 */
export async function switchWorld(
  ports: WorldsPorts,
  name: string,
  signal?: AbortSignal,
): Promise<SwitchOutcome> {
  return oneChangeAtATime(ports, signal, () => switchHeld(ports, name, signal));
}

/** switchWorld, with the lease on world changes held by the caller. */
async function switchHeld(ports: WorldsPorts, name: string, signal?: AbortSignal): Promise<SwitchOutcome> {
  const [target, active, running] = await Promise.all([
    findWorld(ports, name, signal),
    activeWorldOf(ports, signal),
    ports.gameActive(signal),
  ]);
  if (!target) return { kind: 'unknown', name, known: (await worldNames(ports, signal)).names };
  if (target.name === active.name) return { kind: 'already', world: target };
  if (running) return { kind: 'running', from: active.name, to: target };
  await ports.active.write(activeWorldFor(target), signal);
  return { kind: 'switched', from: active.name, to: target };
}

/** The parameters' values for a world. */
export function activeWorldFor(record: Pick<WorldRecord, 'name' | 'settings'>): ActiveWorld {
  return { name: record.name, args: worldServerArgs(record.settings) };
}

export type CreateOutcome =
  | { readonly kind: 'created'; readonly world: WorldRecord; readonly switched: SwitchOutcome }
  | { readonly kind: 'exists'; readonly world: WorldRecord };

/**
 * Adds a new world and makes it the next start's (while the game runs, it waits: `switched` says so). Valheim
 * creates its files at that start, with its settings. The name is checked (WorldSettingsError).
 */
export async function createWorld(
  ports: WorldsPorts,
  request: { readonly name: string; readonly settings?: WorldSettings; readonly by?: string },
  signal?: AbortSignal,
): Promise<CreateOutcome> {
  const name = checkWorldName(request.name);
  return oneChangeAtATime(ports, signal, () => createHeld(ports, name, request, signal));
}

async function createHeld(
  ports: WorldsPorts,
  name: string,
  request: { readonly settings?: WorldSettings; readonly by?: string },
  signal?: AbortSignal,
): Promise<CreateOutcome> {
  const existing = await findWorld(ports, name, signal);
  if (existing) return { kind: 'exists', world: existing };
  const record: WorldRecord = {
    name,
    origin: 'new',
    createdAt: ports.now().getTime(),
    ...(request.by && { createdBy: request.by }),
    ...(request.settings && { settings: request.settings }),
  };
  if (!(await ports.catalog.add(record, signal))) {
    const raced = await ports.catalog.get(name, signal);
    return { kind: 'exists', world: raced ?? record };
  }
  return { kind: 'created', world: record, switched: await switchHeld(ports, name, signal) };
}

export type SettingsOutcome =
  | {
      readonly kind: 'changed';
      readonly world: WorldRecord;
      /** The active world: the new flags are in its parameters, for its next start. */
      readonly active: boolean;
      /** It runs now: the change applies when it starts again. */
      readonly running: boolean;
    }
  | { readonly kind: 'unknown'; readonly name: string; readonly known: readonly string[] };

/** Replaces a world's settings; applied at its next start (the active world's parameters follow at once). */
export async function changeWorldSettings(
  ports: WorldsPorts,
  name: string,
  settings: WorldSettings | undefined,
  signal?: AbortSignal,
): Promise<SettingsOutcome> {
  return oneChangeAtATime(ports, signal, () => settingsHeld(ports, name, settings, signal));
}

async function settingsHeld(
  ports: WorldsPorts,
  name: string,
  settings: WorldSettings | undefined,
  signal?: AbortSignal,
): Promise<SettingsOutcome> {
  const [target, active, running] = await Promise.all([
    findWorld(ports, name, signal),
    activeWorldOf(ports, signal),
    ports.gameActive(signal),
  ]);
  if (!target) return { kind: 'unknown', name, known: (await worldNames(ports, signal)).names };
  // The first world may have no record yet: it gets one with the settings.
  if (!(await ports.catalog.setSettings(target.name, settings, signal))) {
    await ports.catalog.add({ ...target, ...(settings && { settings }) }, signal);
  }
  const world: WorldRecord = { ...target, ...(settings ? { settings } : { settings: undefined }) };
  const isActive = target.name === active.name;
  if (isActive) await ports.active.write(activeWorldFor(world), signal);
  return { kind: 'changed', world, active: isActive, running: isActive && running };
}

/** The world of that name: its record, or a record made up for the first or active world. */
export async function findWorld(
  ports: Pick<WorldsPorts, 'catalog' | 'active' | 'firstWorld' | 'now'>,
  name: string,
  signal?: AbortSignal,
): Promise<WorldRecord | undefined> {
  const [record, active] = await Promise.all([ports.catalog.get(name, signal), activeWorldOf(ports, signal)]);
  if (record && record.deletedAt === undefined) return record;
  if (record?.deletedAt !== undefined && name !== active.name) return undefined;
  if (name === ports.firstWorld || name === active.name) {
    return { name, origin: 'first', createdAt: ports.now().getTime() };
  }
  return undefined;
}

/** Records that are not deleted, plus the first and the active world when they have none. */
function knownWorlds(
  records: readonly WorldRecord[],
  firstWorld: string,
  activeWorld: string,
  now: number,
): Map<string, WorldRecord> {
  const known = new Map<string, WorldRecord>();
  const byName = new Map(records.map((record) => [record.name, record]));
  for (const record of records) if (record.deletedAt === undefined) known.set(record.name, record);
  for (const name of [firstWorld, activeWorld]) {
    const record = byName.get(name);
    // A deleted first world stays deleted, unless it is the active one (the next start creates it again).
    if (!known.has(name) && (!record || name === activeWorld)) {
      known.set(name, { name, origin: 'first', createdAt: now });
    }
  }
  return known;
}

/** Hours, sessions and the last play of each world, from the ledger. */
export function playByWorld(
  sessions: readonly SessionRecord[],
  firstWorld: string,
  now: number,
): Map<string, { hours: number; sessions: number; lastPlayedAt: number }> {
  const byWorld = new Map<string, { hours: number; sessions: number; lastPlayedAt: number }>();
  for (const session of sessions) {
    const end = Math.min(session.stoppedAt ?? now, now);
    if (end <= session.startedAt) continue;
    const world = sessionWorld(session, firstWorld);
    const entry = byWorld.get(world) ?? { hours: 0, sessions: 0, lastPlayedAt: 0 };
    entry.hours += (end - session.startedAt) / 3_600_000;
    entry.sessions += 1;
    entry.lastPlayedAt = Math.max(entry.lastPlayedAt, end);
    byWorld.set(world, entry);
  }
  return byWorld;
}

/**
 * Applies a pending "Stop and switch" once the game has stopped: the monitor calls this when it sees the
 * server stopped, and a start calls it first (should the monitor have missed the stop). Undefined when
 * nothing was pending; the pending switch stays while the game still runs.
 */
export async function applyPendingSwitch(
  ports: WorldsPorts,
  signal?: AbortSignal,
): Promise<SwitchOutcome | undefined> {
  const pending = await ports.catalog.pendingSwitch(signal);
  if (!pending) return undefined;
  return oneChangeAtATime(ports, signal, async () => {
    // Read again under the lease: another taker may have made it meanwhile.
    const still = await ports.catalog.pendingSwitch(signal);
    if (!still) return undefined;
    const outcome = await switchHeld(ports, still.to, signal);
    if (outcome.kind === 'running') return outcome;
    await ports.catalog.clearPendingSwitch(still.to, signal);
    return outcome;
  });
}

/**
 * Starts the game on a settled world: under the lease on world changes, makes a pending "Stop and switch",
 * then runs `start` (the desired count to 1). A switch checks that the game is stopped and then writes the
 * parameters; holding the lease across the start means no start falls between the two, so the task never
 * launches on one world while the parameters (and the ledger) name another. Waits a moment for a change
 * being made (one takes a second or two); WorldChangeBusyError if it is still being made.
 * Resolves with the world the start runs.
 */
export async function startOnSettledWorld(
  ports: WorldsPorts,
  start: () => Promise<void>,
  signal?: AbortSignal,
): Promise<string> {
  return oneChangeAtATime(
    ports,
    signal,
    async () => {
      const pending = await ports.catalog.pendingSwitch(signal);
      if (pending) {
        const outcome = await switchHeld(ports, pending.to, signal);
        if (outcome.kind !== 'running') await ports.catalog.clearPendingSwitch(pending.to, signal);
      }
      const active = await activeWorldOf(ports, signal);
      await start();
      return active.name;
    },
    START_LEASE_WAITS,
  );
}

/** A start waits up to 3 × 250 ms for a world change being made. */
const START_LEASE_WAITS = { attempts: 4, waitMs: 250 } as const;

/** How long one world change may hold the lease (a change takes a second or two; a crashed one frees it). */
const CHANGE_LEASE_MS = 30_000;

/** Another world change (a switch, a new world, a settings change) is being made right now. */
export class WorldChangeBusyError extends WorldError {
  constructor() {
    super(
      'another world change (a switch, a new world or a settings change) is being made right now',
      'try again in a few seconds',
    );
  }
}

/**
 * World changes one at a time. The parameters have no compare-and-set: a switch and a settings change at
 * once could leave the active world with stale flags (a settings change that read "not active" just before
 * the switch), or undo a switch (one that read "active" just before it). So each change holds a lease in the
 * state table for its reads and writes; a change that finds it held is refused (WorldChangeBusyError), not
 * queued: the person asking tries again in a second.
 */
async function oneChangeAtATime<T>(
  ports: Pick<WorldsPorts, 'catalog' | 'now' | 'sleep'>,
  signal: AbortSignal | undefined,
  change: () => Promise<T>,
  waits: { readonly attempts: number; readonly waitMs: number } = { attempts: 1, waitMs: 0 },
): Promise<T> {
  const owner = globalThis.crypto.randomUUID();
  for (let attempt = 1; ; attempt++) {
    if (await ports.catalog.lockChanges(owner, ports.now().getTime(), CHANGE_LEASE_MS, signal)) break;
    if (attempt >= waits.attempts) throw new WorldChangeBusyError();
    await (ports.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))))(waits.waitMs);
  }
  try {
    return await change();
  } finally {
    // Not on the caller's signal: a change that ran out of time still gives the lease back.
    await ports.catalog.unlockChanges(owner).catch(() => undefined);
  }
}
