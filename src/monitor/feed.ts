import { discordSafe } from '../discord/safe-text.js';
import { currentNews } from '../players/log-feed.js';
import type { LogPresence } from '../players/log-presence.js';
import { FEED_KIND_OF, type FeedEvent, type FeedKind } from '../records/feed.js';
import type { FeedWatermark } from '../records/lifecycle.js';
import type { LiveMessage } from '../records/notice.js';
import { newLiveMessage } from './live-messages.js';
import type { LiveChange } from './state-store.js';

/**
 * The activity feed in the notice channel: the news the log processor kept (src/players/log-feed.ts), in
 * batches. A batch waits a minute after its first news arrived, then everything that came meanwhile is added
 * to the session's feed message, which is edited in place (src/monitor/live-messages.ts) until it is full:
 * a busy evening is one or two messages, not fifty. The new content and the news it covers (the watermark)
 * are stored with the tick's decision, in one conditional write: whatever fails after it, each line shows
 * once, and no tick adds it again.
 */

/** How long the first news of a batch waits for more. */
export const FEED_BATCH_MS = 60_000;
/** Lines in one notice; more are summed in a last line (Discord takes 2000 characters). */
export const MAX_FEED_LINES = 25;

export interface FeedSettings {
  /** The kinds the group opted into (feed.kinds in the config). */
  readonly kinds: readonly FeedKind[];
}

/** A feed message holds lines up to this length (Discord takes 2000 characters); then a new one starts. */
export const FEED_MESSAGE_MAX = 1900;

export interface FeedBatch {
  /** The lines to add; empty when everything pending was of muted kinds. */
  readonly lines: readonly string[];
  /** The news covered from now on. */
  readonly watermark: FeedWatermark;
}

/**
 * The batch due now, if any: the news of this task after the watermark, once the oldest has waited
 * FEED_BATCH_MS (or at once with `flush`, when the session closes). Kinds not opted into, or muted, are passed
 * over (and covered by the watermark, so unmuting later does not post old news).
 */
export function feedBatch(
  presence: LogPresence | undefined,
  watermark: FeedWatermark | undefined,
  settings: FeedSettings,
  muted: readonly FeedKind[],
  now: number,
  flush = false,
): FeedBatch | undefined {
  if (!presence?.feed || settings.kinds.length === 0) return undefined;
  const after = watermark?.taskId === presence.taskId ? watermark.seq : 0;
  const pending = currentNews(presence.feed.events).filter((event) => event.seq > after);
  if (pending.length === 0) return undefined;
  const oldest = Math.min(...pending.map((event) => event.storedAt));
  if (!flush && now - oldest < FEED_BATCH_MS) return undefined;
  const covered = {
    taskId: presence.taskId,
    seq: Math.max(after, ...presence.feed.events.map((event) => event.seq)),
  };
  const shown = pending.filter((event) => {
    const kind = FEED_KIND_OF[event.type];
    return settings.kinds.includes(kind) && !muted.includes(kind);
  });
  return { lines: feedLines(shown), watermark: covered };
}

/**
 * The feed message after a batch: the session's message with the lines added while they fit, else a new
 * message. Undefined when the batch must wait: the full message still has lines Discord has not confirmed
 * (replacing it would lose them); the watermark then stays, and a later tick adds the batch.
 */
export function feedMessageAfter(
  current: LiveMessage | undefined,
  batch: FeedBatch,
  sessionId: string | undefined,
  now: number,
): { readonly change?: LiveChange } | undefined {
  if (batch.lines.length === 0) return {};
  const lines = batch.lines.join('\n');
  const ours = current !== undefined && current.sessionId === sessionId;
  if (ours && current.content.length + 1 + lines.length <= FEED_MESSAGE_MAX) {
    return {
      change: { content: `${current.content}\n${lines}`, components: [], version: current.version + 1 },
    };
  }
  if (current && (current.shown ?? 0) < current.version) return undefined;
  return {
    change: {
      create: newLiveMessage('feed', { content: lines, components: [] }, now, sessionId),
    },
  };
}

/**
 * One line per news, in log order, each with its time (Discord shows it in the reader's time zone); a batch
 * longer than MAX_FEED_LINES ends with a line that sums the rest, so one batch always fits one message.
 */
export function feedLines(events: readonly FeedEvent[]): string[] {
  const lines = events
    .slice(0, MAX_FEED_LINES)
    .map((event) => `<t:${Math.floor(event.at / 1000)}:t> ${say(event)}`);
  const rest = events.length - MAX_FEED_LINES;
  if (rest > 0) lines.push(`…and ${rest} more`);
  return lines;
}

const who = (name: string) => `**${discordSafe(name)}**`;

function say(event: FeedEvent): string {
  switch (event.type) {
    case 'join':
      return `➡️ ${who(event.name)} joined`;
    case 'leave': {
      const on = event.players === undefined ? '' : ` (${event.players} on)`;
      return event.name === undefined ? `⬅️ A player left${on}` : `⬅️ ${who(event.name)} left${on}`;
    }
    case 'death':
      return `💀 ${who(event.name)} died`;
    case 'boss':
      return `⚔️ **${BOSSES[event.key] ?? discordSafe(bossName(event.key))}** was defeated!`;
    case 'raid':
      return `🚨 A raid: ${RAIDS[event.event] ?? discordSafe(event.event)}`;
    case 'save':
      return '💾 The world was saved';
  }
}

/** The global key of each boss kill (Valheim's own names). */
const BOSSES: Readonly<Record<string, string>> = {
  defeated_eikthyr: 'Eikthyr',
  defeated_gdking: 'The Elder',
  defeated_bonemass: 'Bonemass',
  defeated_dragon: 'Moder',
  defeated_goblinking: 'Yagluth',
  defeated_queen: 'The Queen',
  defeated_fader: 'Fader',
};

function bossName(key: string): string {
  return key.replace(/^defeated_/, '');
}

/** Raids by their event name: who comes. */
const RAIDS: Readonly<Record<string, string>> = {
  army_eikthyr: "Eikthyr's creatures (boars and necks)",
  army_theelder: "the Elder's army (greydwarfs)",
  army_bonemass: "Bonemass's army (draugr and skeletons)",
  army_moder: "Moder's drakes",
  army_goblin: 'a fuling horde',
  army_gjall: 'gjall and ticks',
  army_seekers: 'seekers',
  foresttrolls: 'trolls',
  skeletons: 'skeletons',
  blobs: 'blobs',
  wolves: 'wolves',
  bats: 'bats',
  surtlings: 'surtlings',
};
