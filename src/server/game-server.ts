import type { ServerStatus } from './server-status.js';

/** What the bot can do to the game server; implemented over ECS, faked in tests. */
export interface GameServer {
  status(signal: AbortSignal): Promise<ServerStatus>;
  /** Sets the desired number of server tasks (0 or 1). */
  setDesiredCount(count: 0 | 1, signal: AbortSignal): Promise<void>;
}
