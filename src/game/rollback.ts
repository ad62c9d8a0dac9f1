import type { GameBuild, GameRecord, PreUpdateCopy } from '../records/game.js';
import {
  displayVersion,
  formatGameSetting,
  type GameSetting,
  PUBLIC_BRANCH,
  steamBranchAdvice,
} from './branch.js';
import type { GameRecords } from './game-record.js';

/*
 * `valheim game rollback`: back to the build that ran before the last update. Three changes, in this order:
 *
 * 1. the active world, if the new build loaded it: restored from its pre-update snapshot (the transfer task
 *    saves the current world as a pre-restore snapshot first). First, because an old build must never meet a
 *    world the new one migrated: if this step fails, nothing else changes.
 * 2. the install cache: the branch's tarball of the previous build (the bucket keeps one replaced version per
 *    tarball, tagged with its build) becomes the current one again;
 * 3. the branch parameter: `<branch> hold <build>`, so that the next starts skip Steam's update
 *    (src/game/hooks.ts) until someone picks a branch again (`valheim game branch`).
 *
 * A plan is worked out first and shown (the dry-run is the plan alone); nothing changes while the game runs.
 * Functions over small ports: the CLI provides AWS, tests fakes.
 */

/** A version of a branch's install tarball in the world bucket. */
export interface InstallVersion {
  readonly versionId: string;
  readonly isLatest: boolean;
  /** From the upload's metadata (install-cache.sh); absent on tarballs uploaded before it was written. */
  readonly build?: string;
  readonly lastModified?: Date;
}

export interface RollbackPorts {
  readonly records: GameRecords;
  /** The branch parameter (src/game/branch.ts). */
  readonly setting: {
    read(signal?: AbortSignal): Promise<GameSetting | undefined>;
    write(setting: GameSetting, signal?: AbortSignal): Promise<void>;
  };
  /** The install cache's tarballs. */
  readonly installs: {
    /** The S3 key of a branch's tarball. */
    keyFor(branch: string): string;
    versions(key: string, signal?: AbortSignal): Promise<InstallVersion[]>;
    /** Makes an older version of `key` the current one (a server-side copy). */
    promote(key: string, versionId: string, signal?: AbortSignal): Promise<void>;
  };
  /** The world the next start runs. */
  readonly activeWorld: (signal?: AbortSignal) => Promise<string>;
  /** Whether a snapshot is complete (its manifest is there). */
  readonly snapshotComplete: (snapshotId: string, signal?: AbortSignal) => Promise<boolean>;
  /** Whether the game runs, starts or stops. */
  readonly gameActive: (signal?: AbortSignal) => Promise<boolean>;
}

export interface RollbackPlan {
  readonly from: GameBuild;
  readonly to: GameBuild;
  /** The tarball version to make current, or none when the branch's current tarball is that build already. */
  readonly install: { readonly key: string; readonly version?: InstallVersion };
  /** The world to restore, when the new build loaded it. */
  readonly world?: { readonly name: string; readonly copy: PreUpdateCopy };
  /** The world that stays as it is (the new build never loaded it, as far as the record knows). */
  readonly untouchedWorld?: string;
  readonly setting: GameSetting;
  /** Other worlds the new build loaded: they stay migrated (listed in the warning). */
  readonly otherMigratedWorlds: readonly PreUpdateCopy[];
}

/** Why no rollback can be done now: the problem and the fix, for one line each. */
export class RollbackRefused extends Error {
  override readonly name = 'RollbackRefused';
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(problem);
  }
}

/** Works out what a rollback would change; throws RollbackRefused when it cannot be done (now). */
export async function planRollback(ports: RollbackPorts, signal?: AbortSignal): Promise<RollbackPlan> {
  const [record, running, world] = await Promise.all([
    ports.records.load(signal),
    ports.gameActive(signal),
    ports.activeWorld(signal),
  ]);
  const previous = record?.previous;
  if (!record || !previous) {
    throw new RollbackRefused(
      record
        ? `no build before ${buildName(record)} is known: the server has not been updated since builds are recorded`
        : 'no game build is recorded yet (the bot records it when the server starts)',
      'nothing to roll back; to run an older Valheim, choose a branch that serves it: npx valheim game branch default_old',
    );
  }
  const key = ports.installs.keyFor(previous.branch);
  const versions = await ports.installs.versions(key, signal);
  const match = versions
    .filter((version) => version.build === previous.build)
    .sort(
      (a, b) =>
        Number(b.isLatest) - Number(a.isLatest) ||
        (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0),
    )[0];
  if (!match) {
    throw new RollbackRefused(
      `the install of build ${previous.build} is no longer kept (the install cache keeps one replaced version per branch, and builds from before rollbacks were possible are not tagged)`,
      `choose a branch that serves an older build instead: npx valheim game branch default_old (${steamBranchAdvice('default_old')})`,
    );
  }
  const copy = record.preUpdate?.[world];
  const loadedByNew = copy && copy.toBuild === record.build ? copy : undefined;
  if (loadedByNew && !(await ports.snapshotComplete(loadedByNew.snapshotId, signal))) {
    throw new RollbackRefused(
      `the pre-update copy of "${world}" (${loadedByNew.snapshotId}) is not in S3 yet`,
      'it goes there with the next snapshot: run /valheim backup (or wait for the end of the session), then roll back',
    );
  }
  if (running) {
    throw new RollbackRefused(
      'the server is running; a rollback changes the world and the install under it',
      'stop it first (/valheim stop or npx valheim stop --wait), then roll back',
    );
  }
  const others = Object.values(record.preUpdate ?? {}).filter(
    (other) => other.world !== world && other.toBuild === record.build,
  );
  return {
    from: record,
    to: previous,
    install: { key, ...(!match.isLatest && { version: match }) },
    ...(loadedByNew ? { world: { name: world, copy: loadedByNew } } : { untouchedWorld: world }),
    setting: { branch: previous.branch, hold: previous.build },
    otherMigratedWorlds: others,
  };
}

/** The plan in words: what changes, and what players must do. The dry-run prints exactly this. */
export function describeRollback(plan: RollbackPlan): string[] {
  const lines = [
    `Game: ${buildName(plan.from)} → ${buildName(plan.to)}, held there: starts skip Steam's update until a branch is chosen again (valheim game branch ${plan.to.branch}).`,
    plan.install.version
      ? `Install: the kept tarball of build ${plan.to.build} (s3 key ${plan.install.key}, version ${plan.install.version.versionId}) becomes the current one again.`
      : `Install: the ${plan.to.branch} branch's tarball already holds build ${plan.to.build}; it stays.`,
  ];
  if (plan.world) {
    const { name, copy } = plan.world;
    lines.push(
      `World "${name}": replaced by snapshot ${copy.snapshotId} (pre-update: as it was before build ${copy.toBuild} loaded it, ${new Date(copy.at).toISOString()}). The current world is saved first as a pre-restore snapshot: play since the update leaves the server's world but stays in that snapshot.`,
    );
  } else {
    lines.push(
      `World "${plan.untouchedWorld}": unchanged (build ${plan.from.build} never loaded it, as far as the record knows).`,
    );
  }
  for (const other of plan.otherMigratedWorlds) {
    lines.push(
      `World "${other.world}" was loaded by build ${other.toBuild} too and stays so: before you switch to it, restore its pre-update snapshot (npx valheim world restore snapshot:${other.snapshotId}).`,
    );
  }
  lines.push(
    `Players must run the same version as the server: ${plan.to.version ? `Valheim ${displayVersion(plan.to.version)}` : `build ${plan.to.build}`}. That is only possible while a Steam branch serves it — usually default_old (Steam → Valheim → Properties → Betas → default_old); on ${plan.to.branch === PUBLIC_BRANCH ? 'the public branch' : `branch ${plan.to.branch}`} their game updates itself past it.`,
  );
  return lines;
}

export interface RollbackSteps {
  /** Restores the world from a snapshot (the transfer task; saves the current world first). */
  restoreWorld(world: string, snapshotId: string): Promise<void>;
}

/** Does what the plan says, world first; returns the lines of what was done. */
export async function executeRollback(
  ports: RollbackPorts,
  plan: RollbackPlan,
  steps: RollbackSteps,
  signal?: AbortSignal,
): Promise<string[]> {
  const done: string[] = [];
  if (plan.world) {
    await steps.restoreWorld(plan.world.name, plan.world.copy.snapshotId);
    done.push(`World "${plan.world.name}" restored from ${plan.world.copy.snapshotId}.`);
  }
  if (plan.install.version) {
    await ports.installs.promote(plan.install.key, plan.install.version.versionId, signal);
    done.push(`Install: build ${plan.to.build} is the ${plan.to.branch} branch's cached install again.`);
  }
  await ports.setting.write(plan.setting, signal);
  done.push(
    `Branch setting: "${formatGameSetting(plan.setting)}" (the next start runs build ${plan.to.build}).`,
  );
  return done;
}

function buildName(build: GameBuild): string {
  const version = build.version ? `Valheim ${displayVersion(build.version)} ` : '';
  return `${version}(build ${build.build}, ${build.branch})`;
}

export type { GameRecord };
