/**
 * The game build a deployment runs, as the state table keeps it (item GAME / BUILD): written by the monitor
 * from what a start logged (src/game/hooks.ts prints the build, the pre-update copy and the branch), read by
 * `valheim game …` and the Discord commands. Like every module in src/records, it imports nothing.
 */

/** Steam's default branch of the dedicated server (app 896660). */
export const PUBLIC_BRANCH = 'public';

/** Steam branch names: lower-case letters, digits, "_" and "-" (what the shell hooks accept unquoted). */
export const BRANCH_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** One build of the dedicated server: Steam's build id, the branch it came from and its version, if logged. */
export interface GameBuild {
  readonly build: string;
  readonly branch: string;
  /** As the game logs it ("l-1.0.14"); absent until the game printed it. */
  readonly version?: string;
}

/** The copy of a world taken before a new build loaded it (uploaded as snapshot `snapshotId`). */
export interface PreUpdateCopy {
  readonly snapshotId: string;
  readonly world: string;
  readonly fromBuild: string;
  readonly toBuild: string;
  /** Epoch ms of the log line. */
  readonly at: number;
}

export interface GameRecord extends GameBuild {
  /** When a start first ran this build (epoch ms). */
  readonly since: number;
  /** The build that ran before the last update, for a rollback. */
  readonly previous?: GameBuild & { readonly until: number };
  /** The pre-update copies of that update, one per world it loaded (newest per world). */
  readonly preUpdate?: Readonly<Record<string, PreUpdateCopy>>;
}
