/*
 * A world's name and settings, and the server arguments they become. No dependencies: the interactions
 * Lambda validates `/valheim world new` options with this in its entry chunk.
 *
 * Valheim creates a world whose files do not exist, with the world modifiers given on the command line:
 * `-preset <name>`, `-modifier <key> <value>` and `-setkey <key>`; `-resetmodifiers` clears what an earlier
 * start set. The game applies them at every start (they are saved into the world), so a world's settings
 * are passed at each of its starts, after `-resetmodifiers`: a changed setting replaces the old one instead
 * of adding to it. A world without settings (the first one, an imported one) gets no such arguments and
 * keeps whatever it holds.
 */

/** Valheim's world file name: the same rule as server.world in the config. */
export const WORLD_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const WORLD_NAME_RULE = '1 to 64 letters, digits, "_" or "-" (it is the world file name)';

export const PRESETS = ['normal', 'casual', 'easy', 'hard', 'hardcore', 'immersive', 'hammer'] as const;
export type Preset = (typeof PRESETS)[number];

/** The world modifiers and their values (Valheim's own names, as its server flags take them). */
export const MODIFIERS = {
  combat: ['veryeasy', 'easy', 'normal', 'hard', 'veryhard'],
  deathpenalty: ['casual', 'veryeasy', 'easy', 'normal', 'hard', 'hardcore'],
  resources: ['muchless', 'less', 'normal', 'more', 'muchmore', 'most'],
  raids: ['none', 'muchless', 'less', 'normal', 'more', 'muchmore'],
  portals: ['casual', 'normal', 'hard', 'veryhard'],
} as const satisfies Record<string, readonly string[]>;
export type ModifierKey = keyof typeof MODIFIERS;
export const MODIFIER_KEYS = Object.keys(MODIFIERS) as ModifierKey[];

/** The on/off world keys (`-setkey`). */
export const WORLD_KEYS = ['nomap', 'passivemobs', 'nobuildcost', 'playerevents'] as const;
export type WorldKey = (typeof WORLD_KEYS)[number];

export interface WorldSettings {
  readonly preset?: Preset;
  readonly modifiers?: Readonly<Partial<Record<ModifierKey, string>>>;
  readonly keys?: readonly WorldKey[];
}

/** Why a name or a setting was refused, in words for people. */
export class WorldSettingsError extends Error {
  override readonly name = 'WorldSettingsError';
}

export function isWorldName(name: string): boolean {
  return WORLD_NAME_PATTERN.test(name);
}

/** The name, or a WorldSettingsError saying what the rule is. */
export function checkWorldName(name: string): string {
  if (!isWorldName(name)) {
    throw new WorldSettingsError(`"${name}" is not a world name: use ${WORLD_NAME_RULE}`);
  }
  return name;
}

export function hasSettings(settings: WorldSettings | undefined): boolean {
  return (
    settings !== undefined &&
    (settings.preset !== undefined ||
      Object.keys(settings.modifiers ?? {}).length > 0 ||
      (settings.keys ?? []).length > 0)
  );
}

/**
 * The server arguments of a world's settings, in a fixed order (the same settings always give the same
 * text): `-resetmodifiers -preset hard -modifier raids none -setkey nomap`. Empty without settings.
 */
export function worldServerArgs(settings: WorldSettings | undefined): string {
  if (!settings || !hasSettings(settings)) return '';
  const args = ['-resetmodifiers'];
  if (settings.preset) args.push('-preset', settings.preset);
  for (const key of MODIFIER_KEYS) {
    const value = settings.modifiers?.[key];
    if (value !== undefined) args.push('-modifier', key, value);
  }
  for (const key of WORLD_KEYS) if (settings.keys?.includes(key)) args.push('-setkey', key);
  return args.join(' ');
}

/**
 * Parses settings as people type them: `hard`, `preset=hard`, `raids=none`, `combat:veryhard`, `nomap`,
 * `nomap=off`, separated by spaces or commas, on top of `base` (a change keeps what it does not name).
 * Unknown words are refused with the list of what is allowed.
 */
export function parseWorldSettings(text: string, base: WorldSettings = {}): WorldSettings {
  let preset = base.preset;
  const modifiers: Partial<Record<ModifierKey, string>> = { ...base.modifiers };
  const keys = new Set<WorldKey>(base.keys ?? []);
  for (const word of text
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean)) {
    const [rawKey, value] = word.split(/[=:]/, 2) as [string, string | undefined];
    const key = rawKey.replace(/^-+/, '');
    if (value === undefined) {
      if (isOneOf(PRESETS, key)) preset = key;
      else if (isOneOf(WORLD_KEYS, key)) keys.add(key);
      else throw new WorldSettingsError(`"${word}" is not a world setting: ${SETTINGS_HINT}`);
      continue;
    }
    if (key === 'preset') {
      if (!isOneOf(PRESETS, value)) {
        throw new WorldSettingsError(`"${value}" is not a preset: use one of ${PRESETS.join(', ')}`);
      }
      preset = value;
    } else if (isOneOf(MODIFIER_KEYS, key)) {
      const allowed: readonly string[] = MODIFIERS[key];
      if (!allowed.includes(value)) {
        throw new WorldSettingsError(`"${value}" is not a value of ${key}: use one of ${allowed.join(', ')}`);
      }
      modifiers[key] = value;
    } else if (isOneOf(WORLD_KEYS, key) && (value === 'on' || value === 'off')) {
      if (value === 'on') keys.add(key);
      else keys.delete(key);
    } else {
      throw new WorldSettingsError(`"${word}" is not a world setting: ${SETTINGS_HINT}`);
    }
  }
  return {
    ...(preset && { preset }),
    ...(Object.keys(modifiers).length > 0 && { modifiers }),
    ...(keys.size > 0 && { keys: WORLD_KEYS.filter((key) => keys.has(key)) }),
  };
}

export const SETTINGS_HINT = `a preset (${PRESETS.join(', ')}), a modifier as key=value (${MODIFIER_KEYS.map((key) => `${key}=${MODIFIERS[key].join('|')}`).join('; ')}) or a key (${WORLD_KEYS.join(', ')}; key=off removes it)`;

/** "preset hard; raids none, combat veryhard; nomap", or "default" without settings. */
export function describeWorldSettings(settings: WorldSettings | undefined): string {
  if (!settings || !hasSettings(settings)) return 'default';
  const parts: string[] = [];
  if (settings.preset) parts.push(`preset ${settings.preset}`);
  const modifiers = MODIFIER_KEYS.filter((key) => settings.modifiers?.[key] !== undefined).map(
    (key) => `${key} ${settings.modifiers?.[key]}`,
  );
  if (modifiers.length > 0) parts.push(modifiers.join(', '));
  if ((settings.keys ?? []).length > 0) parts.push((settings.keys ?? []).join(', '));
  return parts.join('; ');
}

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}
