import type { GameShown } from '../records/lifecycle.js';
import { compareVersions, displayVersion, PUBLIC_BRANCH, steamBranchAdvice } from './branch.js';

/*
 * What the bot says about the game's version, shared by the monitor's notices and the Discord commands. No
 * dependencies beyond the records: the interactions Lambda's entry chunk may load it.
 */

/** "Valheim 1.0.14 (build 20061312, branch default_old)", or undefined when nothing is known. */
export function gameLine(game: GameShown): string | undefined {
  const details = [
    game.build && `build ${game.build}`,
    game.branch && game.branch !== PUBLIC_BRANCH && `branch **${game.branch}**`,
  ].filter(Boolean);
  if (!game.version && details.length === 0) return undefined;
  const name = game.version ? `Valheim ${displayVersion(game.version)}` : 'Valheim';
  return details.length > 0 ? `${name} (${details.join(', ')})` : name;
}

/**
 * The lines of a start that brought a new build: what changed, the world's copy before it (or that the copy
 * failed), and, on a branch other than public, how players match it in Steam.
 */
export function updateLines(game: GameShown): string[] {
  const update = game.update;
  if (!update) return [];
  const to = game.version ? `Valheim ${displayVersion(game.version)}` : `build ${update.toBuild}`;
  const lines = [
    `⬆️ **${to} was installed at this start** (build ${update.toBuild}, was ${update.fromBuild}).`,
  ];
  if (update.failed) {
    lines.push(
      `⚠️ The copy of the world "${update.world}" before the update failed (${sanitize(update.failed)}): its newest snapshot is from the end of its last session (\`npx valheim world backups\`).`,
    );
  } else if (update.snapshotId) {
    lines.push(
      `The world "${update.world}" was saved first as snapshot \`${update.snapshotId}\` (pre-update). If the update breaks something, an operator can roll back (\`npx valheim game rollback\`, or the button below).`,
    );
  }
  if (game.branch && game.branch !== PUBLIC_BRANCH) lines.push(`Players: ${steamBranchAdvice(game.branch)}`);
  return lines;
}

/** A player refused for another game version: who, which versions, and what to do about it. */
export function mismatchLines(refused: {
  readonly peerId: string;
  readonly mine: string;
  readonly remote: string;
  readonly branch?: string;
  readonly name?: string;
}): string {
  const who = /^\d{17}$/.test(refused.peerId)
    ? `[${refused.name ? sanitize(refused.name) : `Steam user ${refused.peerId}`}](<https://steamcommunity.com/profiles/${refused.peerId}>)`
    : refused.peerId
      ? `${refused.name ? `**${sanitize(refused.name)}**` : 'A player'} (${sanitize(refused.peerId)})`
      : 'A player';
  const theirs = displayVersion(refused.remote);
  const ours = displayVersion(refused.mine);
  const branch = refused.branch ?? PUBLIC_BRANCH;
  const order = compareVersions(refused.remote, refused.mine);
  let fix: string;
  if (order === 0 && refused.remote !== refused.mine) {
    // The same game, but one side carries a mod's version ("0.147.3@0.9.3": ValheimPlus-style enforcement).
    fix =
      "The game versions match; a mod's version tag does not: they should install exactly the server's mods (`/valheim mods` lists them), or remove the mod if the server runs none.";
  } else if (branch !== PUBLIC_BRANCH) {
    fix =
      order !== undefined && order > 0
        ? `The server runs the **${branch}** branch on purpose. ${steamBranchAdvice(branch)} Or an operator moves the server back to public: \`/valheim game branch public\`, then a restart.`
        : `${steamBranchAdvice(branch)}`;
  } else if (order !== undefined && order > 0) {
    fix =
      'Their game is newer: a new Valheim version is out. Restart the server to update it (`/valheim stop`, then `/valheim start`); if the server was rolled back on purpose, they can choose **default_old** in Steam → Valheim → Properties → Betas.';
  } else if (order !== undefined && order < 0) {
    fix =
      'Their game is older: they should let Steam update Valheim (restart Steam if it does not), and leave any beta branch (Properties → Betas → None).';
  } else {
    fix = 'Both must run the same version: check Steam → Valheim → Properties → Betas on their side.';
  }
  return `🚫 ${who} could not join: their Valheim is **${theirs}**, the server runs **${ours}**. ${fix}`;
}

/** Text from the log is shown as text: no formatting, no mentions. */
function sanitize(text: string): string {
  return text.replace(/[`*_~|@<>[\]]/g, '').slice(0, 200);
}
