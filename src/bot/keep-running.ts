import type { APIInteractionResponse } from 'discord-api-types/v10';
import { messageResponse } from '../discord/responses.js';
import type { Logger } from '../log.js';
import { requestKeepRunning } from '../monitor/decide.js';
import type { StoredState } from '../monitor/state-store.js';
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
  'There is no automatic stop to put off right now (it was already answered, or the server stopped). `/valheim status` shows where it stands.';

export const NO_STATE_MESSAGE =
  "Keep running needs the bot's state table, which this endpoint is not connected to (STATE_TABLE is not set).";

/**
 * The Keep running button under a blind or session-limit warning: records the answer with a conditional
 * write (the monitor applies it at its next tick) and replaces the warning with who pressed it. The caller
 * has checked the guild and the operator role.
 */
export async function keepRunningReply(
  store: KeepRunningStore,
  userId: string,
  now: Date,
  log: Logger,
  signal: AbortSignal,
): Promise<APIInteractionResponse> {
  const stored = await store.load(signal);
  const kind = stored.state.limitWarning?.kind;
  const next = requestKeepRunning(stored.state, now.getTime());
  if (!next || !kind) return messageResponse(NOTHING_TO_KEEP_MESSAGE, { ephemeral: true });
  if (!(await store.save(next, stored.version, { signal }))) {
    return messageResponse(CONCURRENT_CHANGE_MESSAGE, { ephemeral: true });
  }
  log.info('keep running', { userId, kind });
  const what =
    kind === 'blind'
      ? "I'll ask again if I still can't see who is playing in a while."
      : 'The session gets more time; I will warn again before the new limit.';
  return messageResponse(`✅ <@${userId}> pressed **Keep running**: the server stays up. ${what}`, {
    update: true,
    components: [],
  });
}
