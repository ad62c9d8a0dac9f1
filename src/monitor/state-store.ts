import { randomUUID } from 'node:crypto';
import type { DocumentTable } from '../aws/dynamodb.js';
import { isConditionFailure } from '../aws/lease.js';
import type { LogPresence } from '../players/log-presence.js';
import { type FeedKind, isFeedKind } from '../records/feed.js';
import { INITIAL_STATE, type LifecycleState } from '../records/lifecycle.js';
import type { LiveMessage, LiveMessageKey, PendingNotice, StartReply } from '../records/notice.js';
import type { CachedSpend, ChangeClaim, QueuedStart } from '../records/server-state.js';
import type { SessionRecord } from '../records/session.js';
import type { DeliveryStore } from './deliveries.js';

/**
 * The bot's memory in one DynamoDB table (on-demand: costs nothing while idle). Every write of the shared
 * state is conditional on the version read, so a slash command and the monitor acting at the same moment
 * cannot both act: the second write fails and that side backs off.
 *
 * Items (pk / sk):
 * - SERVER / STATE    lifecycle state, version, the last /valheim start reply to edit when ready, the last
 *                     start/stop claim, and the notices not yet delivered (one `notice_<id>` attribute each)
 * - SERVER / LOG      what the server log says about players (written by the log processor)
 * - SESSION / <id>    one row per session, the ledger (id = ISO start time, so a month is a key range)
 * - SERVER / COST     the last Cost Explorer answer (each request costs $0.01, so it is cached)
 * - BACKUP / <id>     the `/valheim backup` reply to follow up on when that snapshot is done (expires by TTL)
 * - LOCK / WORLD_TRANSFER  the transfer lock, leased by the world-transfer task (src/worlds/world-transfer.sh)
 */

/** Items that only matter for a while carry this epoch-seconds attribute; the table's TTL removes them. */
export const TTL_ATTRIBUTE = 'expiresAt';
const QUEUED_START_KEY = { pk: 'SERVER', sk: 'QUEUED-START' };

export interface StoredState {
  readonly state: LifecycleState;
  /** 0 when nothing was ever stored. */
  readonly version: number;
  readonly startReply?: StartReply;
  readonly claim?: ChangeClaim;
  /** Notices decided but not yet confirmed by Discord. */
  readonly outbox?: readonly PendingNotice[];
  /** Kinds of the activity feed an operator muted from Discord. */
  readonly feedMuted?: readonly FeedKind[];
  /** The messages kept up to date in the notice channel (status board, feed). */
  readonly live?: Partial<Record<LiveMessageKey, LiveMessage>>;
}

/** A new live message, or new content for the one stored (its delivery state is left as it is). */
export type LiveChange =
  | { readonly create: LiveMessage }
  | {
      readonly content: string;
      readonly components: LiveMessage['components'];
      readonly version: number;
      readonly sessionId?: string;
    };

export interface SaveOptions {
  /** `null` forgets the stored reply. */
  readonly startReply?: StartReply | null;
  /** `null` forgets the stored claim. */
  readonly claim?: ChangeClaim | null;
  /** Notices to deliver, stored with the decision that announces them. */
  readonly enqueue?: readonly PendingNotice[];
  /** Ids of pending notices the decision makes obsolete. */
  readonly drop?: readonly string[];
  /** New content for the live messages, stored with the decision that changed it. */
  readonly live?: Partial<Record<LiveMessageKey, LiveChange>>;
  readonly signal?: AbortSignal;
}

const STATE_KEY = { pk: 'SERVER', sk: 'STATE' };
const LOG_KEY = { pk: 'SERVER', sk: 'LOG' };
const COST_KEY = { pk: 'SERVER', sk: 'COST' };
const NOTICE_PREFIX = 'notice_';
const LIVE_PREFIX = 'live_';
const LIVE_KEYS: readonly LiveMessageKey[] = ['board', 'feed'];

/**
 * The table is reached through `DocumentTable`: the SDK's document client (`sdkDocuments`, the monitor and
 * the CLI) or the light client (`dynamoDocuments`, the interactions Lambda, where load time counts).
 */
export class StateStore implements DeliveryStore {
  constructor(
    private readonly doc: DocumentTable,
    private readonly tableName: string,
  ) {}

  async load(signal?: AbortSignal): Promise<StoredState> {
    const { Item } = await this.doc.get(
      { TableName: this.tableName, Key: STATE_KEY, ConsistentRead: true },
      signal,
    );
    if (!Item) return { state: INITIAL_STATE, version: 0 };
    const outbox = Object.entries(Item)
      .filter(([name]) => name.startsWith(NOTICE_PREFIX))
      .map(([, value]) => value as PendingNotice);
    const muted = feedKindsOf(Item.feedMuted);
    const live = Object.fromEntries(
      LIVE_KEYS.filter((key) => Item[`${LIVE_PREFIX}${key}`]).map((key) => [
        key,
        Item[`${LIVE_PREFIX}${key}`] as LiveMessage,
      ]),
    );
    return {
      state: (Item.state as LifecycleState | undefined) ?? INITIAL_STATE,
      version: Number(Item.version ?? 0),
      ...(Item.startReply && { startReply: Item.startReply as StartReply }),
      ...(Item.claim && { claim: Item.claim as ChangeClaim }),
      ...(outbox.length > 0 && { outbox }),
      ...(muted.length > 0 && { feedMuted: muted }),
      ...(Object.keys(live).length > 0 && { live }),
    };
  }

  /**
   * Mutes or unmutes a kind of the activity feed. A string set changed in place (ADD, DELETE): two operators
   * muting two kinds at once both count, and the lifecycle's version is left alone (no tick loses its write).
   * Resolves with the kinds muted afterwards.
   */
  async setFeedMuted(kind: FeedKind, muted: boolean, signal?: AbortSignal): Promise<FeedKind[]> {
    await this.doc.update(
      {
        TableName: this.tableName,
        Key: STATE_KEY,
        UpdateExpression: `${muted ? 'ADD' : 'DELETE'} feedMuted :kind`,
        ExpressionAttributeValues: { ':kind': new Set([kind]) },
      },
      signal,
    );
    return [...((await this.load(signal)).feedMuted ?? [])];
  }

  /**
   * Writes the state if nobody wrote since `expectedVersion` was read. Returns false when somebody did
   * (the caller must not act on its decision).
   *
   * The write is idempotent: when its answer is lost, the SDK sends it again, and that repeat finds the
   * version it set itself; it is recognised by its write id and succeeds instead of reporting a conflict.
   */
  async save(state: LifecycleState, expectedVersion: number, options: SaveOptions = {}): Promise<boolean> {
    const names: Record<string, string> = { '#state': 'state' };
    const values: Record<string, unknown> = {
      ':state': state,
      ':next': expectedVersion + 1,
      ':now': Date.now(),
      ':writeId': randomUUID(),
    };
    const set = ['#state = :state', 'version = :next', 'updatedAt = :now', 'writeId = :writeId'];
    const remove: string[] = [];
    if (options.startReply === null) remove.push('startReply');
    else if (options.startReply) {
      set.push('startReply = :reply');
      values[':reply'] = options.startReply;
    }
    if (options.claim === null) remove.push('claim');
    else if (options.claim) {
      set.push('claim = :claim');
      values[':claim'] = options.claim;
    }
    options.enqueue?.forEach((notice, i) => {
      names[`#add${i}`] = `${NOTICE_PREFIX}${notice.id}`;
      values[`:add${i}`] = notice;
      set.push(`#add${i} = :add${i}`);
    });
    options.drop?.forEach((id, i) => {
      names[`#drop${i}`] = `${NOTICE_PREFIX}${id}`;
      remove.push(`#drop${i}`);
    });
    const mustExist: string[] = [];
    for (const key of LIVE_KEYS) {
      const change = options.live?.[key];
      if (!change) continue;
      names[`#live_${key}`] = `${LIVE_PREFIX}${key}`;
      if ('create' in change) {
        values[`:live_${key}`] = change.create;
        set.push(`#live_${key} = :live_${key}`);
        continue;
      }
      // Only the content: what a delivery confirmed meanwhile (the message id) stays. The message must still be
      // there (a deleted feed message is dropped between ticks): otherwise the write fails like a concurrent one.
      mustExist.push(`attribute_exists(#live_${key})`);
      for (const field of ['content', 'components', 'version', 'sessionId'] as const) {
        if (change[field] === undefined) continue;
        values[`:live_${key}_${field}`] = change[field];
        set.push(`#live_${key}.${field} = :live_${key}_${field}`);
      }
    }
    if (expectedVersion !== 0) values[':expected'] = expectedVersion;
    try {
      await this.doc.update(
        {
          TableName: this.tableName,
          Key: STATE_KEY,
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: [
            `(${expectedVersion === 0 ? 'attribute_not_exists(version)' : 'version = :expected'} OR (version = :next AND writeId = :writeId))`,
            ...mustExist,
          ].join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
        options.signal,
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Takes a pending notice for a while (a repeat of the same claim, e.g. by the SDK, succeeds too). */
  async claimDelivery(id: string, token: string, now: number, leaseMs: number): Promise<boolean> {
    try {
      await this.doc.update({
        TableName: this.tableName,
        Key: STATE_KEY,
        UpdateExpression:
          'SET #n.claimToken = :token, #n.claimedUntil = :until, #n.attempts = #n.attempts + :one',
        ConditionExpression:
          'attribute_exists(#n) AND (attribute_not_exists(#n.claimedUntil) OR #n.claimedUntil < :now OR #n.claimToken = :token)',
        ExpressionAttributeNames: { '#n': `${NOTICE_PREFIX}${id}` },
        ExpressionAttributeValues: { ':token': token, ':until': now + leaseMs, ':now': now, ':one': 1 },
      });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async markEditGone(id: string): Promise<void> {
    await this.updateNotice(id, 'SET #n.editGone = :yes', { ':yes': true });
  }

  /** Removes a delivered (or given-up) notice; one already removed is fine. */
  async completeDelivery(id: string): Promise<void> {
    await this.updateNotice(id, 'REMOVE #n');
  }

  private async updateNotice(
    id: string,
    expression: string,
    values?: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.doc.update({
        TableName: this.tableName,
        Key: STATE_KEY,
        UpdateExpression: expression,
        ConditionExpression: 'attribute_exists(#n)',
        ExpressionAttributeNames: { '#n': `${NOTICE_PREFIX}${id}` },
        ...(values && { ExpressionAttributeValues: values }),
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Takes a live message for `leaseMs`, if it is still the one posted with `nonce` and nobody holds it. */
  async claimLive(
    key: LiveMessageKey,
    nonce: string,
    token: string,
    now: number,
    leaseMs: number,
  ): Promise<boolean> {
    try {
      await this.doc.update({
        TableName: this.tableName,
        Key: STATE_KEY,
        UpdateExpression:
          'SET #l.claimToken = :token, #l.claimedUntil = :until, #l.attempts = #l.attempts + :one',
        ConditionExpression:
          '#l.nonce = :nonce AND (attribute_not_exists(#l.claimedUntil) OR #l.claimedUntil < :now OR #l.claimToken = :token)',
        ExpressionAttributeNames: { '#l': `${LIVE_PREFIX}${key}` },
        ExpressionAttributeValues: {
          ':nonce': nonce,
          ':token': token,
          ':until': now + leaseMs,
          ':now': now,
          ':one': 1,
        },
      });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Records what Discord confirmed of a live message: its id (after the post) and the content version shown.
   * A version older than one confirmed already changes nothing; the lease is given back.
   */
  async confirmLive(
    key: LiveMessageKey,
    nonce: string,
    confirmed: { readonly messageId: string; readonly version: number },
  ): Promise<void> {
    try {
      await this.doc.update({
        TableName: this.tableName,
        Key: STATE_KEY,
        UpdateExpression: 'SET #l.messageId = :id, #l.shown = :version REMOVE #l.claimedUntil, #l.claimToken',
        ConditionExpression: '#l.nonce = :nonce AND (attribute_not_exists(#l.shown) OR #l.shown < :version)',
        ExpressionAttributeNames: { '#l': `${LIVE_PREFIX}${key}` },
        ExpressionAttributeValues: {
          ':nonce': nonce,
          ':id': confirmed.messageId,
          ':version': confirmed.version,
        },
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /**
   * Replaces the live message posted with `nonce` (deleted in Discord): by a new one to post, or by nothing.
   * False when it was replaced already.
   */
  async replaceLive(key: LiveMessageKey, nonce: string, next: LiveMessage | null): Promise<boolean> {
    try {
      await this.doc.update({
        TableName: this.tableName,
        Key: STATE_KEY,
        UpdateExpression: next ? 'SET #l = :next' : 'REMOVE #l',
        ConditionExpression: '#l.nonce = :nonce',
        ExpressionAttributeNames: { '#l': `${LIVE_PREFIX}${key}` },
        ExpressionAttributeValues: { ':nonce': nonce, ...(next && { ':next': next }) },
      });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async loadPresence(signal?: AbortSignal): Promise<{ presence?: LogPresence; version: number }> {
    const { Item } = await this.doc.get(
      { TableName: this.tableName, Key: LOG_KEY, ConsistentRead: true },
      signal,
    );
    return Item
      ? { presence: Item.presence as LogPresence, version: Number(Item.version ?? 0) }
      : { version: 0 };
  }

  /** Conditional like `save`: concurrent log batches retry rather than overwrite each other. */
  async savePresence(presence: LogPresence, expectedVersion: number): Promise<boolean> {
    try {
      await this.doc.put({
        TableName: this.tableName,
        Item: { ...LOG_KEY, presence, version: expectedVersion + 1 },
        ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(version)' : 'version = :expected',
        ...(expectedVersion !== 0 && { ExpressionAttributeValues: { ':expected': expectedVersion } }),
      });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Creates or completes a ledger row (idempotent: a retried tick writes the same values). */
  async recordSession(session: Partial<SessionRecord> & { sessionId: string }): Promise<void> {
    const { sessionId, ...fields } = session;
    const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    await this.doc.update({
      TableName: this.tableName,
      Key: { pk: 'SESSION', sk: sessionId },
      UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#f${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
    });
  }

  async loadSpend(signal?: AbortSignal): Promise<CachedSpend | undefined> {
    const { Item } = await this.doc.get({ TableName: this.tableName, Key: COST_KEY }, signal);
    return Item?.spend as CachedSpend | undefined;
  }

  /** Replaces the whole item, so the claim on the Cost Explorer request (if any) ends with it. */
  async saveSpend(spend: CachedSpend, signal?: AbortSignal): Promise<void> {
    await this.doc.put({ TableName: this.tableName, Item: { ...COST_KEY, spend } }, signal);
  }

  /** The one Cost Explorer request in flight: a claim that holds until `now + ms` unless released. */
  async claimSpendFetch(owner: string, now: number, ms: number, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.doc.update(
        {
          TableName: this.tableName,
          Key: COST_KEY,
          UpdateExpression: 'SET fetchClaim = :claim',
          ConditionExpression: 'attribute_not_exists(fetchClaim) OR fetchClaim.#until <= :now',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':claim': { owner, until: now + ms }, ':now': now },
        },
        signal,
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async releaseSpendFetch(owner: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.doc.update(
        {
          TableName: this.tableName,
          Key: COST_KEY,
          UpdateExpression: 'REMOVE fetchClaim',
          ConditionExpression: 'fetchClaim.#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        },
        signal,
      );
    } catch (error) {
      // Someone else's claim (ours had lapsed and was taken): theirs stays.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async saveBackupReply(snapshotId: string, reply: StartReply, signal?: AbortSignal): Promise<void> {
    await this.doc.put(
      {
        TableName: this.tableName,
        Item: {
          pk: 'BACKUP',
          sk: snapshotId,
          reply,
          [TTL_ATTRIBUTE]: Math.floor(reply.createdAt / 1000) + 86_400,
        },
      },
      signal,
    );
  }

  async loadBackupReply(snapshotId: string): Promise<StartReply | undefined> {
    const { Item } = await this.doc.get({ TableName: this.tableName, Key: { pk: 'BACKUP', sk: snapshotId } });
    return Item?.reply as StartReply | undefined;
  }

  /** Queues a start behind a running world transfer (replacing one queued before: the latest ask wins). */
  async queueStart(queued: QueuedStart, signal?: AbortSignal): Promise<void> {
    await this.doc.put(
      {
        TableName: this.tableName,
        Item: {
          ...QUEUED_START_KEY,
          queued,
          // Discord's interaction token lasts 15 minutes: a queued start is never kept longer than its reply.
          [TTL_ATTRIBUTE]: Math.floor(queued.at / 1000) + 15 * 60,
        },
      },
      signal,
    );
  }

  async queuedStart(signal?: AbortSignal): Promise<QueuedStart | undefined> {
    const { Item } = await this.doc.get(
      { TableName: this.tableName, Key: QUEUED_START_KEY, ConsistentRead: true },
      signal,
    );
    return Item?.queued as QueuedStart | undefined;
  }

  /** Takes the queued start off the queue if it is still `id`; false when it was not (taken or replaced). */
  async dropQueuedStart(id: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.doc.update(
        {
          TableName: this.tableName,
          Key: QUEUED_START_KEY,
          UpdateExpression: 'REMOVE queued',
          ConditionExpression: 'queued.id = :id',
          ExpressionAttributeValues: { ':id': id },
        },
        signal,
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Takes whatever start is queued off the queue (a stop calls it off); false when none was. */
  async cancelQueuedStart(signal?: AbortSignal): Promise<boolean> {
    try {
      await this.doc.update(
        {
          TableName: this.tableName,
          Key: QUEUED_START_KEY,
          UpdateExpression: 'REMOVE queued',
          ConditionExpression: 'attribute_exists(queued)',
        },
        signal,
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Ledger rows whose session started in [from, to). */
  async sessions(from: Date, to: Date, signal?: AbortSignal): Promise<SessionRecord[]> {
    const rows: SessionRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.query(
        {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': 'SESSION',
            ':from': from.toISOString(),
            ':to': to.toISOString(),
          },
          ExclusiveStartKey: startKey,
        },
        signal,
      );
      for (const item of page.Items ?? []) {
        if (item.sk === to.toISOString()) continue; // BETWEEN is inclusive; the range is half-open
        const { pk: _pk, sk, ...fields } = item;
        rows.push({ sessionId: String(sk), ...(fields as Omit<SessionRecord, 'sessionId'>) });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return rows;
  }
}

/** The feed kinds of a stored string set (a Set from the document client; a list is taken too). */
function feedKindsOf(value: unknown): FeedKind[] {
  const values = value instanceof Set ? [...value] : Array.isArray(value) ? value : [];
  return values.filter((kind): kind is FeedKind => typeof kind === 'string' && isFeedKind(kind)).sort();
}
