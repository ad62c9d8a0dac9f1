/**
 * The activity feed: what the bot posts about an evening in the notice channel, read from the server log.
 * Shared by the config (which kinds a group opted into), the log processor (which records them), the
 * monitor (which posts them in per-minute batches) and the bot (which mutes and unmutes them).
 */

/**
 * The kinds of news a group can opt into. `joins` covers joins and leaves (by character name); `saves` the
 * world being saved.
 */
export const FEED_KINDS = ['joins', 'deaths', 'bosses', 'raids', 'saves'] as const;
export type FeedKind = (typeof FEED_KINDS)[number];

export function isFeedKind(value: string): value is FeedKind {
  return (FEED_KINDS as readonly string[]).includes(value);
}

/** One line of news, as the log processor records it. */
export type FeedEvent = {
  /** Numbers the task's news in the order the log processor stored it (the monitor's watermark). */
  readonly seq: number;
  /** Epoch ms of the log line. */
  readonly at: number;
  /** When the log processor stored it (epoch ms): a batch is posted a minute after its first news arrived. */
  readonly storedAt: number;
} /**
 * `connection` names the connection (`<peer>@<connected at>`): when batches arrived out of order, a later
 * line can rename it, and the newest news of a connection is the one that counts.
 */ & (
  | { readonly type: 'join'; readonly name: string; readonly connection: string }
  /** `name` is absent when the log does not say who left (crossplay, with several players on). */
  | {
      readonly type: 'leave';
      readonly name?: string;
      readonly connection?: string;
      readonly players?: number;
    }
  | { readonly type: 'death'; readonly name: string }
  /** A boss kill: the global key the game set, e.g. `defeated_eikthyr`. */
  | { readonly type: 'boss'; readonly key: string }
  /** A raid (random event), e.g. `army_theelder`. */
  | { readonly type: 'raid'; readonly event: string }
  | { readonly type: 'save' }
);

export type FeedEventType = FeedEvent['type'];

/** Which kind of the config each line belongs to. */
export const FEED_KIND_OF: Record<FeedEventType, FeedKind> = {
  join: 'joins',
  leave: 'joins',
  death: 'deaths',
  boss: 'bosses',
  raid: 'raids',
  save: 'saves',
};

/** The news of one task, kept with its presence: a bounded tail, and the next number to give out. */
export interface FeedLog {
  readonly nextSeq: number;
  readonly events: readonly FeedEvent[];
}
