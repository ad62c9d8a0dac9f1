/**
 * A session as the ledger keeps it (one row from start to stop), and how its start went. Written by the
 * monitor, read by cost, `/valheim cost`, `npx valheim starts` and the monthly summary.
 */

/** The phases of a start, in order (src/monitor/start-phases.ts derives them). */
export const START_PHASES = ['placing', 'pulling', 'restoring', 'updating', 'loading'] as const;
export type StartPhase = (typeof START_PHASES)[number];

/** A session's start, as the ledger keeps it. */
export interface StartRecord {
  readonly totalMs: number;
  readonly phases: Partial<Record<StartPhase, number>>;
  readonly cache?: 'restored' | 'missed';
  readonly downloadBytes?: number;
}

export interface SessionRecord {
  readonly sessionId: string;
  readonly startedAt: number;
  readonly readyAt?: number;
  readonly stoppedAt?: number;
  readonly stopReason?: string;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly spot: boolean;
  readonly peakPlayers?: number;
  readonly interruptions?: number;
  /** Minutes each character played (names from the server log), written at the session's close. */
  readonly characterMinutes?: Readonly<Record<string, number>>;
  /** How long the start took, per phase (`npx valheim starts`). */
  readonly start?: StartRecord;
  /**
   * The world the session ran (the active world when it started). Absent in rows written before worlds
   * could be switched: those belong to the stack's first world (server.world).
   */
  readonly world?: string;
}

/** The world of a ledger row: its own, or the first world for rows from before worlds were switchable. */
export function sessionWorld(session: Pick<SessionRecord, 'world'>, firstWorld: string): string {
  return session.world ?? firstWorld;
}
