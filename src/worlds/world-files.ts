import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { type UnzipFileInfo, unzipSync } from 'fflate';
import { WorldError } from './errors.js';
import type { WorldFormat } from './manifest.js';
import { removeOnInterrupt } from './temporary.js';

/** One file of a world, as it sits on disk and where it goes below `worlds_local/`. */
export interface WorldFile {
  /** Path relative to `worlds_local/`, with "/" separators (`Midgard.db`, `Midgard/_main.0.fwl2`). */
  readonly key: string;
  /** Absolute path on this machine. */
  readonly path: string;
  readonly size: number;
}

/** A world found on this machine: the files to upload and what they are. */
export interface LocalWorld {
  readonly name: string;
  readonly format: WorldFormat;
  readonly files: readonly WorldFile[];
  readonly totalBytes: number;
  /** Other worlds seen next to it and left out. */
  readonly others: readonly string[];
}

/** A world found in a path, with the clean-up of anything unpacked to find it (a zip's temp folder). */
export interface OpenedWorld {
  readonly world: LocalWorld;
  dispose(): void;
}

/** The files of a legacy world: the pair, plus the backups Valheim keeps next to it. */
const LEGACY_SUFFIXES = ['.fwl', '.db', '.fwl.old', '.db.old'] as const;

const WHAT_A_WORLD_IS =
  'point at <World>.fwl + <World>.db, a Valheim 1.0 world folder <World>/, a folder containing worlds_local, or a .zip of one of those';

/**
 * Finds the world in `path`: a `.zip` (unpacked to a temp folder), a `.fwl`/`.db` file (with its pair), a
 * Valheim 1.0 world folder (it holds `*.fwl2` files), or a folder holding worlds (`worlds_local/` of a PC or
 * of the server's /config, or such a folder itself). When there are several worlds, the one named
 * `preferred` is taken.
 */
export function openWorld(path: string, preferred?: string): OpenedWorld {
  const full = resolve(path);
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(full);
  } catch {
    throw new WorldError(`${path} does not exist`, 'check the path');
  }
  if (stats.isFile() && full.toLowerCase().endsWith('.zip')) {
    const temp = mkdtempSync(join(tmpdir(), 'valheim-world-zip-'));
    const release = removeOnInterrupt(temp);
    const remove = (): void => {
      rmSync(temp, { recursive: true, force: true });
      release();
    };
    try {
      extractZip(full, temp);
      const world = findWorld(temp, preferred, path);
      return { world, dispose: remove };
    } catch (error) {
      remove();
      throw error;
    }
  }
  return { world: findWorld(full, preferred, path), dispose: () => {} };
}

/** Finds the world in an unpacked path; `shown` is how the path is named in messages. */
export function findWorld(path: string, preferred: string | undefined, shown: string = path): LocalWorld {
  const stats = statSync(path);
  if (stats.isFile()) {
    const file = basename(path);
    if (file.endsWith('.fwl2')) return folderWorld(dirname(path));
    const suffix = LEGACY_SUFFIXES.find((s) => file.endsWith(s));
    if (!suffix) throw new WorldError(`${shown} is not a Valheim world`, WHAT_A_WORLD_IS);
    const name = file.slice(0, -suffix.length);
    const world = legacyWorld(dirname(path), name);
    if (!world) {
      throw new WorldError(
        `${shown}: a legacy world needs both ${name}.fwl and ${name}.db next to each other`,
        'copy both files (Valheim keeps them side by side in worlds_local)',
      );
    }
    return world;
  }
  if (isWorldFolder(path)) return folderWorld(path);
  const dir = worldsDirectory(path);
  const worlds = worldsIn(dir);
  // A world folder whose files are not named *.fwl2: accepted when it is named like the expected world.
  if (dir === path && preferred !== undefined && basename(path) === preferred && !worlds.has(preferred)) {
    const world = folderWorld(path);
    if (world.files.length > 0) return world;
  }
  if (worlds.size === 0) throw new WorldError(`no world found in ${shown}`, WHAT_A_WORLD_IS);
  const names = [...worlds.keys()].sort();
  const chosen =
    preferred !== undefined && worlds.has(preferred) ? preferred : names.length === 1 ? names[0] : undefined;
  if (chosen === undefined) {
    throw new WorldError(
      `${shown} holds several worlds (${names.join(', ')})${preferred ? ` and none is named "${preferred}"` : ''}`,
      "point at one world's files instead",
    );
  }
  const world = worlds.get(chosen) as LocalWorld;
  return { ...world, others: names.filter((name) => name !== chosen) };
}

/** Unpacks a zip into `destination`, refusing entries that would land outside it. */
export function extractZip(zip: string, destination: string): void {
  const data = readFileSync(zip);
  const entries: UnzipFileInfo[] = [];
  try {
    unzipSync(data, {
      filter: (entry) => {
        entries.push(entry);
        return false;
      },
    });
  } catch (error) {
    throw new WorldError(
      `${zip} is not a readable zip (${(error as Error).message})`,
      'check the file, or unzip it yourself and import the folder',
    );
  }
  const root = resolve(destination);
  // Inflate in batches of about 256 MB so a big world never sits in memory twice over.
  let batch = new Set<string>();
  let batchBytes = 0;
  const flush = (): void => {
    if (batch.size === 0) return;
    const names = batch;
    const files = unzipSync(data, { filter: (entry) => names.has(entry.name) });
    for (const [name, content] of Object.entries(files)) {
      const target = resolve(root, name.replace(/\\/g, '/'));
      if (target !== root && !target.startsWith(root + sep)) {
        throw new WorldError(
          `${zip} holds a file outside its folder (${name})`,
          'unzip it yourself and check it',
        );
      }
      if (name.endsWith('/') || name.endsWith('\\')) {
        mkdirSync(target, { recursive: true });
      } else {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, content);
      }
    }
    batch = new Set();
    batchBytes = 0;
  };
  for (const entry of entries) {
    batch.add(entry.name);
    batchBytes += entry.originalSize;
    if (batchBytes >= 256 * 1024 * 1024) flush();
  }
  flush();
}

/** The folder that directly holds worlds: `worlds_local/` (or legacy `worlds/`) within two levels, else `dir`. */
function worldsDirectory(dir: string): string {
  const candidates: string[] = [];
  for (const name of ['worlds_local', 'worlds']) {
    candidates.push(join(dir, name));
    for (const child of subdirectories(dir)) candidates.push(join(dir, child, name));
  }
  return candidates.find((candidate) => isDirectory(candidate) && worldsIn(candidate).size > 0) ?? dir;
}

/** The worlds directly in `dir`: legacy pairs and non-empty world folders. */
function worldsIn(dir: string): Map<string, LocalWorld> {
  const worlds = new Map<string, LocalWorld>();
  const entries = readdirSync(dir, { withFileTypes: true });
  const names = new Set<string>();
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) names.add(entry.name);
    else if (entry.isFile() && entry.name.endsWith('.fwl')) names.add(entry.name.slice(0, -'.fwl'.length));
  }
  for (const name of names) {
    const legacy = legacyWorld(dir, name);
    // Only a folder that holds world files (*.fwl2) is a world: not screenshots/, backups/ or the like.
    const folder =
      isDirectory(join(dir, name)) && isWorldFolder(join(dir, name))
        ? folderWorld(join(dir, name))
        : undefined;
    const files = [...(legacy?.files ?? []), ...(folder && folder.files.length > 0 ? folder.files : [])];
    if (files.length === 0) continue;
    const format: WorldFormat = legacy && folder?.files.length ? 'both' : legacy ? 'legacy' : 'folder';
    worlds.set(name, { name, format, files, totalBytes: total(files), others: [] });
  }
  return worlds;
}

function legacyWorld(dir: string, name: string): LocalWorld | undefined {
  const files: WorldFile[] = [];
  for (const suffix of LEGACY_SUFFIXES) {
    const path = join(dir, `${name}${suffix}`);
    if (isFile(path)) files.push({ key: `${name}${suffix}`, path, size: statSync(path).size });
  }
  if (!files.some((f) => f.key.endsWith('.fwl')) || !files.some((f) => f.key.endsWith('.db')))
    return undefined;
  return { name, format: 'legacy', files, totalBytes: total(files), others: [] };
}

/** A Valheim 1.0 world: every file below `dir`, keyed `<name>/…`. */
function folderWorld(dir: string): LocalWorld {
  const name = basename(dir);
  const files: WorldFile[] = [];
  const walk = (current: string, prefix: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else if (entry.isFile()) files.push({ key: `${prefix}${entry.name}`, path, size: statSync(path).size });
    }
  };
  walk(dir, `${name}/`);
  return { name, format: 'folder', files, totalBytes: total(files), others: [] };
}

function isWorldFolder(dir: string): boolean {
  return readdirSync(dir, { withFileTypes: true }).some((e) => e.isFile() && e.name.endsWith('.fwl2'));
}

function subdirectories(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function total(files: readonly WorldFile[]): number {
  return files.reduce((sum, file) => sum + file.size, 0);
}

/** "48.1 MB": sizes for people (decimal units, as file managers show them). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
