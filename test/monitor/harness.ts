import { afterAll, beforeAll } from 'vitest';
import { sdkDocuments } from '../../src/aws/sdk-dynamodb.js';
import { DiscordRest, type DiscordRestOptions } from '../../src/discord/rest-client.js';
import type { Logger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import { discordNotifier } from '../../src/monitor/discord-notifier.js';
import type { MonitorPorts, MonitorSettings } from '../../src/monitor/monitor.js';
import { StateStore } from '../../src/monitor/state-store.js';
import { queryInfo } from '../../src/players/a2s.js';
import type { ServerStatus, TaskSnapshot } from '../../src/server/server-status.js';
import {
  type FakeDiscord,
  type FakeResponse,
  type RecordedRequest,
  startFakeDiscord,
} from '../cli/fake-discord.js';
import { type Responder, startA2sResponder } from '../support/a2s-responder.js';
import { type LocalDynamo, startDynalite } from '../support/dynalite.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeGameServer, RUNNING } from '../support/fake-game-server.js';

/**
 * The monitor's test harness: the loopback stand-ins (dynalite, the Discord fake, an A2S responder) started
 * once per file, and for each test a fresh state table, a game server the test scripts, recorded side effects
 * (polling, DNS, log lines) and the monitor's ports wired to the real code around it: the DynamoDB state
 * store, the Discord REST client and notifier, the A2S client. The Discord client's retries run on a fake
 * clock: a test of notices under Discord faults does not wait out backoffs.
 */

export const MINUTE = 60_000;
export const T0 = Date.parse('2026-11-23T19:00:00Z');
export const APP = '123456789012345678';
export const CHANNEL = '678901234567890123';
/** Who ran /valheim start. */
export const STARTER = '345678901234567890';
/** The start reply on the Discord fake: its edit and its follow-ups; and the notice channel. */
export const REPLY_PATH = `/api/v10/webhooks/${APP}/start-token/messages/@original`;
export const FOLLOW_UP_PATH = `/api/v10/webhooks/${APP}/start-token`;
export const CHANNEL_PATH = `/api/v10/channels/${CHANNEL}/messages`;
export const OK: FakeResponse = { status: 200, body: {} };

/** Public, on demand, 2 vCPU / 8 GiB, the default lifecycle and notices. */
export const SETTINGS: MonitorSettings = {
  public: true,
  crossplay: false,
  lifecycle: DEFAULT_LIFECYCLE,
  task: { cpu: 2048, memoryMiB: 8192, spot: false },
  notices: { crossplay: false, idleStopMinutes: 15, emptyStopMinutes: 30 },
};

const RUNNING_TASK = RUNNING.task as TaskSnapshot;

/** The game task on its way up (ECS: desired 1, one pending task), with these task fields. */
export const starting = (task: Partial<TaskSnapshot> = {}): ServerStatus => ({
  state: 'starting',
  desiredCount: 1,
  runningCount: 0,
  pendingCount: 1,
  task: { ...RUNNING_TASK, lastStatus: 'PENDING', ...task },
});
export const STARTING = starting();

/** What /valheim start leaves in the state table: the reply to edit once the server is ready. */
export async function startedByCommand(store: StateStore, createdAt = T0): Promise<void> {
  await store.save({ phase: 'stopped' }, 0, {
    startReply: { applicationId: APP, token: 'start-token', createdAt, userId: STARTER },
  });
}

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

export interface FixtureOptions {
  /** What ECS says until the test sets `server.current`. */
  readonly status: ServerStatus;
  /** The monitor's clock (the test moves it). */
  readonly now: () => number;
  /** The Discord client's per-request timeout and retry budget (retries wait on a fake clock). */
  readonly rest?: Pick<DiscordRestOptions, 'timeoutMs' | 'retryBudgetMs'>;
  /** How long the A2S query waits. @default 1000 ms (roomy for a loaded machine) */
  readonly queryTimeoutMs?: number;
  /** Ports that replace or add to the wired ones (snapshots, start progress, a scripted query …). */
  readonly ports?: (fixture: Omit<MonitorFixture, 'ports'>) => Partial<MonitorPorts>;
}

/** One test's world. */
export interface MonitorFixture {
  readonly dynamo: LocalDynamo;
  readonly discord: FakeDiscord;
  /** The A2S responder the query asks (its `options` are reset to no players for each test). */
  readonly a2s: Responder;
  readonly tableName: string;
  readonly store: StateStore;
  readonly server: FakeGameServer;
  /** "polling on|off", "dns upsert|remove <ip>", in order. */
  readonly events: string[];
  readonly logged: LogEntry[];
  readonly log: Logger;
  /** The Discord client the notices go through. */
  readonly rest: DiscordRest;
  /** The notifier as the monitor Lambda builds it, posting to `channel` (none: no notice channel). */
  notifier(channel: string | undefined): MonitorPorts['notify'];
  readonly ports: MonitorPorts;
}

export interface MonitorHarness {
  /** A fresh table, server, recordings and ports; Discord's request log cleared and its routes answering 200. */
  fresh(options: FixtureOptions): Promise<MonitorFixture>;
}

/** Starts the stand-ins before the file's tests (call at the top of a describe) and closes them after. */
export function monitorHarness(): MonitorHarness {
  let dynamo: LocalDynamo;
  let discord: FakeDiscord;
  let a2s: Responder;
  let tables = 0;

  beforeAll(async () => {
    [dynamo, discord, a2s] = await Promise.all([
      startDynalite(),
      startFakeDiscord(),
      startA2sResponder({ players: [] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([dynamo?.close(), discord?.close(), a2s?.close()]);
  });

  return {
    async fresh(options) {
      const tableName = `monitor-${++tables}`;
      await dynamo.createTable(tableName);
      const store = new StateStore(sdkDocuments(dynamo.client), tableName);
      const server = new FakeGameServer(options.status);
      const events: string[] = [];
      const logged: LogEntry[] = [];
      const record = (level: LogEntry['level']) => (message: string, fields?: Record<string, unknown>) =>
        void logged.push({ level, message, fields });
      const log: Logger = { info: record('info'), warn: record('warn'), error: record('error') };
      discord.requests.length = 0;
      for (const [method, path] of [
        ['PATCH', REPLY_PATH],
        ['POST', FOLLOW_UP_PATH],
        ['POST', CHANNEL_PATH],
      ] as const) {
        discord.reply(method, path, OK);
      }
      a2s.options = { players: [] };
      const retries = new FakeClock();
      const rest = new DiscordRest({
        baseUrl: `${discord.apiUrl}/v10`,
        botToken: async () => 'bot-token',
        ...options.rest,
        now: retries.now,
        sleep: retries.sleep,
      });
      const notifier = (channel: string | undefined) =>
        discordNotifier({ rest, ...(channel && { noticeChannelId: channel }), now: options.now, log });
      const base = { dynamo, discord, a2s, tableName, store, server, events, logged, log, rest, notifier };
      const ports: MonitorPorts = {
        server,
        store,
        // the real A2S client against the loopback responder
        queryPlayers: async (_host, signal) =>
          (await queryInfo('127.0.0.1', a2s.port, { timeoutMs: options.queryTimeoutMs ?? 1000, signal }))
            .players,
        notify: notifier(CHANNEL),
        dns: {
          upsert: async (ip) => void events.push(`dns upsert ${ip}`),
          remove: async (ip) => void events.push(`dns remove ${ip}`),
        },
        polling: {
          enable: async () => void events.push('polling on'),
          disable: async () => void events.push('polling off'),
        },
        now: options.now,
        log,
        ...options.ports?.(base),
      };
      return { ...base, ports };
    },
  };
}

/** The Discord fake's requests to exactly `method path`. */
export const requestsTo = (discord: FakeDiscord, method: string, path: string): RecordedRequest[] =>
  discord.requests.filter((request) => request.method === method && request.path === path);

/** A message request's text ('' when it has none). */
export const contentOf = (request: RecordedRequest | { body: unknown } | undefined): string =>
  (request?.body as { content?: string } | undefined)?.content ?? '';
