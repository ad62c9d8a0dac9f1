import { gunzipSync } from 'node:zlib';
import type { CloudWatchLogsDecodedData } from 'aws-lambda';
import type { Logger } from '../log.js';
import { withFeedNews } from './log-feed.js';
import { applyLogEvent, emptyPresence, type LogPresence, savedDuringShutdown } from './log-presence.js';
import { parseLogLine } from './server-log.js';
import { applyStartLine, isStartLine } from './start-lines.js';

export interface PresenceStore {
  loadPresence(): Promise<{ presence?: LogPresence; version: number }>;
  savePresence(presence: LogPresence, expectedVersion: number): Promise<boolean>;
}

/** Decodes a CloudWatch Logs subscription payload (base64 of gzipped JSON). Throws on anything else. */
export function decodeLogsPayload(data: string): CloudWatchLogsDecodedData {
  const decoded = JSON.parse(
    gunzipSync(Buffer.from(data, 'base64')).toString('utf8'),
  ) as CloudWatchLogsDecodedData;
  if (!Array.isArray(decoded.logEvents)) throw new Error('not a CloudWatch Logs subscription payload');
  return decoded;
}

/** The awslogs driver names streams PREFIX/CONTAINER/TASK_ID. */
export function taskIdOfStream(logStream: string): string {
  return logStream.slice(logStream.lastIndexOf('/') + 1);
}

const MAX_ATTEMPTS = 5;

export interface IngestResult {
  /** Lines the parser understood. */
  readonly applied: number;
  /**
   * The batch brought news the monitor should act on at once rather than at its next minute: the server
   * became joinable, a (new) join code, a failed save, the shutdown save (the stop notice waits for it), or
   * the game's own count saying nobody is on (an idle stop waits for one; acting on it at once leaves the
   * least time for somebody to join unseen in between).
   */
  readonly wakeMonitor: boolean;
}

/**
 * Folds one batch of server log lines into the stored presence. The write is conditional, so two batches
 * processed at once cannot lose each other's events: the loser reloads and applies its batch again.
 */
export async function ingestLogBatch(
  batch: CloudWatchLogsDecodedData,
  store: PresenceStore,
  log: Logger,
  /** The log processor's clock, stamped on the feed's news. @default Date.now */
  now: () => number = Date.now,
): Promise<IngestResult> {
  if (batch.messageType === 'CONTROL_MESSAGE') return { applied: 0, wakeMonitor: false };
  const taskId = taskIdOfStream(batch.logStream);
  const events = batch.logEvents
    .map((entry) => ({ event: parseLogLine(entry.message), at: entry.timestamp }))
    .filter(
      (entry): entry is { event: NonNullable<typeof entry.event>; at: number } => entry.event !== undefined,
    )
    .sort((a, b) => a.at - b.at);
  const startLines = batch.logEvents
    .filter((entry) => isStartLine(entry.message))
    .sort((a, b) => a.timestamp - b.timestamp);
  if (events.length === 0 && startLines.length === 0) return { applied: 0, wakeMonitor: false };

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const { presence, version } = await store.loadPresence();
    // A new task starts from a clean slate.
    const start = presence?.taskId === taskId ? presence : emptyPresence(taskId);
    const storedAt = now();
    const withPlayers = events.reduce(
      (current, { event, at }) =>
        withFeedNews(current, applyLogEvent(current, event, at), event, at, storedAt),
      start,
    );
    const next =
      startLines.length === 0
        ? withPlayers
        : {
            ...withPlayers,
            start: startLines.reduce(
              (marks, entry) => applyStartLine(marks, entry.message, entry.timestamp),
              withPlayers.start ?? {},
            ),
          };
    if (await store.savePresence(next, version)) {
      const applied = batch.logEvents.filter(
        (entry) => parseLogLine(entry.message) !== undefined || isStartLine(entry.message),
      ).length;
      return { applied, wakeMonitor: isNews(start, next) };
    }
    log.info('presence changed meanwhile; retrying', { attempt });
  }
  throw new Error(`could not store player presence after ${MAX_ATTEMPTS} attempts`);
}

function isNews(before: LogPresence, after: LogPresence): boolean {
  return (
    after.readyAt !== before.readyAt ||
    after.joinCode !== before.joinCode ||
    after.saveError?.at !== before.saveError?.at ||
    // A player refused for another game version: the group hears who, while he may still be trying.
    (after.mismatches?.length ?? 0) !== (before.mismatches?.length ?? 0) ||
    after.mismatches?.at(-1)?.at !== before.mismatches?.at(-1)?.at ||
    // A refused mod install (the bot stops the task at once) and a player turned away for a mod.
    after.mods?.refused?.at !== before.mods?.refused?.at ||
    after.mods?.kicks?.at(-1)?.at !== before.mods?.kicks?.at(-1)?.at ||
    (savedDuringShutdown(after) === true && savedDuringShutdown(before) !== true) ||
    (after.base?.count === 0 && after.base.at !== before.base?.at && after.shutdownAt === undefined)
  );
}
