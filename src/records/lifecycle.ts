/**
 * The bot's lifecycle record: where a session is, what the bot remembers of it, and the actions a decision
 * takes. Shared by the monitor (which decides), the bot (which shows it) and the state store (which keeps it);
 * like every module in src/records, it imports nothing of the layers above.
 */
/** Where a session is in its life, as the bot sees it. */
export type Phase = 'stopped' | 'starting' | 'ready' | 'stopping';

/**
 * Why the bot stops a server by itself. `blind`: the player count stayed unknown too long; `max-session`: the
 * session ran `maxSessionHours` (plus any Keep running). Each is warned in Discord before it happens.
 */
export type StopReason = 'idle' | 'nobody-joined' | 'blind' | 'max-session' | 'mods-refused';

/** The stops that a Keep running button can put off. */
export type LimitKind = 'blind' | 'max-session';

/** A player count: a number we trust, or 'unknown' (a failed query is never taken for zero). */
export type PlayerCount = number | 'unknown';

export interface LifecycleState {
  readonly phase: Phase;
  /** Identifies the session (start to stop) in the ledger. */
  readonly sessionId?: string;
  readonly startedAt?: number;
  /** When the current task began starting (differs from startedAt after a crash or Spot replacement). */
  readonly taskStartedAt?: number;
  readonly readyAt?: number;
  /** The task that was announced as ready, and its address. */
  readonly taskArn?: string;
  readonly address?: string;
  readonly joinCode?: string;
  /** Last moment anyone was (or may have been) playing; the idle clock runs from here. */
  readonly lastActivityAt?: number;
  readonly everJoined?: boolean;
  readonly players?: PlayerCount;
  readonly peakPlayers?: number;
  /** The stop time announced by an idle warning, so it is sent once. */
  readonly warnedStopAt?: number;
  readonly slowStartAnnounced?: boolean;
  /** Set when the bot itself stops the server, so the stop notice can say why. */
  readonly stopReason?: StopReason;
  readonly interruptions?: number;
  /** Since when the player count has been unknown (while ready). */
  readonly unknownSince?: number;
  /** A pending "I'll stop unless someone presses Keep running" warning. */
  readonly limitWarning?: { readonly kind: LimitKind; readonly stopAt: number };
  /** Set by the Keep running button; the next tick takes it into account. */
  readonly keepRunningAt?: number;
  /** The last Keep running for a blind warning: the unknown clock restarts there. */
  readonly blindAcknowledgedAt?: number;
  /** Hours Keep running added to `maxSessionHours`. */
  readonly sessionExtensionHours?: number;
  /** The Valheim build the server runs, from its log. */
  readonly gameVersion?: string;
  /** The failed save that was last announced (log time). */
  readonly saveErrorAnnouncedAt?: number;
  /** When the task was first seen stopped while the log had not shown its shutdown save yet. */
  readonly stoppedSeenAt?: number;
  /** The start phase the `/valheim start` reply last showed (src/monitor/start-progress.ts). */
  readonly startProgress?: string;
  /** When the last snapshot during this session was asked for (the every-few-hours clock runs from here). */
  readonly lastSnapshotAt?: number;
  /** The Steam build and branch this session's task installed (the start hook's line). */
  readonly gameBuild?: string;
  readonly gameBranch?: string;
  /** This session's start brought a new build: what it replaced, and the world's copy before it. */
  readonly gameUpdate?: GameUpdate & { readonly announced?: boolean };
  /** Peers already told about for a refused game version this session (once per player per session). */
  readonly mismatchesAnnounced?: readonly string[];
  /** The activity feed's news posted (or passed over) so far. */
  readonly feedPosted?: FeedWatermark;
  /** The log time of the newest mod kick announced, of a refused mod install, of a game change under mods. */
  readonly modKickAnnouncedAt?: number;
  /** Who was told about lately (`peer reason mod` → log time): a player retrying is not announced again. */
  readonly modKicksTold?: Readonly<Record<string, number>>;
  readonly modsRefusedAnnouncedAt?: number;
  readonly modsGameChangedAnnouncedAt?: number;
}

/** A start that installed another build than the one the world last ran on. */
export interface GameUpdate {
  readonly world: string;
  readonly fromBuild: string;
  readonly toBuild: string;
  /** Epoch ms of the log line. */
  readonly at: number;
  /** The pre-update copy, once uploaded snapshot `snapshotId`. */
  readonly snapshotId?: string;
  /** Why the copy failed, when it did. */
  readonly failed?: string;
}

/** What a ready notice says about the game that runs. */
export interface GameShown {
  readonly version?: string;
  readonly build?: string;
  readonly branch?: string;
  /** Set when this start brought the build (announced once). */
  readonly update?: GameUpdate;
}

/** A player turned away for a mod or game version, as the log said (src/players/mod-lines.ts). */
export interface ModKickNotice {
  /** Steam ID (or PlayFab platform ID). */
  readonly peer: string;
  readonly reason: 'game' | 'version' | 'missing';
  readonly mod?: string;
  readonly need?: string;
  readonly has?: string;
}

export const INITIAL_STATE: LifecycleState = { phase: 'stopped' };

/** The feed's news posted so far: that task's, up to that number (src/monitor/feed.ts). */
export interface FeedWatermark {
  readonly taskId: string;
  readonly seq: number;
}

export type Action =
  | { readonly type: 'session-opened'; readonly sessionId: string; readonly at: number }
  | {
      readonly type: 'announce-ready';
      readonly address: string;
      readonly joinCode?: string;
      /** How long the start took and where the time went (added by the monitor, from the start phases). */
      readonly start?: { readonly readyIn: string; readonly phases: string };
      /** The game version and build that runs, and the update this start brought. */
      readonly game?: GameShown;
      /** How many mods the server installed (a modded start). */
      readonly mods?: number;
    }
  | { readonly type: 'announce-slow-start'; readonly minutes: number }
  | { readonly type: 'announce-interrupted'; readonly spot: boolean; readonly reason?: string }
  | { readonly type: 'warn-idle'; readonly stopAt: number; readonly reason: StopReason }
  | { readonly type: 'cancel-idle-warning' }
  | { readonly type: 'stop-server'; readonly reason: StopReason }
  | {
      readonly type: 'announce-stopped';
      readonly reason: StopReason | 'requested';
      /** True only when the log showed a save during shutdown. */
      readonly worldSaved: boolean;
      /** What the session was, for the stop notice's summary line. */
      readonly session?: { readonly startedAt: number; readonly peakPlayers: number };
    }
  | { readonly type: 'warn-limit'; readonly kind: LimitKind; readonly stopAt: number; readonly since: number }
  | { readonly type: 'cancel-limit-warning'; readonly kind: LimitKind }
  | { readonly type: 'announce-join-code'; readonly joinCode: string }
  | { readonly type: 'announce-save-error'; readonly detail: string }
  /** The mods could not be installed: the game will not start (the task is stopped). */
  | { readonly type: 'announce-mods-refused'; readonly detail: string }
  | { readonly type: 'announce-mod-kicks'; readonly kicks: readonly ModKickNotice[] }
  | { readonly type: 'announce-mods-game-changed'; readonly from: string; readonly to: string }
  | { readonly type: 'upsert-dns'; readonly ip: string }
  | { readonly type: 'delete-dns' }
  | {
      readonly type: 'session-closed';
      readonly sessionId: string;
      readonly at: number;
      readonly reason: string;
    }
  | { readonly type: 'stop-polling' }
  /** This start brought a new build after the ready notice went out (told once). */
  | { readonly type: 'announce-game-update'; readonly game: GameShown }
  /** Keep the build that runs (and the update, with its pre-update copy) in the GAME record; upload the copy. */
  | {
      readonly type: 'record-game';
      readonly build: string;
      readonly branch: string;
      readonly version?: string;
      readonly update?: GameUpdate;
    }
  /** A player was turned away for another game version (once per player per session). */
  | {
      readonly type: 'announce-version-mismatch';
      readonly peerId: string;
      readonly mine: string;
      readonly remote: string;
      readonly branch?: string;
      /** The character name the log knows for that peer, if any. */
      readonly name?: string;
    }
  /**
   * Snapshot the world to the world bucket: at the end of a session, once the game task has stopped (and so
   * saved), or during a long one.
   */
  | { readonly type: 'snapshot-world'; readonly reason: 'session-end' | 'session' };
