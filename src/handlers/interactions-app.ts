import type { GameAccess } from '../bot/game.js';
import {
  type CommandContext,
  type CommandStore,
  type CostSettings,
  runButton,
  runValheimCommand,
  type WorldTransfers,
} from '../bot/valheim-command.js';
import { worldAutocomplete } from '../bot/world-command.js';
import type { SpendCache } from '../cost/actual-spend.js';
import { type HttpRequest, type HttpResponse, handleInteractionRequest } from '../discord/endpoint.js';
import { type InteractionLedger, memoryLedger } from '../discord/replay.js';
import { messageResponse } from '../discord/responses.js';
import { importDiscordPublicKey } from '../discord/verify.js';
import { type RollbackPorts, RollbackRefused } from '../game/rollback.js';
import type { Logger } from '../log.js';
import { DEFAULT_LIFECYCLE } from '../monitor/decide.js';
import {
  type PlayerListParameterNames,
  type PlayerListPorts,
  playerListParameterNames,
} from '../players/player-lists.js';
import type { CachedSpend } from '../records/server-state.js';
import type { GameServer } from '../server/game-server.js';
import type { EveningStore } from '../server/scheduled-evening.js';
import type { WorldParameterNames } from '../worlds/active-world.js';
import type { TransferTarget } from '../worlds/transfer-task.js';
import type { WorldsPorts } from '../worlds/worlds.js';
import type { GameRollbackTarget } from './aws-backends.js';
import type { CommandSettings, InteractionsEnvironment, LogFilterTarget } from './environment.js';

type CostTag = { readonly key: string; readonly value: string };

export type InteractionsApp = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * Where commands reach AWS. Each defaults to the light AWS client (./aws-backends.ts), loaded with import()
 * by the first request that passes the cheap checks: a PING or junk never waits for it.
 */
export interface InteractionsBackends {
  readonly gameServer: (cluster: string, service: string) => Promise<GameServer>;
  readonly stateStore: (tableName: string) => Promise<CommandStore>;
  readonly password: (parameterName: string) => Promise<string | undefined>;
  readonly spend: (tag: CostTag, cache: SpendCache, signal: AbortSignal) => Promise<CachedSpend>;
  /** The world-transfer task (/valheim backup), on the game server's ECS client. */
  readonly worldTransfers: (target: TransferTarget) => Promise<WorldTransfers>;
  /** The scheduled evenings' records and the ledger (`/valheim schedule`). */
  readonly eveningStore: (tableName: string) => Promise<EveningStore>;
  /** Replaces the server log's subscription filter pattern (`/valheim feed` mutes). */
  readonly putLogFilter: (target: LogFilterTarget, pattern: string, signal: AbortSignal) => Promise<void>;
  /** Answered interaction ids (replay protection), in the state table. */
  readonly interactionLedger: (tableName: string) => Promise<InteractionLedger>;
  /** The game branch parameter (/valheim game branch). */
  readonly gameSetting: (parameter: string) => Promise<RollbackPorts['setting']>;
  /** What the Roll back… button's dry-run reads. */
  readonly gameRollback: (target: GameRollbackTarget) => Promise<RollbackPorts>;
  /** The world catalog and the ledger (state table) and the active world's parameters (SSM). */
  readonly worlds: (
    tableName: string,
    parameters: WorldParameterNames,
  ) => Promise<Pick<WorldsPorts, 'catalog' | 'active' | 'ledger'>>;
  /** The admin, ban and permitted lists (SSM) and their lock (state table), for `/valheim access`. */
  readonly playerLists: (tableName: string, names: PlayerListParameterNames) => Promise<PlayerListPorts>;
  /** Resolves credentials and endpoints ahead of the first call (overlapping the signature check). */
  readonly prepare?: () => Promise<void>;
}

export interface InteractionsAppOptions {
  readonly environment: InteractionsEnvironment;
  readonly log: Logger;
  readonly backends?: Partial<InteractionsBackends>;
  /** The clock of the commands and of the signed-timestamp check. @default the system clock */
  readonly now?: () => Date;
}

/** The light client's backends, one small chunk, imported once. */
const awsBackends = lazy(async () => (await import('./aws-backends.js')).awsBackends);

const AWS_BACKENDS: InteractionsBackends = {
  gameServer: async (cluster, service) => (await awsBackends()).gameServer(cluster, service),
  stateStore: async (table) => (await awsBackends()).stateStore(table),
  password: async (name) => (await awsBackends()).password(name),
  spend: async (tag, cache, signal) => (await awsBackends()).spend(tag, cache, signal),
  worldTransfers: async (target) => (await awsBackends()).worldTransfers(target),
  interactionLedger: async (table) => (await awsBackends()).interactionLedger(table),
  gameSetting: async (parameter) => (await awsBackends()).gameSetting(parameter),
  gameRollback: async (target) => (await awsBackends()).gameRollback(target),
  eveningStore: async (table) => (await awsBackends()).eveningStore(table),
  playerLists: async (table, names) => (await awsBackends()).playerLists(table, names),
  putLogFilter: async (target, pattern, signal) =>
    (await awsBackends()).putLogFilter(target, pattern, signal),
  worlds: async (table, parameters) => (await awsBackends()).worlds(table, parameters),
  prepare: async () => (await awsBackends()).prepare?.(),
};

/** Caches a lazily created resource; a failed creation is retried by the next request. */
function lazy<T>(create: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= create().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}

/**
 * The interactions endpoint, wired from its environment: what both the Lambda handler and `valheim serve`
 * run, so a local test exercises the deployed code path.
 */
export function createInteractionsApp(options: InteractionsAppOptions): InteractionsApp {
  const { environment, log } = options;
  const publicKey = importDiscordPublicKey(environment.publicKeyHex);
  const backends = { ...AWS_BACKENDS, ...options.backends };
  const settings = environment.commands;
  const context = settings ? commandContext(settings, backends, log, options.now) : undefined;
  if (settings?.worldTransferProblems) {
    log.warn('world backups from Discord are off', { problems: settings.worldTransferProblems });
  }

  const misconfigured = () => {
    // The details name settings and resources: they go to the log, not to whoever pressed a button.
    log.error('endpoint misconfigured', { problems: environment.problems });
    return messageResponse(MISCONFIGURED_MESSAGE, { ephemeral: true });
  };
  const clock = options.now ?? (() => new Date());
  const stateTable = settings?.stateTable;
  // Without the state table (a bare `valheim serve`) the one process remembers the ids itself.
  const ledger = stateTable
    ? lazy(() => backends.interactionLedger(stateTable))
    : lazy(async () => memoryLedger(() => clock().getTime()));
  const replay = { nowSeconds: () => Math.floor(clock().getTime() / 1000), ledger };

  // Once per process, and only for an endpoint that runs commands: a failure shows up in the first call.
  let prepared = false;
  const prepare = () => {
    if (prepared || !context) return;
    prepared = true;
    backends.prepare?.().catch(() => undefined);
  };

  return (request) =>
    handleInteractionRequest(
      request,
      publicKey,
      {
        command: async (interaction, claimed) =>
          context ? runValheimCommand(interaction, context, claimed) : misconfigured(),
        component: async (interaction, claimed) =>
          context ? runButton(interaction, context, claimed) : misconfigured(),
        autocomplete: async (interaction) => worldAutocomplete(interaction, context ?? NO_WORLDS),
        prepare,
      },
      log,
      replay,
    );
}

/** Without command settings there is nothing to suggest. */
const NO_WORLDS = {
  guildId: '',
  operatorRoleIds: [],
  budgetMs: 0,
  now: () => new Date(),
  log: { info: () => {}, warn: () => {}, error: () => {} },
} as const;

export const MISCONFIGURED_MESSAGE =
  "The bot's settings are incomplete, so it cannot do this yet. Ask whoever set it up to look at its log and redeploy.";

function commandContext(
  settings: CommandSettings,
  backends: InteractionsBackends,
  log: Logger,
  now: (() => Date) | undefined,
): CommandContext {
  const { stateTable, passwordParameter, costTag, worldTransfer, worlds } = settings;
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const clock = now ?? (() => new Date());
  const server = lazy(() => backends.gameServer(settings.cluster, settings.service));
  const worldsPorts =
    stateTable && worlds
      ? lazy(async () => ({
          ...(await backends.worlds(stateTable, { name: worlds.nameParameter, args: worlds.argsParameter })),
          gameActive: async (signal?: AbortSignal) =>
            (await (await server()).status(signal ?? AbortSignal.timeout(settings.budgetMs))).state !==
            'stopped',
          firstWorld: worlds.firstWorld,
          now: clock,
        }))
      : undefined;
  return {
    ...(worldsPorts &&
      worlds && {
        worlds: worldsPorts,
        ...(worlds.idleUsdPerGb !== undefined && { worldIdleUsdPerGb: worlds.idleUsdPerGb }),
      }),
    ...(stateTable &&
      settings.playerListsPrefix && {
        playerLists: lazy(() =>
          backends.playerLists(stateTable, playerListParameterNames(settings.playerListsPrefix as string)),
        ),
      }),
    ...(worldTransfer && {
      worldTransfers: {
        worldName: worldTransfer.worldName,
        tasks: lazy(() =>
          backends.worldTransfers({
            cluster: settings.cluster,
            gameService: settings.service,
            taskDefinition: worldTransfer.taskDefinition,
            subnets: worldTransfer.subnets,
            securityGroups: worldTransfer.securityGroups,
            bucket: worldTransfer.bucket,
          }),
        ),
      },
    }),
    ...(settings.worldTransferProblems && { worldTransferProblems: settings.worldTransferProblems }),
    ...(settings.gameBranchParameter && {
      game: gameAccess(settings, settings.gameBranchParameter, backends, worldsPorts),
    }),
    server,
    ...(stateTable && { store: lazy(() => backends.stateStore(stateTable)) }),
    ...(passwordParameter && { password: () => backends.password(passwordParameter) }),
    ...(stateTable && {
      cost: {
        region,
        fixedMonthly: settings.costFixedMonthly ?? 0,
        ...(settings.costMonthlyLimit !== undefined && { monthlyLimitUsd: settings.costMonthlyLimit }),
        ...(costTag && { spend: (cache, signal) => backends.spend(costTag, cache, signal) }),
      } satisfies CostSettings,
    }),
    ...(settings.schedule &&
      stateTable && {
        schedule: {
          openings: settings.schedule.start,
          timeZone: settings.schedule.timeZone,
          store: lazy(() => backends.eveningStore(stateTable)),
        },
      }),
    ...(settings.feedKinds && {
      feed: {
        kinds: settings.feedKinds,
        ...(settings.logFilter && {
          applyFilter: (pattern: string, signal: AbortSignal) =>
            backends.putLogFilter(settings.logFilter as LogFilterTarget, pattern, signal),
        }),
      },
    }),
    passwordVisibleTo: settings.passwordVisibleTo,
    guildId: settings.guildId,
    operatorRoleIds: settings.operatorRoleIds,
    lifecycle: {
      ...DEFAULT_LIFECYCLE,
      idleStopMinutes: settings.idleStopMinutes,
      emptyStopMinutes: settings.emptyStopMinutes,
    },
    ...(settings.mods && { mods: settings.mods }),
    ...(settings.worldName && { worldName: settings.worldName }),
    budgetMs: settings.budgetMs,
    now: clock,
    log,
  };
}

/** /valheim game branch and the Roll back… button: the branch parameter, and what a rollback plan reads. */
function gameAccess(
  settings: CommandSettings,
  parameter: string,
  backends: InteractionsBackends,
  /** The worlds (a rollback restores the active one); absent: the stack's one world. */
  worlds: (() => Promise<WorldsPorts>) | undefined,
): GameAccess {
  const { stateTable, worldTransfer } = settings;
  return {
    setting: lazy(() => backends.gameSetting(parameter)),
    rollback: async () => {
      if (!stateTable || !worldTransfer) {
        throw new RollbackRefused(
          'this deployment does not tell the bot where the game record and the world bucket are',
          'run npx valheim game rollback --dry-run instead, or deploy the current version (npm run deploy)',
        );
      }
      return backends.gameRollback({
        parameter,
        stateTable,
        bucket: worldTransfer.bucket,
        activeWorld: async (signal) => {
          if (!worlds) return worldTransfer.worldName;
          const { activeWorldOf } = await import('../worlds/worlds.js');
          return (await activeWorldOf(await worlds(), signal)).name;
        },
        cluster: settings.cluster,
        service: settings.service,
      });
    },
  };
}
