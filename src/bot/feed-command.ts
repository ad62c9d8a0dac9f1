import type { APIInteractionResponse } from 'discord-api-types/v10';
import { messageResponse } from '../discord/responses.js';
import type { Logger } from '../log.js';
import type { StoredState } from '../monitor/state-store.js';
import { feedFilterPattern } from '../players/server-log.js';
import { FEED_KINDS, type FeedKind } from '../records/feed.js';

/**
 * `/valheim feed`: what the activity feed posts, and (operators) muting or unmuting a kind. A mute is kept in
 * the state item, where the monitor reads it on its next tick (nothing more of that kind is posted), and the
 * server log's subscription filter is set to the kinds still wanted, so a muted kind's lines no longer reach
 * (and no longer cost) the log Lambda. Both steps are idempotent: repeating the command repairs a filter a
 * failed call left behind.
 */

/** The feed as the stack set it up. */
export interface FeedControl {
  /** The kinds the group opted into (feed.kinds in the config). */
  readonly kinds: readonly FeedKind[];
  /** Sets the subscription filter's pattern; absent when the Lambda was not given the filter. */
  readonly applyFilter?: (pattern: string, signal: AbortSignal) => Promise<void>;
}

export interface FeedStore {
  load(signal?: AbortSignal): Promise<StoredState>;
  setFeedMuted(kind: FeedKind, muted: boolean, signal?: AbortSignal): Promise<FeedKind[]>;
}

export type FeedAction = 'show' | 'mute' | 'unmute';

export interface FeedRequest {
  readonly action: FeedAction;
  readonly kind?: FeedKind;
  readonly operator: boolean;
  readonly userId: string;
}

/** What each kind posts, as the reply names it. */
const KIND_WORDS: Record<FeedKind, string> = {
  joins: 'joins and leaves',
  deaths: 'deaths',
  bosses: 'boss kills',
  raids: 'raids',
  saves: 'world saves',
};

export const FEED_OFF_MESSAGE =
  'The activity feed is off: list the kinds to post in `feed.kinds` of the config (joins, deaths, bosses, raids, saves) and deploy.';

export async function feedReply(
  request: FeedRequest,
  control: FeedControl | undefined,
  store: FeedStore | undefined,
  log: Logger,
  signal: AbortSignal,
): Promise<APIInteractionResponse> {
  if (!control || control.kinds.length === 0 || !store) {
    return messageResponse(FEED_OFF_MESSAGE, { ephemeral: true });
  }
  if (request.action === 'show') {
    const { feedMuted = [] } = await store.load(signal);
    return messageResponse(feedSummary(control.kinds, feedMuted), { ephemeral: true });
  }
  const { kind } = request;
  if (!kind) {
    return messageResponse(
      `Say which kind to ${request.action}: \`/valheim feed action:${request.action} kind:deaths\` (one of ${FEED_KINDS.join(', ')}).`,
      { ephemeral: true },
    );
  }
  if (!request.operator) {
    return messageResponse(
      'Only operators can mute or unmute the feed. `/valheim feed` shows what it posts.',
      {
        ephemeral: true,
      },
    );
  }
  if (!control.kinds.includes(kind)) {
    return messageResponse(
      `The feed does not post ${KIND_WORDS[kind]}: add \`${kind}\` to \`feed.kinds\` in the config and deploy.`,
      { ephemeral: true },
    );
  }
  const muted = await store.setFeedMuted(kind, request.action === 'mute', signal);
  log.info('feed kind muted or unmuted', { kind, action: request.action, userId: request.userId, muted });
  const done =
    request.action === 'mute'
      ? `🔇 <@${request.userId}> muted ${KIND_WORDS[kind]} in the activity feed.`
      : `🔊 <@${request.userId}> unmuted ${KIND_WORDS[kind]} in the activity feed.`;
  const filter = await applyFilter(control, muted, log, signal);
  return messageResponse([done, feedSummary(control.kinds, muted), filter].filter(Boolean).join('\n'));
}

/** The line about the log filter: nothing when it was set, else what that means and the fix. */
async function applyFilter(
  control: FeedControl,
  muted: readonly FeedKind[],
  log: Logger,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (!control.applyFilter) return undefined;
  try {
    await control.applyFilter(feedFilterPattern(control.kinds, muted), signal);
    return undefined;
  } catch (error) {
    log.warn('log subscription filter not changed', { error });
    return '⚠️ The server log filter could not be changed just now; the feed follows the mute all the same. Run the command again to retry.';
  }
}

function feedSummary(kinds: readonly FeedKind[], muted: readonly FeedKind[]): string {
  const posting = kinds.filter((kind) => !muted.includes(kind));
  const mutedKinds = kinds.filter((kind) => muted.includes(kind));
  const off = FEED_KINDS.filter((kind) => !kinds.includes(kind));
  return [
    `📰 The activity feed posts ${posting.length > 0 ? posting.map((kind) => KIND_WORDS[kind]).join(', ') : 'nothing'} (batched per minute).`,
    mutedKinds.length > 0
      ? `Muted by an operator: ${mutedKinds.map((kind) => KIND_WORDS[kind]).join(', ')}.`
      : '',
    off.length > 0
      ? `Not set up (feed.kinds in the config): ${off.map((kind) => KIND_WORDS[kind]).join(', ')}.`
      : '',
  ]
    .filter(Boolean)
    .join('\n');
}
