/**
 * The server log's lines about mods: what the install step says (src/mods/mods.sh) and how a modded server
 * turns players away. The kick lines are the real ones:
 * - (Valheim itself, for a game version mismatch — `Peer 76561198… has incompatible version, mine:0.217.38
 *   (network version 20)   remote 0.217.46 (network version 23)` — is the game's line: server-log.ts reads it
 *   as a `version-mismatch`, told once per player per session with the branch advice, src/game/advice.ts.)
 * - ServerSync (blaxxun-boop, the version check most mods ship): `Disconnect: The client (76561198…) doesn't
 *   have the correct <Mod> version <minimum>`.
 * - The common mod template (Azumatt's RpcHandlers), through BepInEx's console (`[Warning:<Mod>] …`):
 *   `Peer (76561198…) has incompatible version, disconnecting...` and `Peer (…) never sent version or
 *   couldn't due to previous disconnect, disconnecting` (the mod is missing on that client).
 * No dependencies: the log processor's entry chunk reads these.
 */

export type ModLogEvent =
  /** The install refused the start (mods.sh): the game will not start. */
  | { readonly kind: 'mods-refused'; readonly detail: string }
  /** The locked mods are installed: how many (BepInExPack not counted). */
  | { readonly kind: 'mods-installed'; readonly mods: number; readonly bepinexPack: string }
  /** The game build changed since this mod set last ran. */
  | { readonly kind: 'mods-game-changed'; readonly from: string; readonly to: string }
  /** A player was turned away for a mod or game version. */
  | {
      readonly kind: 'mod-kick';
      readonly peer: string;
      /** `game`: the game versions differ; `version`: a mod's version; `missing`: a mod the client lacks. */
      readonly reason: 'game' | 'version' | 'missing';
      readonly mod?: string;
      /** The version the server needs (a mod's minimum, or the game's). */
      readonly need?: string;
      /** The client's game version, for `game`. */
      readonly has?: string;
    };

type Build = (match: RegExpExecArray) => ModLogEvent;

/** `[Warning:   Jotunn] …` → `Jotunn`: BepInEx's console names the mod that logged the line. */
function bepinexSource(line: string): string | undefined {
  return /\[(?:Warning|Info|Error|Message|Debug|Fatal)\s*:\s*([^\]]+?)\s*\]/.exec(line)?.[1];
}

const PATTERNS: ReadonlyArray<readonly [RegExp, Build]> = [
  [/mods: refusing to start: (.*)$/, (m) => ({ kind: 'mods-refused', detail: (m[1] ?? '').trim() })],
  [
    /mods: installed (\d+) mods \(BepInExPack ([^,]+),/,
    (m) => ({ kind: 'mods-installed', mods: Number(m[1]), bepinexPack: m[2] ?? '' }),
  ],
  [
    /mods: Valheim changed from build (\S+) to build (\S+)/,
    (m) => ({ kind: 'mods-game-changed', from: m[1] ?? '', to: m[2] ?? '' }),
  ],
  [
    /Disconnect: The client \((\S+)\) doesn't have the correct (.+) version (\S+)/,
    (m) => ({
      kind: 'mod-kick',
      peer: m[1] ?? '',
      reason: 'version',
      mod: (m[2] ?? '').trim(),
      need: m[3] ?? '',
    }),
  ],
  [
    /Peer \((\S+)\) has incompatible version, disconnecting/,
    (m) => ({ kind: 'mod-kick', peer: m[1] ?? '', reason: 'version', ...modOf(m.input) }),
  ],
  [
    /Peer \((\S+)\) never sent version or couldn't due to previous disconnect/,
    (m) => ({ kind: 'mod-kick', peer: m[1] ?? '', reason: 'missing', ...modOf(m.input) }),
  ],
];

function modOf(line: string): { mod?: string } {
  const source = bepinexSource(line);
  return source && source !== 'Unity Log' ? { mod: source } : {};
}

export function parseModLine(line: string): ModLogEvent | undefined {
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(line);
    if (match) return build(match);
  }
  return undefined;
}

/** The subscription filter's alternatives for these lines (`.` for spaces, quotes and parentheses). */
export const MOD_FILTER_ALTERNATIVES = [
  'mods:.refusing.to.start',
  'mods:.installed.[0-9]+.mods',
  'mods:.Valheim.changed.from.build',
  'doesn.t.have.the.correct',
  'has.incompatible.version',
  'never.sent.version.or.couldn',
] as const;
