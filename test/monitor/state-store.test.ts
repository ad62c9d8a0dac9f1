import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sdkDocuments } from '../../src/aws/sdk-dynamodb.js';
import { StateStore } from '../../src/monitor/state-store.js';
import { emptyPresence } from '../../src/players/log-presence.js';
import { INITIAL_STATE, type LifecycleState } from '../../src/records/lifecycle.js';
import {
  type LocalDynamo,
  type LossyDynamo,
  lightDocumentsAt,
  startDynalite,
  startLossyProxy,
} from '../support/dynalite.js';

/*
 * The store runs on two DynamoDB clients: the SDK's document client (monitor, CLI) and the light client
 * (the interactions Lambda). Every behaviour is checked on both, against the same dynalite.
 */
const CLIENTS = [
  {
    client: 'the SDK document client',
    direct: (dynamo: LocalDynamo) => sdkDocuments(dynamo.client),
    viaLossy: (lossy: LossyDynamo) => sdkDocuments(lossy.client),
  },
  {
    client: 'the light client',
    direct: (dynamo: LocalDynamo) => lightDocumentsAt(dynamo.endpoint),
    viaLossy: (lossy: LossyDynamo) => lightDocumentsAt(lossy.endpoint, { maxAttempts: 3 }),
  },
];

describe.each(CLIENTS)(
  'StateStore (against dynalite) through $client',
  ({ direct, viaLossy: lossyDocuments }) => {
    let dynamo: LocalDynamo;
    let store: StateStore;
    let table = 0;

    beforeAll(async () => {
      dynamo = await startDynalite();
    });
    afterAll(async () => {
      await dynamo.close();
    });
    beforeEach(async () => {
      const name = `state-${++table}`;
      await dynamo.createTable(name);
      store = new StateStore(direct(dynamo), name);
    });

    const ready: LifecycleState = {
      phase: 'ready',
      sessionId: '2026-11-23T19:00:00.000Z',
      players: 'unknown',
    };

    it('keeps a live message with the decision, keeps what Discord confirmed, and refuses content for a gone one', async () => {
      const board = {
        nonce: 'b1',
        content: 'Offline',
        components: [],
        version: 1,
        createdAt: 1,
        attempts: 0,
      };
      expect(await store.save(ready, 0, { live: { board: { create: board } } })).toBe(true);
      expect(await store.claimLive('board', 'b1', 'token', 10, 25_000)).toBe(true);
      expect(await store.claimLive('board', 'b1', 'other', 11, 25_000)).toBe(false); // held
      await store.confirmLive('board', 'b1', { messageId: '42', version: 1 });
      // New content keeps the message id Discord gave
      const change = { content: 'Online', components: [], version: 2 };
      expect(await store.save(ready, 1, { live: { board: change } })).toBe(true);
      expect((await store.load()).live?.board).toMatchObject({
        messageId: '42',
        content: 'Online',
        version: 2,
        shown: 1,
      });
      // An old confirmation changes nothing
      await store.confirmLive('board', 'b1', { messageId: '42', version: 1 });
      expect((await store.load()).live?.board?.shown).toBe(1);
      // Once the feed message was dropped, new content for it fails like a concurrent write
      const feed = { nonce: 'f1', content: 'a', components: [], version: 1, createdAt: 1, attempts: 0 };
      expect(await store.save(ready, 2, { live: { feed: { create: feed } } })).toBe(true);
      expect(await store.replaceLive('feed', 'f1', null)).toBe(true);
      expect(
        await store.save(ready, 3, { live: { feed: { content: 'a\nb', components: [], version: 2 } } }),
      ).toBe(false);
      expect((await store.load()).live?.feed).toBeUndefined();
    });

    it('starts from the stopped state at version 0', async () => {
      expect(await store.load()).toEqual({ state: INITIAL_STATE, version: 0 });
    });

    it('saves and loads state with the start reply, bumping the version', async () => {
      const reply = { applicationId: '123456789012345678', token: 'tok', createdAt: 1, userId: '42' };
      expect(await store.save(ready, 0, { startReply: reply })).toBe(true);
      expect(await store.load()).toEqual({ state: ready, version: 1, startReply: reply });
      expect(await store.save({ ...ready, players: 2 }, 1, { startReply: null })).toBe(true);
      expect(await store.load()).toEqual({ state: { ...ready, players: 2 }, version: 2 });
    });

    it('lets only one of two writers that read the same version act', async () => {
      // Given a command and the monitor that both read version 1
      await store.save(ready, 0);
      const { version } = await store.load();
      // When both write at the same moment
      const results = await Promise.all([
        store.save({ ...ready, phase: 'stopping', stopReason: 'idle' }, version),
        store.save({ ...ready, players: 3 }, version),
      ]);
      // Then exactly one wins, and the stored state is the winner's
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await store.load();
      expect(stored.version).toBe(2);
      expect(stored.state).toEqual(
        results[0] ? { ...ready, phase: 'stopping', stopReason: 'idle' } : { ...ready, players: 3 },
      );
    });

    it('refuses a first write when somebody created the state already', async () => {
      expect(await store.save(ready, 0)).toBe(true);
      expect(await store.save(INITIAL_STATE, 0)).toBe(false);
    });

    it('succeeds when the SDK repeats a write whose answer was lost, and still refuses a real conflict', async () => {
      // Given a connection that loses the answer to the first write (which DynamoDB applied)
      const lossy = await startLossyProxy(dynamo);
      try {
        const viaLossy = new StateStore(lossyDocuments(lossy), `state-${table}`);
        lossy.loseAnswer('UpdateItem', '"S":"ready"');
        // When the write is made (and repeated by the SDK)
        expect(await viaLossy.save(ready, 0)).toBe(true);
        expect(lossy.lost).toBe(1);
      } finally {
        await lossy.close();
      }
      // Then it was applied once, and another writer that read version 0 still loses
      expect((await store.load()).version).toBe(1);
      expect(await store.save(INITIAL_STATE, 0)).toBe(false);
    });

    it('keeps pending notices with the state, and lets one claimant at a time take a notice', async () => {
      // Given a decision stored with a notice to deliver
      const notice = {
        id: 'mf3k2l1a0',
        kind: 'announce-ready' as const,
        notice: { content: 'The server is up', components: [] },
        editReply: true,
        createdAt: 1000,
        attempts: 0,
      };
      await store.save(ready, 0, { enqueue: [notice] });
      expect((await store.load()).outbox).toEqual([notice]);
      // When two ticks claim it
      expect(await store.claimDelivery(notice.id, 'tick-a', 2000, 25_000)).toBe(true);
      expect(await store.claimDelivery(notice.id, 'tick-b', 3000, 25_000)).toBe(false);
      // the same claimant again (an SDK repeat) is fine, and after the lease another may take it
      expect(await store.claimDelivery(notice.id, 'tick-a', 3000, 25_000)).toBe(true);
      expect(await store.claimDelivery(notice.id, 'tick-b', 30_000, 25_000)).toBe(true);
      await store.markEditGone(notice.id);
      expect((await store.load()).outbox?.[0]).toMatchObject({ editGone: true, attempts: 3 });
      // Then a delivered notice is removed, and removing it twice is harmless
      await store.completeDelivery(notice.id);
      await store.completeDelivery(notice.id);
      expect((await store.load()).outbox).toBeUndefined();
      expect(await store.claimDelivery(notice.id, 'tick-a', 60_000, 25_000)).toBe(false);
      // and later state writes leave pending notices of others alone
      await store.save(ready, 1, { enqueue: [{ ...notice, id: 'second' }] });
      await store.save({ ...ready, players: 1 }, 2);
      expect((await store.load()).outbox?.map((n) => n.id)).toEqual(['second']);
      await store.save(ready, 3, { drop: ['second'] });
      expect((await store.load()).outbox).toBeUndefined();
    });

    it('keeps log presence apart, with its own conditional version', async () => {
      const presence = { ...emptyPresence('task-1'), peers: ['76561198000000001'], readyAt: 5 };
      expect(await store.loadPresence()).toEqual({ version: 0 });
      expect(await store.savePresence(presence, 0)).toBe(true);
      expect(await store.savePresence(presence, 0)).toBe(false);
      expect(await store.loadPresence()).toEqual({ presence, version: 1 });
      // the lifecycle state is untouched
      expect((await store.load()).version).toBe(0);
    });

    it('records sessions in the ledger and lists a month of them', async () => {
      await store.recordSession({
        sessionId: '2026-10-31T23:00:00.000Z',
        startedAt: 1,
        cpu: 2048,
        memoryMiB: 8192,
        spot: false,
      });
      await store.recordSession({
        sessionId: '2026-11-01T19:00:00.000Z',
        startedAt: 2,
        cpu: 2048,
        memoryMiB: 8192,
        spot: true,
      });
      await store.recordSession({ sessionId: '2026-11-01T19:00:00.000Z', readyAt: 3 });
      await store.recordSession({
        sessionId: '2026-11-01T19:00:00.000Z',
        stoppedAt: 4,
        stopReason: 'idle',
        peakPlayers: 3,
        characterMinutes: { 'Ånna 🛡️': 42, Leif: 7 },
      });
      await store.recordSession({
        sessionId: '2026-12-01T00:00:00.000Z',
        startedAt: 5,
        cpu: 2048,
        memoryMiB: 8192,
        spot: false,
      });

      const november = await store.sessions(
        new Date('2026-11-01T00:00:00Z'),
        new Date('2026-12-01T00:00:00Z'),
      );
      expect(november).toEqual([
        {
          sessionId: '2026-11-01T19:00:00.000Z',
          startedAt: 2,
          readyAt: 3,
          stoppedAt: 4,
          stopReason: 'idle',
          cpu: 2048,
          memoryMiB: 8192,
          spot: true,
          peakPlayers: 3,
          characterMinutes: { 'Ånna 🛡️': 42, Leif: 7 },
        },
      ]);
    });
  },
);
