import type { DocumentTable } from '../aws/dynamodb.js';
import { isConditionFailure } from '../aws/lease.js';
import type { WeeklyTime } from '../config/weekly-time.js';
import type { Logger } from '../log.js';
import type { SessionRecord } from '../records/session.js';
import {
  countdownText,
  type EveningRecord,
  eveningSteps,
  LATE_MS,
  medianStartMs,
  upcomingOpening,
} from './evening-plan.js';

/**
 * One run of the scheduled evening (every minute in the hour before an opening): the countdown due is posted
 * to the notice channel with a nonce made from the opening (a repeat after a lost answer is the same message
 * to Discord), then recorded; the start is claimed with a conditional write first, so two runs never both
 * start, and a claim whose start failed is given back for the next minute.
 */

export interface EveningStore {
  load(opening: number): Promise<EveningRecord | undefined>;
  markPosted(opening: number, minutes: number): Promise<void>;
  /** False when another run claimed the start already. */
  claimStart(opening: number, now: number): Promise<boolean>;
  releaseStart(opening: number): Promise<void>;
  /** Marks the opening skipped; resolves with whether it was already. */
  skip(opening: number): Promise<boolean>;
  /** Takes a skip back (before the start was claimed, the evening runs as planned). */
  unskip(opening: number): Promise<void>;
  /** The ledger's sessions in [from, to): their start times. */
  sessions(from: Date, to: Date): Promise<SessionRecord[]>;
}

export interface EveningPorts {
  readonly store: EveningStore;
  /** Posts to the notice channel with an enforced nonce; absent without one. */
  readonly post?: (content: string, nonce: string) => Promise<void>;
  /** Starts the server (the checked start, src/server/scheduled-start.ts). */
  readonly start: () => Promise<'started' | 'already running'>;
  readonly now: () => number;
  readonly log: Logger;
}

export interface EveningSettings {
  readonly openings: readonly WeeklyTime[];
  readonly timeZone: string;
}

/** Starts over the last two months are enough for the median. */
const LEDGER_WINDOW_MS = 62 * 86_400_000;

export async function runEvening(ports: EveningPorts, settings: EveningSettings): Promise<readonly string[]> {
  const now = ports.now();
  // From a little back: the run at the opening itself may come late and must still find it.
  const opening = upcomingOpening(settings.openings, settings.timeZone, now - LATE_MS);
  if (opening === undefined) return [];
  const [record, sessions] = await Promise.all([
    ports.store.load(opening),
    ports.store.sessions(new Date(now - LEDGER_WINDOW_MS), new Date(now + 1)),
  ]);
  const median = medianStartMs(sessions);
  const done: string[] = [];
  for (const step of eveningSteps(opening, record, median, now)) {
    if (step.type === 'countdown') {
      if (!ports.post) continue;
      try {
        await ports.post(countdownText(opening, step.minutes), eveningNonce(opening, step.minutes));
        await ports.store.markPosted(opening, step.minutes);
        done.push(`countdown ${step.minutes}`);
      } catch (error) {
        ports.log.warn('countdown not posted yet; the next minute tries again', { error });
      }
      continue;
    }
    if (!(await ports.store.claimStart(opening, now))) continue;
    try {
      const outcome = await ports.start();
      ports.log.info('scheduled evening: start', { opening, leadMs: step.leadMs, outcome });
      done.push(`start ${outcome}`);
    } catch (error) {
      // A world transfer runs, or ECS refused: the next minute tries again; at the opening itself, Lambda's
      // own retries (a minute or two apart) do.
      await ports.store.releaseStart(opening);
      ports.log.warn('scheduled evening: start postponed', { error });
      if (opening <= now) throw error;
    }
  }
  return done;
}

/** How far from an opening the schedule's own start-time run still counts as that opening's. */
const OPENING_MATCH_MS = 30 * 60_000;

/**
 * The schedule's run at the start time itself (the fallback when the window's runs did not start the server,
 * or a stack whose Scheduler event came late): an opening an operator skipped stays skipped, one the window
 * started already is left alone, anything else starts now. Run at another time (by hand), it just starts.
 */
export async function runOpening(ports: EveningPorts, settings: EveningSettings): Promise<string> {
  const now = ports.now();
  const opening = upcomingOpening(settings.openings, settings.timeZone, now - OPENING_MATCH_MS);
  if (opening === undefined || Math.abs(opening - now) > OPENING_MATCH_MS) return ports.start();
  const record = await ports.store.load(opening);
  if (record?.skipped) {
    ports.log.info('scheduled start skipped from Discord', { opening });
    return 'skipped';
  }
  if (!(await ports.store.claimStart(opening, now))) return 'started already';
  try {
    return await ports.start();
  } catch (error) {
    await ports.store.releaseStart(opening);
    throw error; // Lambda tries again a minute or two later
  }
}

/** A nonce Discord takes (≤ 25 characters), the same for every try of one countdown. */
export function eveningNonce(opening: number, minutes: number): string {
  return `e${opening.toString(36)}m${minutes}`;
}

const EVENING_PREFIX = 'EVENING#';

/** The evenings' records in the state table: one small item per opening, expiring a week after it. */
export function eveningStore(
  doc: DocumentTable,
  tableName: string,
  sessions: EveningStore['sessions'],
): EveningStore {
  const key = (opening: number) => ({
    pk: 'SERVER',
    sk: `${EVENING_PREFIX}${new Date(opening).toISOString()}`,
  });
  const expires = (opening: number) => Math.floor(opening / 1000) + 7 * 86_400;
  return {
    async load(opening) {
      const { Item } = await doc.get({ TableName: tableName, Key: key(opening), ConsistentRead: true });
      if (!Item) return undefined;
      const posted =
        Item.posted instanceof Set ? [...Item.posted] : Array.isArray(Item.posted) ? Item.posted : [];
      return {
        opening,
        posted: posted.map(Number),
        ...(typeof Item.startedAt === 'number' && { startedAt: Item.startedAt }),
        ...(Item.skipped === true && { skipped: true }),
      };
    },
    async markPosted(opening, minutes) {
      await doc.update({
        TableName: tableName,
        Key: key(opening),
        UpdateExpression: 'ADD posted :minutes SET expiresAt = :expires',
        ExpressionAttributeValues: { ':minutes': new Set([minutes]), ':expires': expires(opening) },
      });
    },
    async claimStart(opening, now) {
      try {
        await doc.update({
          TableName: tableName,
          Key: key(opening),
          UpdateExpression: 'SET startedAt = :now, expiresAt = :expires',
          ConditionExpression:
            'attribute_not_exists(startedAt) AND (attribute_not_exists(skipped) OR skipped = :no)',
          ExpressionAttributeValues: { ':now': now, ':expires': expires(opening), ':no': false },
        });
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
    async releaseStart(opening) {
      await doc.update({ TableName: tableName, Key: key(opening), UpdateExpression: 'REMOVE startedAt' });
    },
    async skip(opening) {
      try {
        await doc.update({
          TableName: tableName,
          Key: key(opening),
          UpdateExpression: 'SET skipped = :yes, expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(skipped) OR skipped = :no',
          ExpressionAttributeValues: { ':yes': true, ':no': false, ':expires': expires(opening) },
        });
        return false;
      } catch (error) {
        if (isConditionFailure(error)) return true;
        throw error;
      }
    },
    async unskip(opening) {
      await doc.update({ TableName: tableName, Key: key(opening), UpdateExpression: 'REMOVE skipped' });
    },
    sessions,
  };
}
