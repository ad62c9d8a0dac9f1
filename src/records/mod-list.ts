import { packagePageUrl, tryParseRef } from './mod-package.js';

/**
 * What `/valheim mods` shows, as the CDK app hands it to the interactions Lambda (the MODS_LIST variable, built
 * from the lockfile at synth): no AWS call and no zip library in the command's path, and the list is always
 * the one the deployed task installs. No dependencies above the records.
 */

/** One set's packages as `Owner-Name-1.2.3`. */
export interface ModListSet {
  /** What every player installs, BepInExPack first. */
  readonly players: readonly string[];
  /** What only the server loads: players leave these out. */
  readonly serverOnly: readonly string[];
}

export interface ModList {
  readonly default: ModListSet;
  /** Worlds with a list of their own (an empty one runs vanilla). */
  readonly worlds: Readonly<Record<string, ModListSet>>;
  /** Where the deploy posts the players' profile (.r2z): the notice channel. */
  readonly profileChannelId?: string;
}

export const MODS_LIST_VARIABLE = 'MODS_LIST';

/**
 * Lambda allows 4 KB for all of a function's variables; the list gets at most this much. A longer list keeps
 * the default set's players (what a player needs most) and says how many it left out.
 */
export const MODS_LIST_MAX_CHARS = 2500;

interface Encoded {
  readonly d: readonly [string, string];
  readonly w?: Readonly<Record<string, readonly [string, string]>>;
  /** How many packages did not fit. */
  readonly o?: number;
  /** The profile's channel. */
  readonly c?: string;
}

const pack = (set: ModListSet): [string, string] => [set.players.join(' '), set.serverOnly.join(' ')];
const unpack = ([players, serverOnly]: readonly [string, string]): ModListSet => ({
  players: players ? players.split(' ') : [],
  serverOnly: serverOnly ? serverOnly.split(' ') : [],
});

/** The variable's value: compact JSON, cut to MODS_LIST_MAX_CHARS. */
export function encodeModList(list: ModList): string {
  const worlds = Object.fromEntries(Object.entries(list.worlds).map(([name, set]) => [name, pack(set)]));
  const channel = list.profileChannelId ? { c: list.profileChannelId } : {};
  const full: Encoded = {
    d: pack(list.default),
    ...(Object.keys(worlds).length > 0 && { w: worlds }),
    ...channel,
  };
  const text = JSON.stringify(full);
  if (text.length <= MODS_LIST_MAX_CHARS) return text;
  // Too long: the default players first, then as many as fit.
  const all = [...list.default.players];
  const total =
    list.default.players.length +
    list.default.serverOnly.length +
    Object.values(list.worlds).reduce((sum, set) => sum + set.players.length + set.serverOnly.length, 0);
  for (let keep = all.length; keep >= 0; keep--) {
    const cut: Encoded = { d: [all.slice(0, keep).join(' '), ''], o: total - keep, ...channel };
    const encoded = JSON.stringify(cut);
    if (encoded.length <= MODS_LIST_MAX_CHARS) return encoded;
  }
  return JSON.stringify({ d: ['', ''], o: total });
}

export interface DecodedModList extends ModList {
  /** Packages the variable had no room for. */
  readonly omitted: number;
}

/** Reads MODS_LIST; undefined when unset or not a list (the reply then says there are no mods to show). */
export function decodeModList(text: string | undefined): DecodedModList | undefined {
  if (!text?.trim()) return undefined;
  try {
    const value = JSON.parse(text) as Encoded;
    const isPair = (pair: unknown): pair is [string, string] =>
      Array.isArray(pair) && pair.length === 2 && pair.every((item) => typeof item === 'string');
    if (!isPair(value.d)) return undefined;
    const worlds: Record<string, ModListSet> = {};
    for (const [name, pair] of Object.entries(value.w ?? {})) {
      if (isPair(pair)) worlds[name] = unpack(pair);
    }
    return {
      default: unpack(value.d),
      worlds,
      omitted: typeof value.o === 'number' ? value.o : 0,
      ...(typeof value.c === 'string' && /^\d{17,20}$/.test(value.c) && { profileChannelId: value.c }),
    };
  } catch {
    return undefined;
  }
}

/** `[Jotunn](<https://thunderstore.io/c/valheim/p/ValheimModding/Jotunn/>) 2.20.0 by ValheimModding`. */
export function modLine(id: string): string {
  const ref = tryParseRef(id);
  if (!ref?.version) return id;
  return `[${ref.name}](<${packagePageUrl(ref)}v/${ref.version}/>) ${ref.version} by ${ref.namespace}`;
}
