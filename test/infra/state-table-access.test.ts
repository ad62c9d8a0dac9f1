import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { STATE_TABLE_ACTIONS } from '../../infra/constructs/state-table.js';
import { sdkDocuments } from '../../src/aws/sdk-dynamodb.js';
import type { CommandStore } from '../../src/bot/valheim-command.js';
import type { MonitorStore } from '../../src/monitor/monitor.js';
import { StateStore } from '../../src/monitor/state-store.js';
import type { PresenceStore } from '../../src/players/log-ingest.js';
import { INITIAL_STATE } from '../../src/records/lifecycle.js';
import { type EveningStore, eveningStore } from '../../src/server/scheduled-evening.js';
import { mockAwsClient } from '../support/aws-mock.js';

// Each function may do on the state table exactly what the StateStore methods of its port send. The records
// below list every method of each port (the compiler refuses a missing or extra one), so a new method that
// sends a new kind of request fails here until the function is granted it.

const dynamo = mockAwsClient(DynamoDBDocumentClient);
const reply = { applicationId: '123456789012345678', token: 'token', createdAt: 1 };
const presence = { taskId: 'task', peers: [] };

type Calls<Port> = Record<keyof Port, (store: StateStore) => Promise<unknown>>;

const interactions: Calls<CommandStore> = {
  load: (store) => store.load(),
  save: (store) => store.save(INITIAL_STATE, 0, { startReply: reply }),
  sessions: (store) => store.sessions(new Date(0), new Date(1)),
  saveBackupReply: (store) => store.saveBackupReply('20261123T190500Z-discord', reply),
  loadSpend: (store) => store.loadSpend(),
  saveSpend: (store) => store.saveSpend({ month: '2026-11', amount: 1, currency: 'USD', fetchedAt: 1 }),
  claimSpendFetch: (store) => store.claimSpendFetch('owner', 1, 30_000),
  releaseSpendFetch: (store) => store.releaseSpendFetch('owner'),
  loadPresence: (store) => store.loadPresence(),
  setFeedMuted: (store) => store.setFeedMuted('deaths', true),
  queueStart: (store) => store.queueStart({ id: 'q', reply, at: 1 }),
  dropQueuedStart: (store) => store.dropQueuedStart('q'),
  cancelQueuedStart: (store) => store.cancelQueuedStart(),
};
const monitor: Calls<MonitorStore> = {
  load: (store) => store.load(),
  save: (store) => store.save(INITIAL_STATE, 0, { startReply: null }),
  loadPresence: (store) => store.loadPresence(),
  recordSession: (store) => store.recordSession({ sessionId: '2026-11-01T19:00:00.000Z', readyAt: 1 }),
  loadBackupReply: (store) => store.loadBackupReply('20261123T190500Z-discord'),
  claimDelivery: (store) => store.claimDelivery('notice', 'token', 0, 25_000),
  markEditGone: (store) => store.markEditGone('notice'),
  completeDelivery: (store) => store.completeDelivery('notice'),
  sessions: (store) => store.sessions(new Date(0), new Date(1)),
  queuedStart: (store) => store.queuedStart(),
  dropQueuedStart: (store) => store.dropQueuedStart('q'),
};
/** The scheduled evening's store sits on the same document client; its ledger read is the StateStore's. */
const evening = (store: StateStore) =>
  eveningStore(sdkDocuments(new DynamoDBClient({ region: 'eu-central-1' })), 'state', (from, to) =>
    store.sessions(from, to),
  );
const scheduledStart: Calls<EveningStore> = {
  load: (store) => evening(store).load(1),
  markPosted: (store) => evening(store).markPosted(1, 60),
  claimStart: (store) => evening(store).claimStart(1, 0),
  releaseStart: (store) => evening(store).releaseStart(1),
  skip: (store) => evening(store).skip(1),
  unskip: (store) => evening(store).unskip(1),
  sessions: (store) => evening(store).sessions(new Date(0), new Date(1)),
};
const serverLog: Calls<PresenceStore> = {
  loadPresence: (store) => store.loadPresence(),
  savePresence: (store) => store.savePresence(presence, 0),
};

/** The IAM action of a lib-dynamodb command (GetCommand → dynamodb:GetItem). */
function actionOf(command: object): string {
  const name = command.constructor.name.replace(/Command$/, '');
  const itemActions = ['Get', 'Put', 'Update', 'Delete'];
  return `dynamodb:${itemActions.includes(name) ? `${name}Item` : name}`;
}

async function actionsSentBy(calls: Record<string, (store: StateStore) => Promise<unknown>>) {
  const store = new StateStore(sdkDocuments(new DynamoDBClient({ region: 'eu-central-1' })), 'state');
  for (const call of Object.values(calls)) await call(store);
  return [...new Set(dynamo.calls().map((sent) => actionOf(sent.args[0])))].sort();
}

describe('state table access of each function', () => {
  beforeEach(() => {
    dynamo.reset();
    dynamo.onAnyCommand().resolves({});
  });

  it.each([
    ['interactions', interactions, STATE_TABLE_ACTIONS.interactions],
    ['monitor', monitor, STATE_TABLE_ACTIONS.monitor],
    ['server log', serverLog, STATE_TABLE_ACTIONS.serverLog],
    ['scheduled start', scheduledStart, STATE_TABLE_ACTIONS.scheduledStart],
  ] as const)('grants the %s function exactly what its port sends', async (_name, calls, granted) => {
    // When every method of the port runs
    const sent = await actionsSentBy(calls);
    // Then
    expect([...granted].sort()).toEqual(sent);
  });

  it('grants no function a delete, a scan or a batch request', () => {
    // Then
    const all = Object.values(STATE_TABLE_ACTIONS).flat();
    expect(all.filter((action) => /Delete|Scan|Batch|\*/.test(action))).toEqual([]);
  });
});
