import type { ValheimConfig } from '../../config/schema.js';
import { worldIdleMonthly, worldIdleUsdPerGb } from '../../cost/world-idle.js';
import { formatBytes } from '../../worlds/world-files.js';
import {
  describeWorldSettings,
  parseWorldSettings,
  type WorldSettings,
  WorldSettingsError,
} from '../../worlds/world-settings.js';
import {
  changeWorldSettings,
  createWorld,
  listWorlds,
  type SwitchOutcome,
  switchWorld,
  type WorldSummary,
} from '../../worlds/worlds.js';
import { CliError } from '../errors.js';
import { type WorldDeps, withWorldPorts } from './world-common.js';

/*
 * `valheim world list | switch | new | settings`: the worlds of the deployment (src/worlds/worlds.ts). A
 * switch takes effect at the next start: the game task reads the active world when it launches.
 */

export interface WorldListOptions {
  readonly config: string;
  readonly json?: boolean;
}

export async function worldList(options: WorldListOptions, deps: WorldDeps): Promise<void> {
  await withWorldPorts(options.config, deps, {}, async (context) => {
    const { worlds } = await listWorlds(await context.worlds());
    const perGb = idlePerGb(context.config);
    if (options.json) {
      deps.term.out(
        JSON.stringify(
          worlds.map((world) => ({
            name: world.name,
            active: world.active,
            origin: world.record.origin,
            settings: world.record.settings ?? null,
            sizeBytes: world.record.sizeBytes ?? null,
            hours: round(world.hours, 2),
            sessions: world.sessions,
            lastPlayedAt:
              world.lastPlayedAt === undefined ? null : new Date(world.lastPlayedAt).toISOString(),
            latestSnapshot: world.record.latestSnapshot?.id ?? null,
            idleMonthlyUsd:
              world.record.sizeBytes === undefined
                ? null
                : round(worldIdleMonthly(world.record.sizeBytes, perGb), 4),
          })),
          null,
          2,
        ),
      );
      return;
    }
    for (const line of worldTable(worlds, perGb)) deps.term.out(line);
    deps.term.out('');
    deps.term.out(
      `Every world kept on the server costs its storage while nobody plays (EFS, AWS Backup, its share of the S3 snapshots): about $${perGb.toFixed(3)} a month per GB of its files.`,
    );
    deps.term.out('Switch with: npx valheim world switch <name> (the next start runs it)');
  });
}

export interface WorldSwitchOptions {
  readonly config: string;
  readonly name: string;
}

export async function worldSwitch(options: WorldSwitchOptions, deps: WorldDeps): Promise<void> {
  await withWorldPorts(options.config, deps, {}, async (context) => {
    const outcome = await switchWorld(await context.worlds(), options.name);
    deps.term.out(switchLine(outcome));
  });
}

export interface WorldNewOptions {
  readonly config: string;
  readonly name: string;
  /** Settings as typed: "hardcore", "raids=none", "nomap"… */
  readonly settings?: readonly string[];
}

export async function worldNew(options: WorldNewOptions, deps: WorldDeps): Promise<void> {
  const settings = parseSettings(options.settings ?? []);
  await withWorldPorts(options.config, deps, {}, async (context) => {
    const worlds = await context.worlds();
    const outcome = await guarded(() =>
      createWorld(worlds, { name: options.name, by: 'cli', ...(settings && { settings }) }),
    );
    if (outcome.kind === 'exists') {
      throw new CliError(
        `there is a world "${options.name}" already`,
        `choose another name, or play it: npx valheim world switch ${options.name}`,
      );
    }
    deps.term.out(
      `Added the world "${outcome.world.name}" (${describeWorldSettings(outcome.world.settings)}). Valheim creates it at its first start.`,
    );
    const switched = outcome.switched;
    deps.term.out(
      switched.kind === 'running'
        ? `The server is running "${switched.from}" now: stop it (npx valheim stop --wait), then npx valheim world switch ${switched.to.name}`
        : switchLine(switched),
    );
  });
}

export interface WorldSettingsOptions {
  readonly config: string;
  readonly name: string;
  readonly settings?: readonly string[];
  /** Clear every setting first (the world then keeps what its files hold). */
  readonly reset?: boolean;
}

export async function worldSettings(options: WorldSettingsOptions, deps: WorldDeps): Promise<void> {
  await withWorldPorts(options.config, deps, {}, async (context) => {
    const worlds = await context.worlds();
    const current = options.reset ? undefined : (await worlds.catalog.get(options.name))?.settings;
    const words = options.settings ?? [];
    if (words.length === 0 && !options.reset) {
      const record = await worlds.catalog.get(options.name);
      deps.term.out(`"${options.name}": ${describeWorldSettings(record?.settings)}`);
      return;
    }
    const settings = parseSettings(words, current ?? {});
    const outcome = await changeWorldSettings(worlds, options.name, settings);
    if (outcome.kind === 'unknown') throw unknownWorld(outcome.name, outcome.known);
    deps.term.out(
      `"${outcome.world.name}": ${describeWorldSettings(outcome.world.settings)}. ${
        outcome.running
          ? 'It is running now: the settings apply when it starts again.'
          : 'They apply at its next start.'
      }`,
    );
  });
}

function parseSettings(words: readonly string[], base: WorldSettings = {}): WorldSettings | undefined {
  try {
    const settings = parseWorldSettings(words.join(' '), base);
    return Object.keys(settings).length > 0 ? settings : undefined;
  } catch (error) {
    if (error instanceof WorldSettingsError) {
      throw new CliError(error.message, 'see npx valheim world new --help for the settings');
    }
    throw error;
  }
}

async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof WorldSettingsError) throw new CliError(error.message, 'choose another name');
    throw error;
  }
}

function switchLine(outcome: SwitchOutcome): string {
  switch (outcome.kind) {
    case 'switched':
      return `The next start runs "${outcome.to.name}" (was "${outcome.from}"). Start it with: npx valheim start`;
    case 'already':
      return `"${outcome.world.name}" is the active world already.`;
    case 'running':
      throw new CliError(
        `the server is running "${outcome.from}", and the world must not change under it`,
        `stop it first (npx valheim stop --wait: the world is saved), then run npx valheim world switch ${outcome.to.name}`,
      );
    case 'unknown':
      throw unknownWorld(outcome.name, outcome.known);
  }
}

function unknownWorld(name: string, known: readonly string[]): CliError {
  return new CliError(
    `there is no world "${name}" (there are ${known.join(', ')})`,
    `check the name, or create it: npx valheim world new ${name}`,
  );
}

function idlePerGb(config: ValheimConfig): number {
  return worldIdleUsdPerGb({
    region: config.region,
    snapshots: config.snapshots,
    backupRetentionDays: config.backup.retentionDays,
  });
}

function worldTable(worlds: readonly WorldSummary[], perGb: number): string[] {
  const header = [
    'WORLD',
    'ACTIVE',
    'SIZE',
    'PLAYED',
    'LAST PLAYED (UTC)',
    'LATEST SNAPSHOT',
    'IDLE/MONTH',
    'SETTINGS',
  ];
  const rows = worlds.map((world) => {
    const size = world.record.sizeBytes;
    return [
      world.name,
      world.active ? 'yes' : '',
      size === undefined ? (world.notCreatedYet ? 'not created yet' : 'not measured yet') : formatBytes(size),
      world.sessions === 0
        ? '–'
        : `${world.hours < 1 ? `${Math.round(world.hours * 60)} min` : `${world.hours.toFixed(1)} h`} (${world.sessions})`,
      world.lastPlayedAt === undefined
        ? '–'
        : new Date(world.lastPlayedAt).toISOString().slice(0, 16).replace('T', ' '),
      world.record.latestSnapshot?.id ?? '–',
      size === undefined ? '–' : `$${worldIdleMonthly(size, perGb).toFixed(3)}`,
      describeWorldSettings(world.record.settings),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  return [header, ...rows].map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
