import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sdkDocuments } from '../../src/aws/sdk-dynamodb.js';
import { silentLogger } from '../../src/log.js';
import { StateStore } from '../../src/monitor/state-store.js';
import { decodeLogsPayload, ingestLogBatch, taskIdOfStream } from '../../src/players/log-ingest.js';
import { logPlayerCount } from '../../src/players/log-presence.js';
import { type LocalDynamo, startDynalite } from '../support/dynalite.js';

const T = Date.parse('2026-11-23T19:00:00Z');
const STREAM = 'valheim/server/0123456789abcdef';

function payload(lines: Array<[number, string]>, logStream = STREAM): string {
  const data = {
    messageType: 'DATA_MESSAGE',
    owner: '111122223333',
    logGroup: '/valheim-ondemand/server',
    logStream,
    subscriptionFilters: ['players'],
    logEvents: lines.map(([offset, message], i) => ({ id: String(i), timestamp: T + offset, message })),
  };
  return gzipSync(Buffer.from(JSON.stringify(data))).toString('base64');
}

const line = (text: string) => `Nov 23 19:05:00 supervisord: valheim-server 11/23/2026 19:05:00: ${text}`;

describe('server log ingestion (against dynalite)', () => {
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
    const name = `logs-${++table}`;
    await dynamo.createTable(name);
    store = new StateStore(sdkDocuments(dynamo.client), name);
  });

  it('decodes the subscription payload and names the task from the stream', () => {
    const batch = decodeLogsPayload(payload([[0, line('Game server connected')]]));
    expect(batch.logEvents).toHaveLength(1);
    expect(taskIdOfStream(batch.logStream)).toBe('0123456789abcdef');
    expect(() => decodeLogsPayload(Buffer.from('junk').toString('base64'))).toThrow();
  });

  it('records readiness, join code and connected players', async () => {
    const batch = decodeLogsPayload(
      payload([
        [0, line('Game server connected')],
        [1, line('Session "Vikings" registered with join code 482913')],
        [2, line('Got connection SteamID 76561198000000001')],
        [3, 'Nov 23 19:05:00 supervisord: valheim-updater INFO - unrelated'],
      ]),
    );
    expect(await ingestLogBatch(batch, store, silentLogger)).toEqual({ applied: 3, wakeMonitor: true });
    const { presence } = await store.loadPresence();
    expect(presence).toMatchObject({
      taskId: '0123456789abcdef',
      readyAt: T,
      joinCode: '482913',
      peers: ['76561198000000001'],
    });
    expect(logPlayerCount(presence, T + 10)).toBe(1);
  });

  it('wakes the monitor only for news: readiness, a new join code, a failed save, a count of nobody', async () => {
    const ingest = (offset: number, text: string) =>
      ingestLogBatch(decodeLogsPayload(payload([[offset, line(text)]])), store, silentLogger);
    expect((await ingest(0, 'Game server connected')).wakeMonitor).toBe(true);
    expect((await ingest(5, 'Got connection SteamID 76561198000000001')).wakeMonitor).toBe(false);
    expect((await ingest(6, 'Created new join code 654321 for session "Vikings"')).wakeMonitor).toBe(true);
    expect((await ingest(7, 'Error saving world! Disk full')).wakeMonitor).toBe(true);
    expect((await ingest(8, 'Got character ZDOID from Ragnar : 1:1')).wakeMonitor).toBe(false);
    // and the shutdown save, which the stop notice waits for
    expect((await ingest(9, 'World saved ( 812.331ms )')).wakeMonitor).toBe(false);
    expect((await ingest(10, 'Game - OnApplicationQuit')).wakeMonitor).toBe(false);
    expect((await ingest(11, 'World save (5/5) done. Total time [13ms]')).wakeMonitor).toBe(true);
  });

  it('wakes the monitor for a refused mod install (the task is stopped at once) and each player turned away', async () => {
    const ingest = (offset: number, text: string) =>
      ingestLogBatch(decodeLogsPayload(payload([[offset, line(text)]])), store, silentLogger);
    const refused = 'mods: refusing to start: A-B-1.0.0: the zip has SHA-256 00, the lockfile says 11';
    expect((await ingest(0, refused)).wakeMonitor).toBe(true);
    expect((await ingest(1, refused)).wakeMonitor).toBe(false); // the install repeats what the fetch said
    const kick = '[Warning:WardIsLove] Peer (76561198000000009) has incompatible version, disconnecting...';
    expect((await ingest(2, kick)).wakeMonitor).toBe(true);
    expect((await ingest(3, kick)).wakeMonitor).toBe(true); // turned away again: a new line (decide tells once)
  });

  it("wakes the monitor when the game's own count says nobody is on (what an idle stop waits for)", async () => {
    const ingest = (offset: number, text: string) =>
      ingestLogBatch(decodeLogsPayload(payload([[offset, line(text)]])), store, silentLogger);
    await ingest(0, 'Game server connected');
    await ingest(5, 'Got connection SteamID 76561198000000001');
    // A count of players is no news, nor a leave (the derived 0 is no proof); the server's own 0 is, once
    expect((await ingest(600_000, ' Connections 1 ZDOS:130588  sent:0 recv:0')).wakeMonitor).toBe(false);
    expect((await ingest(700_000, 'Closing socket 76561198000000001')).wakeMonitor).toBe(false);
    expect((await ingest(1_200_000, ' Connections 0 ZDOS:130588  sent:0 recv:0')).wakeMonitor).toBe(true);
    expect((await ingest(1_200_000, ' Connections 0 ZDOS:130588  sent:0 recv:0')).wakeMonitor).toBe(false);
  });

  it("folds the start-up lines of the cache's and the game's streams into the task's start marks", async () => {
    // Given the cache container's batch, then the game container's, of the same task
    const cacheStream = 'install-cache/install-cache-unpack/0123456789abcdef';
    await ingestLogBatch(
      decodeLogsPayload(payload([[0, 'install-cache: restored build 20512345 in 17 s']], cacheStream)),
      store,
      silentLogger,
    );
    const { applied } = await ingestLogBatch(
      decodeLogsPayload(
        payload([
          [
            10,
            'Nov 23 19:00:10 supervisord: valheim-updater INFO - Downloading/updating/validating Valheim server from Steam',
          ],
          [
            12,
            'Nov 23 19:00:12 supervisord: valheim-updater  Update state (0x61) downloading, progress: 0.18 (1048576 / 583712014)',
          ],
          [20, 'Nov 23 19:00:20 supervisord: valheim-server INFO - Running Valheim Server'],
          [50, line('Game server connected')],
        ]),
      ),
      store,
      silentLogger,
    );
    // Then every line counted once, and the marks describe the start
    expect(applied).toBe(4);
    const { presence } = await store.loadPresence();
    expect(presence?.start).toEqual({
      cache: 'restored',
      cacheRestoredAt: T,
      updateStartedAt: T + 10,
      downloadBytes: 583_712_014,
      launchedAt: T + 20,
      readyAt: T + 50,
    });
    expect(presence?.readyAt).toBe(T + 50);
  });

  it('loses no event when two batches are processed at the same moment', async () => {
    await ingestLogBatch(
      decodeLogsPayload(payload([[0, line('Game server connected')]])),
      store,
      silentLogger,
    );
    await Promise.all([
      ingestLogBatch(
        decodeLogsPayload(payload([[5, line('Got connection SteamID 76561198000000001')]])),
        store,
        silentLogger,
      ),
      ingestLogBatch(
        decodeLogsPayload(payload([[6, line('Got connection SteamID 76561198000000002')]])),
        store,
        silentLogger,
      ),
    ]);
    const { presence } = await store.loadPresence();
    expect([...(presence?.peers ?? [])].sort()).toEqual(['76561198000000001', '76561198000000002']);
  });

  it('starts afresh for a new task', async () => {
    await ingestLogBatch(
      decodeLogsPayload(payload([[0, line('Got connection SteamID 76561198000000001')]])),
      store,
      silentLogger,
    );
    await ingestLogBatch(
      decodeLogsPayload(payload([[100, line('Game server connected')]], 'valheim/server/fedcba')),
      store,
      silentLogger,
    );
    expect((await store.loadPresence()).presence).toMatchObject({ taskId: 'fedcba', peers: [] });
  });
});
