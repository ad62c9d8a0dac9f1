import type { APIInteractionResponse } from 'discord-api-types/v10';
import { messageResponse } from '../discord/responses.js';
import type { Logger } from '../log.js';
import { requestKeepRunning } from '../monitor/decide.js';
import type { StoredState } from '../monitor/state-store.js';
import type { LifecycleState } from '../records/lifecycle.js';
import { CONCURRENT_CHANGE_MESSAGE } from './messages.js';

/** The part of the state store Keep running needs. */
export interface KeepRunningStore {
  load(signal?: AbortSignal): Promise<StoredState>;
  save(
    state: StoredState['state'],
    expectedVersion: number,
    options?: { signal?: AbortSignal },
  ): Promise<boolean>;
}

export const NOTHING_TO_KEEP_MESSAGE =
  'There is no automatic stop to put off right now: the bot only stops a server by itself after a warning here (nobody on, a player count it cannot see, or the session limit). `/valheim status` shows where it stands.';

export const ALREADY_KEPT_MESSAGE =
  'Keep running was already pressed for this warning: the server stays up, and the bot warns again before any new limit.';

export const NOT_RUNNING_MESSAGE =
  'The server is not running (or is already stopping), so there is no automatic stop to put off. Start it with `/valheim start`.';

export const NO_STATE_MESSAGE =
  "Keep running needs the bot's state table, which this endpoint is not connected to (STATE_TABLE is not set).";

/** Whether a blind or session-limit warning waits for an answer: what Keep running (button or command) is for. */
export function keepRunningPending(state: LifecycleState): boolean {
  return requestKeepRunning(state, 0) !== undefined;
}

/**
 * Keep running, from the button under a blind or session-limit warning or from `/valheim keep-running`:
 * records the answer with a conditional write (the monitor applies it at its next tick). The button replaces
 * the warning with who pressed it (`update`); the command posts that for everyone to see. The caller has
 * checked the guild and the operator role.
 */
export async function keepRunningReply(
  store: KeepRunningStore,
  userId: string,
  now: Date,
  log: Logger,
  signal: AbortSignal,
  options: { readonly update: boolean } = { update: true },
): Promise<APIInteractionResponse> {
  const stored = await store.load(signal);
  const kind = stored.state.limitWarning?.kind;
  const next = requestKeepRunning(stored.state, now.getTime());
  if (!next || !kind) return messageResponse(nothingToKeep(stored.state), { ephemeral: true });
  if (!(await store.save(next, stored.version, { signal }))) {
    return messageResponse(CONCURRENT_CHANGE_MESSAGE, { ephemeral: true });
  }
  log.info('keep running', { userId, kind, via: options.update ? 'button' : 'command' });
  const what =
    kind === 'blind'
      ? "I'll ask again if I still can't see who is playing in a while."
      : 'The session gets more time; I will warn again before the new limit.';
  const content = `✅ <@${userId}> pressed **Keep running**: the server stays up. ${what}`;
  return options.update
    ? messageResponse(content, { update: true, components: [] })
    : messageResponse(content);
}

/** Why there is nothing to put off, in the words of what the member sees. */
function nothingToKeep(state: LifecycleState): string {
  if (state.limitWarning && state.keepRunningAt !== undefined) return ALREADY_KEPT_MESSAGE;
  if (state.phase === 'stopped' || state.phase === 'stopping') return NOT_RUNNING_MESSAGE;
  return NOTHING_TO_KEEP_MESSAGE;
}
