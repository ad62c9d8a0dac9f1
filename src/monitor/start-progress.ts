import type { RESTPostAPIWebhookWithTokenJSONBody } from 'discord-api-types/v10';
import { startReplyRow } from '../discord/components.js';
import type { DiscordRest } from '../discord/rest-client.js';
import type { Logger } from '../log.js';
import type { LogPresence } from '../players/log-presence.js';
import type { Action, LifecycleState } from '../records/lifecycle.js';
import type { StartReply } from '../records/notice.js';
import type { SessionRecord, StartPhase, StartRecord } from '../records/session.js';
import { type TaskSnapshot, taskIdOf } from '../server/server-status.js';
import { USUAL_START_TIME } from '../server/start-budget.js';
import {
  deriveStartTimeline,
  formatBytes,
  formatDuration,
  medianMs,
  PHASE_LABELS,
  phaseDurations,
  type StartTimeline,
} from './start-phases.js';

/**
 * A start the group can watch: the monitor edits the `/valheim start` reply at each new phase, and when the
 * server is ready it posts a new message that notifies whoever started it (an edit notifies nobody). This is
 * its own delivery path, separate from the notices (discord-notifier.ts): progress edits are best effort
 * and never retried.
 */

/** Interaction tokens live 15 minutes; leave a margin for the request itself. */
const REPLY_LIFETIME_MS = 14 * 60_000;
/** How many past starts the "usually takes" median looks at. */
const RECENT_STARTS = 10;

export interface StartProgressPort {
  /** Replaces the start reply's content. */
  edit(reply: StartReply, message: RESTPostAPIWebhookWithTokenJSONBody): Promise<void>;
  /** A new message under the start reply (same channel or thread). */
  followUp(reply: StartReply, message: RESTPostAPIWebhookWithTokenJSONBody): Promise<void>;
  /** A new message in the notice channel, when one is set. */
  readonly postToNoticeChannel?: (message: RESTPostAPIWebhookWithTokenJSONBody) => Promise<void>;
  /** Total start times of recent sessions, oldest first. */
  recentStartTotals(): Promise<number[]>;
  recordStart(sessionId: string, start: StartRecord): Promise<void>;
}

export interface StartProgress {
  readonly timeline: StartTimeline;
  /** What the reply shows (phase and download size); a new key means a new edit. */
  readonly key: string;
  readonly changed: boolean;
  readonly ready: boolean;
}

/**
 * Where the start is, for this tick (pure). Undefined when no start is under way or being announced.
 * Log marks count only when they come from the task being started.
 */
export function startProgressOf(
  before: LifecycleState,
  after: LifecycleState,
  actions: readonly Action[],
  task: TaskSnapshot | undefined,
  presence: LogPresence | undefined,
  reply: StartReply | undefined,
  now: number,
): StartProgress | undefined {
  const ready = actions.some((action) => action.type === 'announce-ready');
  if (after.phase !== 'starting' && !ready) return undefined;
  const marks = task && presence?.taskId === taskIdOf(task.taskArn) ? (presence.start ?? {}) : {};
  // The clock starts at the click: the /valheim start reply of this session, else the monitor's first sight
  // of the start (a replacement task after an interruption starts its own clock).
  const firstTask = (after.interruptions ?? 0) === 0;
  const requestedAt = firstTask && replyStillValid(reply, now) ? reply.createdAt : after.taskStartedAt;
  const timeline = deriveStartTimeline(task, marks, now, {
    ...(requestedAt !== undefined && { requestedAt }),
    ...(ready && { readyAt: now }),
  });
  const key = `${timeline.current ?? 'placing'}${timeline.downloadBytes ? `:${timeline.downloadBytes}` : ''}`;
  return { timeline, key, changed: key !== before.startProgress, ready };
}

/** The ledger's summary of a finished start. */
export function startRecord(timeline: StartTimeline, now: number): StartRecord {
  return {
    totalMs: timeline.elapsedMs ?? 0,
    phases: phaseDurations(timeline, now),
    ...(timeline.cache && { cache: timeline.cache }),
    ...(timeline.downloadBytes !== undefined && { downloadBytes: timeline.downloadBytes }),
  };
}

/** "✅ placing the task 15 s · ✅ pulling the image 41 s · ⏳ updating the game". */
export function phaseSummary(timeline: StartTimeline): string {
  if (timeline.phases.length === 0) return `⏳ ${PHASE_LABELS.placing}`;
  return timeline.phases
    .map((span) => {
      const label = phaseLabel(span.phase, timeline);
      return span.endedAt === undefined
        ? `⏳ ${label}`
        : `✅ ${label} ${formatDuration(span.endedAt - span.startedAt)}`;
    })
    .join(' · ');
}

function phaseLabel(phase: StartPhase, timeline: StartTimeline): string {
  if (phase === 'restoring' && timeline.cache === 'missed') return 'starting the server (no game-file cache)';
  return PHASE_LABELS[phase];
}

/** The current phase in words, e.g. "updating the game (downloading 1.9 GB)". */
export function currentPhaseText(timeline: StartTimeline): string {
  // "ready" in the log but not yet answering the query: still the last phase, as far as players can tell.
  const current =
    timeline.current === 'ready'
      ? (timeline.phases.at(-1)?.phase ?? 'loading')
      : (timeline.current ?? 'placing');
  const text = phaseLabel(current, timeline);
  return current === 'updating' && timeline.downloadBytes
    ? `${text} (downloading ${formatBytes(timeline.downloadBytes)})`
    : text;
}

/** `/valheim status` while starting: the phase under way, the time so far, and where it went. */
export function startStatusLines(
  task: TaskSnapshot | undefined,
  presence: LogPresence | undefined,
  state: LifecycleState,
  reply: StartReply | undefined,
  now: number,
): string | undefined {
  const progress = startProgressOf(state, state, [], task, presence, reply, now);
  // Nothing timed yet (e.g. a state written before this version): the generic lines say more.
  if (!progress || progress.timeline.phases.length === 0) return undefined;
  const { timeline } = progress;
  const elapsed = timeline.elapsedMs !== undefined ? ` · ${formatDuration(timeline.elapsedMs)} so far` : '';
  return `🟡 **Starting… ${currentPhaseText(timeline)}**${elapsed}.\n${phaseSummary(timeline)}`;
}

/** The start reply while starting. */
export function progressMessage(
  timeline: StartTimeline,
  usualMs: number | undefined,
  userId: string | undefined,
): string {
  const lines = [];
  if (userId) lines.push(`▶️ <@${userId}> started the server.`);
  const elapsed = timeline.elapsedMs !== undefined ? ` · ${formatDuration(timeline.elapsedMs)} so far` : '';
  lines.push(`🟡 **Starting… ${currentPhaseText(timeline)}**${elapsed}.`);
  lines.push(phaseSummary(timeline));
  lines.push(
    usualMs !== undefined
      ? `A start here usually takes ${formatDuration(usualMs)}. I'll post when the world is joinable.`
      : `A start usually takes ${USUAL_START_TIME}. I'll post when the world is joinable.`,
  );
  return lines.join('\n');
}

/** The line the ready notice carries: "ready in 1 min 52 s", and where the time went. */
export function readySummary(timeline: StartTimeline, now: number): { readyIn: string; phases: string } {
  return {
    readyIn: formatDuration(timeline.elapsedMs ?? 0),
    phases: timeline.phases
      .map(
        (span) =>
          `${phaseLabel(span.phase, timeline)} ${formatDuration((span.endedAt ?? now) - span.startedAt)}`,
      )
      .join(' · '),
  };
}

/** Whether the start reply's interaction token still works. */
export function replyStillValid(reply: StartReply | undefined, now: number): reply is StartReply {
  return reply !== undefined && now - reply.createdAt < REPLY_LIFETIME_MS;
}

/**
 * The I/O of a tick's start progress: an edit of the start reply at each new phase, and once ready the
 * ledger's start record, a follow-up that notifies the starter, and a notice-channel message. Each step is
 * best effort: a failure is logged and the others still happen.
 */
export async function reportStartProgress(
  port: StartProgressPort,
  progress: StartProgress,
  context: {
    readonly reply: StartReply | undefined;
    readonly sessionId: string | undefined;
    readonly address: string | undefined;
    readonly now: number;
    readonly log: Logger;
  },
): Promise<void> {
  const { reply, now, log } = context;
  const attempt = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      log.warn(`start progress: could not ${what}`, { error });
    }
  };
  if (!progress.ready) {
    if (!progress.changed || !replyStillValid(reply, now)) return;
    await attempt('edit the start reply', async () => {
      const usual = medianMs((await port.recentStartTotals()).slice(-RECENT_STARTS));
      await port.edit(reply, {
        content: progressMessage(progress.timeline, usual, reply.userId),
        components: [startReplyRow('status')],
        allowed_mentions: { parse: [] },
      });
    });
    return;
  }
  if (context.sessionId) {
    const sessionId = context.sessionId;
    await attempt('record the start', () => port.recordStart(sessionId, startRecord(progress.timeline, now)));
  }
  const userId = reply?.userId;
  const readyIn = formatDuration(progress.timeline.elapsedMs ?? 0);
  const message: RESTPostAPIWebhookWithTokenJSONBody = {
    content: `🟢 ${userId ? `<@${userId}> ` : ''}The server is ready: join at \`${context.address ?? '?'}\` (started in ${readyIn}).`,
    allowed_mentions: userId ? { parse: [], users: [userId] } : { parse: [] },
  };
  // Without a valid reply the ready notice itself goes to the notice channel (discord-notifier.ts).
  if (!replyStillValid(reply, now)) return;
  await attempt('notify the starter', () => port.followUp(reply, message));
  if (port.postToNoticeChannel) {
    const post = port.postToNoticeChannel;
    await attempt('post to the notice channel', () => post(message));
  }
}

/** The real port: Discord's webhook endpoints for the reply, the bot's channel endpoint, the ledger. */
export function discordStartProgress(options: {
  readonly rest: DiscordRest;
  readonly noticeChannelId?: string;
  readonly store: {
    sessions(from: Date, to: Date): Promise<SessionRecord[]>;
    recordSession(session: Partial<SessionRecord> & { sessionId: string }): Promise<void>;
  };
  readonly now: () => number;
}): StartProgressPort {
  const { rest, noticeChannelId, store } = options;
  return {
    edit: async (reply, message) => {
      await rest.editOriginal(reply.applicationId, reply.token, message);
    },
    followUp: async (reply, message) => {
      await rest.followUp(reply.applicationId, reply.token, message);
    },
    ...(noticeChannelId && {
      postToNoticeChannel: async (message: RESTPostAPIWebhookWithTokenJSONBody) => {
        await rest.postToChannel(noticeChannelId, message);
      },
    }),
    recentStartTotals: async () => {
      const now = options.now();
      const sessions = await store.sessions(new Date(now - 90 * 86_400_000), new Date(now));
      return sessions.flatMap((session) => (session.start ? [session.start.totalMs] : []));
    },
    recordStart: (sessionId, start) => store.recordSession({ sessionId, start }),
  };
}
