import type {
  APIApplicationCommandInteractionDataOption,
  APIChatInputApplicationCommandInteraction,
  APIInteractionResponse,
  APIMessageComponentInteraction,
} from 'discord-api-types/v10';
import type { SpendCache } from '../cost/actual-spend.js';
import { budgetLevel, budgetShare } from '../cost/budget.js';
import { monthRange, monthToDate } from '../cost/month.js';
import { monthPlayers } from '../cost/month-players.js';
import { dailyPlayHours, playChart } from '../cost/play-chart.js';
import { DeadlineExceededError, withDeadline } from '../deadline.js';
import { COMMAND_NAME, isSubcommand, OPERATOR_SUBCOMMANDS, type Subcommand } from '../discord/commands.js';
import {
  BUTTON_IDS,
  boardButtonAction,
  buttonAction,
  buttonRow,
  REFRESH_AS_NEW_MESSAGE_ID,
  START_OVER_BUDGET_ID,
  startOverBudgetRow,
  startReplyRow,
} from '../discord/components.js';
import { OptionType } from '../discord/constants.js';
import { type InteractionClaim, InteractionNotClaimedError } from '../discord/replay.js';
import { messageResponse } from '../discord/responses.js';
import type { Logger } from '../log.js';
import { claimBasis, isRepeatClaim } from '../monitor/claims.js';
import { idleStopAt, type LifecycleSettings } from '../monitor/decide.js';
import { startStatusLines } from '../monitor/start-progress.js';
import type { StoredState } from '../monitor/state-store.js';
import type { LogPresence } from '../players/log-presence.js';
import type { PlayerListPorts } from '../players/player-lists.js';
import { isFeedKind } from '../records/feed.js';
import type { DecodedModList } from '../records/mod-list.js';
import type { StartReply } from '../records/notice.js';
import type { CachedSpend, ChangeClaim } from '../records/server-state.js';
import type { SessionRecord } from '../records/session.js';
import type { GameServer } from '../server/game-server.js';
import { type SnapshotTasks, startWorldSnapshot } from '../worlds/start-snapshot.js';
import type { WorldsPorts } from '../worlds/worlds.js';
import { mayOperate } from './access.js';
import { accessCallOf, claimedPlayerLists, playerListsLine, runAccessCommand } from './access-command.js';
import { describeFailure } from './aws-errors.js';
import { type FeedAction, type FeedControl, type FeedRequest, feedReply } from './feed-command.js';
import { type GameAccess, gameBranchCallOf, gameBranchReply, rollbackPreviewReply } from './game.js';
import { keepRunningPending, keepRunningReply, NO_STATE_MESSAGE } from './keep-running.js';
import {
  alreadyMessage,
  BACKUP_ALREADY_RUNNING_MESSAGE,
  BACKUP_NOT_SET_UP_MESSAGE,
  backupMisconfiguredMessage,
  backupStartedMessage,
  budgetOverrideLine,
  budgetRefusedMessage,
  budgetWarningLine,
  CONCURRENT_CHANGE_MESSAGE,
  costMessage,
  NO_LEDGER_MESSAGE,
  NO_PASSWORD_MESSAGE,
  NOT_IN_GUILD_MESSAGE,
  passwordMessage,
  refusedMessage,
  type SpendShown,
  startingMessage,
  statusMessage,
  stoppingMessage,
  TRANSFER_RUNNING_START_MESSAGE,
  unknownCommandMessage,
} from './messages.js';
import { modsMessage } from './mods-reply.js';
import {
  queuedStartCancelledMessage,
  queuedStartMessage,
  queueStartBehindTransfer,
  type StartQueue,
} from './queued-start.js';
import { type ScheduleControl, scheduleReply } from './schedule-command.js';
import {
  activeWorldName,
  claimedWorlds,
  runStopAndSwitch,
  runWorldCommand,
  startOnWorld,
  stopAndSwitchTarget,
  worldCallOf,
} from './world-command.js';
import { activeWorldLine } from './world-messages.js';

/** The part of the state store a command needs: read, and write only if nobody wrote meanwhile. */
export interface CommandStore extends SpendCache {
  load(signal?: AbortSignal): Promise<StoredState>;
  save(
    state: StoredState['state'],
    expectedVersion: number,
    options?: { startReply?: StartReply | null; claim?: ChangeClaim | null; signal?: AbortSignal },
  ): Promise<boolean>;
  sessions(from: Date, to: Date, signal?: AbortSignal): Promise<SessionRecord[]>;
  /** Keeps the `/valheim backup` reply, for the monitor to follow up on when the snapshot is done. */
  saveBackupReply(snapshotId: string, reply: StartReply, signal?: AbortSignal): Promise<void>;
  /** What the server log said (the start's phases come from it). */
  loadPresence?(signal?: AbortSignal): Promise<{ presence?: LogPresence; version: number }>;
  /** `/valheim feed`: mutes or unmutes a kind of the activity feed; resolves with the kinds muted. */
  setFeedMuted?(
    kind: FeedRequest['kind'] & string,
    muted: boolean,
    signal?: AbortSignal,
  ): Promise<NonNullable<StoredState['feedMuted']>[number][]>;
  /** A start queued behind a world transfer (./queued-start.ts); absent: such a start is refused. */
  queueStart?: StartQueue['queueStart'];
  dropQueuedStart?: StartQueue['dropQueuedStart'];
  /** Takes any queued start off the queue; true when there was one. */
  cancelQueuedStart?(signal?: AbortSignal): Promise<boolean>;
}

/** The world-transfer task, as a snapshot started from Discord needs it (src/worlds/start-snapshot.ts). */
export type WorldTransfers = SnapshotTasks;

/** `/valheim backup`: the world it snapshots, and the task that does it. */
export interface WorldTransferAccess {
  readonly worldName: string;
  /** A function so the ECS client is loaded only by requests that need it. */
  readonly tasks: () => Promise<WorldTransfers>;
}

/** What /valheim cost needs besides the ledger. */
export interface CostSettings {
  readonly region: string;
  /** The always-on items (storage, backups, DNS) per month, estimated when the stack was built. */
  readonly fixedMonthly: number;
  /** Reads the actual month-to-date spend (Cost Explorer, cached); absent when not enabled. */
  readonly spend?: (cache: SpendCache, signal: AbortSignal) => Promise<CachedSpend>;
  /** The budget guard: /valheim start is refused once the month's estimate has passed it. */
  readonly monthlyLimitUsd?: number;
}

export interface CommandContext {
  /** The game server; a function so the AWS client is loaded only by requests that need it. */
  readonly server: () => Promise<GameServer>;
  /** The bot's shared state; absent when the endpoint runs without the monitor (e.g. a bare `valheim serve`). */
  readonly store?: () => Promise<CommandStore>;
  /** Reads the server password (SSM); absent when not configured. */
  readonly password?: () => Promise<string | undefined>;
  /** Who may see the password. */
  readonly passwordVisibleTo: 'members' | 'operators';
  /** The one guild this bot serves. */
  readonly guildId: string;
  /** Roles allowed to start and stop; empty (or the @everyone role) means every member of the guild. */
  readonly operatorRoleIds: readonly string[];
  /** Idle-stop settings, to show the countdown in status. */
  readonly lifecycle: LifecycleSettings;
  /** Cost reporting; absent when the endpoint runs without the state table. */
  readonly cost?: CostSettings;
  /** World snapshots from Discord (and the start check against transfers); absent when not set up. */
  readonly worldTransfers?: WorldTransferAccess;
  /** Why world snapshots are off although they were meant to be set up. */
  readonly worldTransferProblems?: readonly string[];
  /** The game branch and rollback previews; absent when not wired. */
  readonly game?: GameAccess;
  /** The activity feed (`/valheim feed`); absent when the stack has none. */
  readonly feed?: FeedControl;
  /** Scheduled game nights (`/valheim schedule`); absent without start times. */
  readonly schedule?: ScheduleControl;
  /** The admin, ban and permitted lists (`/valheim access`, and status for operators); absent on older stacks. */
  readonly playerLists?: () => Promise<PlayerListPorts>;
  /** The worlds (/valheim world …, the world named by start and status); absent on older stacks. */
  readonly worlds?: () => Promise<WorldsPorts>;
  /** What a world costs a month per GB while nobody plays, for /valheim world list. */
  readonly worldIdleUsdPerGb?: number;
  /** What `/valheim mods` lists (the deploy's MODS_LIST); absent for a vanilla server. */
  readonly mods?: DecodedModList;
  /** The configured world, whose own mod list (if it has one) `/valheim mods` shows first. */
  readonly worldName?: string;
  /** Time allowed for AWS before answering anyway (Discord wants an answer within 3 s). */
  readonly budgetMs: number;
  readonly now: () => Date;
  readonly log: Logger;
}

/** What each action does, for error messages ("… while trying to <what>"). */
const DESCRIPTIONS: Record<Subcommand, string> = {
  start: 'start the server',
  stop: 'stop the server',
  status: 'check the server',
  password: 'read the password',
  cost: 'work out the cost',
  backup: 'back up the world',
  'keep-running': 'keep the server running',
  feed: 'change the activity feed',
  schedule: 'read the schedule',
  mods: 'list the mods',
};

/** Cost Explorer gets at most this long; without it the reply still has the estimate. */
const SPEND_BUDGET_MS = 1200;

type Member = NonNullable<APIChatInputApplicationCommandInteraction['member']>;

interface Request {
  readonly action: Subcommand;
  readonly guildId: string | undefined;
  readonly member: Member | undefined;
  readonly applicationId: string;
  readonly token: string;
  /** A Refresh click updates the message it is on. */
  readonly updateMessage: boolean;
  /** A Refresh click on the start reply answers the clicker alone, leaving the reply's history in place. */
  readonly privateStatus?: boolean;
  /** An operator clicked "Start anyway" under a start the budget guard refused: this one start passes. */
  readonly overrideBudget?: boolean;
  /** The subcommand's string options (`/valheim feed action:mute kind:deaths`). */
  readonly options?: Readonly<Record<string, string>>;
}

/**
 * Runs `/valheim <subcommand>` and returns the reply; never throws. With `claimed` (the endpoint's record of
 * the interaction id), reads start at once and every write waits for the record (`claimedWrites`).
 */
export async function runValheimCommand(
  interaction: APIChatInputApplicationCommandInteraction,
  given: CommandContext,
  claimed?: InteractionClaim,
): Promise<APIInteractionResponse> {
  const context = claimed ? claimedWrites(given, claimed) : given;
  const gameBranch = gameBranchCallOf(interaction);
  if (gameBranch) {
    return gameBranchReply(
      { guildId: interaction.guild_id, member: interaction.member, ...gameBranch },
      context,
    );
  }
  const worldCall = worldCallOf(interaction);
  if (worldCall) return runWorldCommand(interaction, worldCall, context);
  const accessCall = accessCallOf(interaction);
  if (accessCall) return runAccessCommand(interaction, accessCall, context);
  const subcommand = subcommandOf(interaction);
  if (!subcommand) {
    const name = [interaction.data.name, interaction.data.options?.[0]?.name].filter(Boolean).join(' ');
    return messageResponse(unknownCommandMessage(`/${name}`), { ephemeral: true });
  }
  return perform(
    {
      action: subcommand,
      guildId: interaction.guild_id,
      member: interaction.member,
      applicationId: interaction.application_id,
      token: interaction.token,
      updateMessage: false,
      options: stringOptions(interaction),
    },
    context,
  );
}

/** Runs a button click (Start / Stop / Refresh) with the same checks as the command; never throws. */
export async function runButton(
  interaction: APIMessageComponentInteraction,
  given: CommandContext,
  claimed?: InteractionClaim,
): Promise<APIInteractionResponse> {
  const context = claimed ? claimedWrites(given, claimed) : given;
  if (interaction.data.custom_id === BUTTON_IDS.rollback) return rollbackPreviewReply(interaction, context);
  const switchTo = stopAndSwitchTarget(interaction.data.custom_id);
  if (switchTo) {
    return runStopAndSwitch(interaction, switchTo, context, () =>
      perform(
        {
          action: 'stop',
          guildId: interaction.guild_id,
          member: interaction.member,
          applicationId: interaction.application_id,
          token: interaction.token,
          updateMessage: false,
        },
        context,
      ),
    );
  }
  const privateStatus = interaction.data.custom_id === REFRESH_AS_NEW_MESSAGE_ID;
  const overrideBudget = interaction.data.custom_id === START_OVER_BUDGET_ID;
  // A click on the status board answers with a new message: the board itself is the monitor's to edit.
  const onBoard = boardButtonAction(interaction.data.custom_id);
  if (onBoard) {
    return perform(
      {
        action: onBoard === 'keepRunning' ? 'keep-running' : onBoard,
        guildId: interaction.guild_id,
        member: interaction.member,
        applicationId: interaction.application_id,
        token: interaction.token,
        updateMessage: false,
        privateStatus: onBoard === 'status',
      },
      context,
    );
  }
  const action = privateStatus
    ? 'status'
    : overrideBudget
      ? 'start'
      : buttonAction(interaction.data.custom_id);
  // (Roll back… is answered above, before these.)
  if (!action || action === 'rollback') {
    return messageResponse('This button is no longer supported. Use `/valheim status` instead.', {
      ephemeral: true,
    });
  }
  return perform(
    {
      // Keep running follows the rules of Start and Stop (this guild, an operator role when roles are set),
      // as a button and as `/valheim keep-running`.
      action: action === 'keepRunning' ? 'keep-running' : action,
      guildId: interaction.guild_id,
      member: interaction.member,
      applicationId: interaction.application_id,
      token: interaction.token,
      updateMessage: (action === 'status' && !privateStatus) || action === 'keepRunning',
      privateStatus,
      ...(overrideBudget && { overrideBudget }),
    },
    context,
  );
}

async function perform(request: Request, context: CommandContext): Promise<APIInteractionResponse> {
  const { action, member } = request;
  if (request.guildId !== context.guildId || !member) {
    return messageResponse(NOT_IN_GUILD_MESSAGE, { ephemeral: true });
  }
  const mustOperate =
    OPERATOR_SUBCOMMANDS.has(action) || (action === 'password' && context.passwordVisibleTo === 'operators');
  if (mustOperate && !mayOperate(member, context)) {
    return messageResponse(refusedMessage(context.operatorRoleIds, action), { ephemeral: true });
  }
  const userId = member.user.id;
  const what = DESCRIPTIONS[action];
  if (action === 'mods') return modsReply(context);
  try {
    return await withDeadline(context.budgetMs, async (signal) => {
      if (action === 'password') {
        const password = await context.password?.();
        return messageResponse(password ? passwordMessage(password) : NO_PASSWORD_MESSAGE, {
          ephemeral: true,
        });
      }
      if (action === 'cost') return await costReply(context, signal);
      if (action === 'keep-running') {
        if (!context.store) return messageResponse(NO_STATE_MESSAGE, { ephemeral: true });
        return await keepRunningReply(await context.store(), userId, context.now(), context.log, signal, {
          update: request.updateMessage,
        });
      }
      if (action === 'backup') return await backupReply(request, context, signal);
      if (action === 'feed') return await feedCommand(request, context, signal);
      if (action === 'schedule') {
        const given = request.options?.action;
        return await scheduleReply(
          {
            action: given === 'skip' || given === 'unskip' ? given : 'show',
            operator: mayOperate(member, context),
            userId,
          },
          context.schedule,
          context.now().getTime(),
          context.log,
        );
      }
      if (action !== 'start' && action !== 'stop' && action !== 'status') {
        return messageResponse(unknownCommandMessage(`/valheim ${action}`), { ephemeral: true });
      }
      // A start also checks for a world transfer: one ListTasks call, alongside the status.
      const checkTransfers = action === 'start' ? context.worldTransfers : undefined;
      const [server, store, transfers, worlds] = await Promise.all([
        context.server(),
        context.store?.(),
        checkTransfers?.tasks(),
        action === 'status' || action === 'start' ? context.worlds?.() : undefined,
      ]);
      // A start also checks the budget guard, when set: one ledger query, alongside the status.
      const limit = action === 'start' ? context.cost?.monthlyLimitUsd : undefined;
      // Operators see in status how many are on the lists the next start applies (never the ids: it is public).
      const lists =
        action === 'status' && context.playerLists && mayOperate(member, context)
          ? playerListsLine(context.playerLists, context.log, signal)
          : undefined;
      const [status, stored, transferTasks, month, world, listsLine] = await Promise.all([
        server.status(signal),
        store?.load(signal),
        transfers?.inProgress(signal),
        limit !== undefined && store && context.cost
          ? monthSoFar(store, context.cost, context.now(), signal)
          : undefined,
        // The world it runs (the start reply and the status name it); a failure only leaves the line out.
        worlds ? activeWorldName(worlds, context.log, signal) : undefined,
        lists,
      ]);
      const now = context.now();

      if (action === 'status') {
        const idleAt =
          stored && status.state === 'running' ? idleStopAt(stored.state, context.lifecycle) : undefined;
        const starting = stored?.state.phase === 'starting' && status.state !== 'stopped';
        const presence = starting ? (await store?.loadPresence?.(signal))?.presence : undefined;
        const startLine = starting
          ? startStatusLines(status.task, presence, stored.state, stored.startReply, now.getTime())
          : undefined;
        // A limit warning waiting for an answer keeps its Keep running wherever the status shows: a Refresh on
        // the warning (by anyone) replaces the message, and must not take the one control away.
        const keep =
          stored !== undefined &&
          (status.state === 'running' || status.state === 'starting') &&
          keepRunningPending(stored.state);
        const lines = [statusMessage(status, now, stored?.state, idleAt, startLine)];
        if (world) lines.push(activeWorldLine(world, status.state !== 'stopped'));
        if (listsLine) lines.push(listsLine);
        return messageResponse(lines.join('\n'), {
          components: [
            buttonRow(
              ...(keep ? (['keepRunning'] as const) : []),
              status.state === 'stopped' ? 'start' : 'stop',
              'status',
            ),
          ],
          update: request.updateMessage,
          ...(request.privateStatus && { ephemeral: true }),
        });
      }

      const wanted = action === 'start' ? 1 : 0;
      const alreadyThere =
        wanted === 1 ? status.state !== 'stopped' : status.state === 'stopped' || status.state === 'stopping';
      if (alreadyThere) {
        // A stop while a start waits for a world transfer: that start is called off, so it never comes later.
        if (wanted === 0 && status.state === 'stopped' && (await store?.cancelQueuedStart?.(signal))) {
          context.log.info('queued start cancelled by a stop', { userId });
          return messageResponse(queuedStartCancelledMessage(userId));
        }
        return messageResponse(alreadyMessage(status, action, stored?.state), { ephemeral: true });
      }
      const budget = month && limit !== undefined ? budgetLevel(month.total, limit) : 'ok';
      if (month && limit !== undefined && budget === 'over' && !request.overrideBudget) {
        context.log.info('start refused: over the monthly limit', { userId, total: month.total, limit });
        return messageResponse(budgetRefusedMessage(budgetShare(month, limit), context.operatorRoleIds), {
          components: [startOverBudgetRow()],
        });
      }
      // A restore writing the world while the game boots would corrupt it; a snapshot would copy a moving world.
      // So a start waits for the transfer (right after a stop: the session-end snapshot), queued for the monitor.
      if (wanted === 1 && transferTasks && transferTasks.length > 0) {
        const { queueStart, dropQueuedStart } = store ?? {};
        if (!transfers || !queueStart || !dropQueuedStart) {
          context.log.info('start refused: world transfer running', { userId, tasks: transferTasks });
          return messageResponse(TRANSFER_RUNNING_START_MESSAGE, { ephemeral: true });
        }
        const reply = {
          applicationId: request.applicationId,
          token: request.token,
          createdAt: now.getTime(),
          userId,
        };
        const queued = await queueStartBehindTransfer(
          { queueStart: queueStart.bind(store), dropQueuedStart: dropQueuedStart.bind(store) },
          transfers,
          reply,
          signal,
        );
        if (queued === 'queued') {
          context.log.info('start queued behind a world transfer', { userId, tasks: transferTasks });
          return messageResponse(queuedStartMessage(userId), { components: [startReplyRow('status')] });
        }
      }

      // Claim the change: if the monitor or another member wrote since we read, they act, not us. The claim
      // records what it was decided on, so a member who read the state after that write but ECS before the
      // change took effect (another Lambda instance, a second later) sees a repeat, not a new decision.
      let claimed: { readonly store: CommandStore; readonly stored: StoredState } | undefined;
      if (store && stored) {
        const basis = claimBasis(status);
        if (isRepeatClaim(stored.claim, wanted, basis, now.getTime())) {
          context.log.info('start/stop already claimed on the same view', { action, userId });
          return messageResponse(
            alreadyMessage({ ...status, state: wanted === 1 ? 'starting' : 'stopping' }, action),
            {
              ephemeral: true,
            },
          );
        }
        const startReply =
          wanted === 1
            ? { applicationId: request.applicationId, token: request.token, createdAt: now.getTime(), userId }
            : undefined;
        const saved = await store.save(stored.state, stored.version, {
          ...(startReply && { startReply }),
          claim: { desiredCount: wanted, basis, at: now.getTime() },
          signal,
        });
        if (!saved) return messageResponse(CONCURRENT_CHANGE_MESSAGE, { ephemeral: true });
        claimed = { store, stored: { ...stored, version: stored.version + 1 } };
      }
      let started: string | undefined;
      try {
        const setCount = () => server.setDesiredCount(wanted, signal);
        // A start holds the lease on world changes (a pending "Stop and switch" made first), so no switch
        // falls between the world it launches and the parameters; a stop needs none.
        if (wanted === 1 && worlds)
          started = await startOnWorld(worlds, world, setCount, context.log, signal);
        else await setCount();
      } catch (error) {
        // Withdraw the claim, so that trying again is not taken for a repeat.
        await claimed?.store
          .save(claimed.stored.state, claimed.stored.version, { claim: null })
          .catch(() => undefined);
        throw error;
      }
      context.log.info('desired count changed', { action, userId, from: status.state });
      if (wanted === 0) return messageResponse(stoppingMessage(userId), { components: [buttonRow('start')] });
      const budgetLine =
        month && limit !== undefined && budget !== 'ok'
          ? budget === 'over'
            ? budgetOverrideLine(userId, budgetShare(month, limit))
            : budgetWarningLine(budgetShare(month, limit))
          : undefined;
      if (budget === 'over') context.log.info('budget guard overridden for one session', { userId });
      const worldLine = started ? activeWorldLine(started, true) : undefined;
      return messageResponse([startingMessage(userId), worldLine, budgetLine].filter(Boolean).join('\n'), {
        components: [startReplyRow('status')],
      });
    });
  } catch (error) {
    if (error instanceof InteractionNotClaimedError) return notClaimed();
    context.log.error('command failed', { action, userId, error });
    return messageResponse(describeFailure(error, what), { ephemeral: true });
  }
}

/**
 * `/valheim backup`: starts the world-transfer task in snapshot mode and answers at once; the monitor follows
 * up on the stored reply when the task stops. Refuses while another transfer runs.
 */
async function backupReply(
  request: Request,
  context: CommandContext,
  signal: AbortSignal,
): Promise<APIInteractionResponse> {
  const settings = context.worldTransfers;
  if (!settings) {
    const problems = context.worldTransferProblems;
    return messageResponse(
      problems && problems.length > 0 ? backupMisconfiguredMessage(problems) : BACKUP_NOT_SET_UP_MESSAGE,
      { ephemeral: true },
    );
  }
  const userId = request.member?.user.id;
  const [tasks, store, worlds] = await Promise.all([settings.tasks(), context.store?.(), context.worlds?.()]);
  // The snapshot holds every world; its manifest names the active one (the one a session would run).
  const worldName = (worlds && (await activeWorldName(worlds, context.log, signal))) ?? settings.worldName;
  const now = context.now();
  const outcome = await startWorldSnapshot(
    tasks,
    {
      worldName,
      reason: 'discord',
      at: now,
      startedBy: userId ? `discord-${userId}` : 'discord',
      checkGame: true,
      // The monitor follows up on this reply when the task stops. A reply that could not be stored only
      // means no follow-up here (the notice channel still gets it).
      ...(store && {
        alongside: (snapshotId: string) =>
          store.saveBackupReply(
            snapshotId,
            {
              applicationId: request.applicationId,
              token: request.token,
              createdAt: now.getTime(),
              ...(userId && { userId }),
            },
            signal,
          ),
      }),
    },
    signal,
  );
  if (outcome.kind === 'busy') return messageResponse(BACKUP_ALREADY_RUNNING_MESSAGE, { ephemeral: true });
  const { snapshotId, taskArn, gameActive = false, alongsideError } = outcome;
  if (alongsideError) {
    context.log.warn('backup reply not stored: no follow-up on it', { snapshotId, error: alongsideError });
  }
  context.log.info('world snapshot started', { userId, snapshotId, taskArn, gameActive });
  return messageResponse(
    backupStartedMessage({
      userId,
      worldName,
      snapshotId,
      gameActive,
      followUp: store !== undefined && alongsideError === undefined,
    }),
  );
}

/** `/valheim feed`: showing is for everyone; muting is checked against the operator rule inside. */
async function feedCommand(
  request: Request,
  context: CommandContext,
  signal: AbortSignal,
): Promise<APIInteractionResponse> {
  const given = request.options?.action ?? 'show';
  const action: FeedAction = given === 'mute' || given === 'unmute' ? given : 'show';
  const kind = request.options?.kind;
  const store = await context.store?.();
  const setFeedMuted = store?.setFeedMuted?.bind(store);
  return feedReply(
    {
      action,
      ...(kind && isFeedKind(kind) && { kind }),
      operator: request.member ? mayOperate(request.member, context) : false,
      userId: request.member?.user.id ?? '',
    },
    context.feed,
    store && setFeedMuted && { load: (s?: AbortSignal) => store.load(s), setFeedMuted },
    context.log,
    signal,
  );
}

/**
 * `/valheim mods`: the deploy's list (no AWS call), for the active world when worlds have lists of their own
 * (one parameter read; the configured world if it does not answer in time).
 */
async function modsReply(context: CommandContext): Promise<APIInteractionResponse> {
  const { mods, worlds } = context;
  let world = context.worldName;
  if (mods && Object.keys(mods.worlds).length > 0 && worlds) {
    const active = await withDeadline(context.budgetMs, async (signal) => {
      const ports = await worlds();
      return (await ports.active.read(signal))?.name;
    }).catch((error: unknown) => {
      context.log.warn('active world unknown; /valheim mods shows the configured one', { error });
      return undefined;
    });
    world = active ?? world;
  }
  return messageResponse(modsMessage(mods, world));
}

/** The month so far from the ledger (the budget guard's figure, and /valheim cost's). */
async function monthSoFar(store: CommandStore, cost: CostSettings, now: Date, signal: AbortSignal) {
  const { from, to } = monthRange(now);
  return monthToDate(await store.sessions(from, to, signal), now, cost.region, cost.fixedMonthly);
}

async function costReply(context: CommandContext, signal: AbortSignal): Promise<APIInteractionResponse> {
  if (!context.cost || !context.store) return messageResponse(NO_LEDGER_MESSAGE, { ephemeral: true });
  const { cost } = context;
  const store = await context.store();
  const now = context.now();
  const { from, to } = monthRange(now);
  const sessions = await store.sessions(from, to, signal);
  const summary = monthToDate(sessions, now, cost.region, cost.fixedMonthly);
  const chart = playChart(dailyPlayHours(sessions, from, now));
  let spend: SpendShown | undefined;
  if (cost.spend) {
    const read = cost.spend;
    spend = await withDeadline(SPEND_BUDGET_MS, (spendSignal) => read(store, spendSignal)).catch(
      (error: unknown) => {
        // A slow answer (or one another instance is fetching) still lands in the cache: ask again soon. By
        // name: the class lives with the Cost Explorer client, which only /valheim cost loads.
        if (error instanceof DeadlineExceededError || (error as Error).name === 'SpendPendingError') {
          return 'pending' as const;
        }
        context.log.warn('cost explorer unavailable', { error });
        return 'unavailable' as const;
      },
    );
  }
  // The worlds' ports are only built (no call): the first world owns the ledger rows without a world.
  const firstWorld = context.worlds
    ? await context.worlds().then(
        (worlds) => worlds.firstWorld,
        () => undefined,
      )
    : undefined;
  return messageResponse(
    costMessage(summary, spend, cost.spend !== undefined, chart, monthPlayers(sessions), firstWorld),
  );
}

/**
 * The context of a command whose interaction id is being recorded: reads go out at once, and every write
 * (the state, the desired count, a transfer task, the cost cache) first waits for the record, so a replayed
 * request changes nothing. Structural: a command added later writes through these ports too.
 */
export function claimedWrites(context: CommandContext, claimed: InteractionClaim): CommandContext {
  const { server, store, worldTransfers, worlds, game } = context;
  const afterClaim =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await claimed();
      return write(...args);
    };
  return {
    ...context,
    server: async () => {
      const open = await server();
      return {
        status: (signal) => open.status(signal),
        setDesiredCount: afterClaim((count: 0 | 1, signal: AbortSignal) =>
          open.setDesiredCount(count, signal),
        ),
      };
    },
    ...(store && {
      store: async () => {
        const open = await store();
        return {
          load: (signal) => open.load(signal),
          sessions: (from, to, signal) => open.sessions(from, to, signal),
          loadSpend: (signal) => open.loadSpend(signal),
          ...(open.loadPresence && { loadPresence: open.loadPresence.bind(open) }),
          ...(open.setFeedMuted && { setFeedMuted: afterClaim(open.setFeedMuted.bind(open)) }),
          save: afterClaim(open.save.bind(open)),
          saveBackupReply: afterClaim(open.saveBackupReply.bind(open)),
          ...(open.queueStart && { queueStart: afterClaim(open.queueStart.bind(open)) }),
          ...(open.dropQueuedStart && { dropQueuedStart: afterClaim(open.dropQueuedStart.bind(open)) }),
          ...(open.cancelQueuedStart && {
            cancelQueuedStart: afterClaim(open.cancelQueuedStart.bind(open)),
          }),
          saveSpend: afterClaim(open.saveSpend.bind(open)),
          ...(open.claimSpendFetch && { claimSpendFetch: afterClaim(open.claimSpendFetch.bind(open)) }),
          ...(open.releaseSpendFetch && { releaseSpendFetch: open.releaseSpendFetch.bind(open) }),
        } satisfies CommandStore;
      },
    }),
    ...(context.schedule && {
      schedule: {
        ...context.schedule,
        store: async () => {
          const open = await context.schedule?.store();
          if (!open) throw new Error('no schedule store');
          return {
            ...open,
            skip: afterClaim(open.skip.bind(open)),
            unskip: afterClaim(open.unskip.bind(open)),
            markPosted: afterClaim(open.markPosted.bind(open)),
            claimStart: afterClaim(open.claimStart.bind(open)),
            releaseStart: afterClaim(open.releaseStart.bind(open)),
          };
        },
      },
    }),
    ...(context.feed?.applyFilter && {
      feed: { ...context.feed, applyFilter: afterClaim(context.feed.applyFilter) },
    }),
    ...(worlds && { worlds: async () => claimedWorlds(await worlds(), claimed) }),
    ...(context.playerLists && {
      playerLists: async () =>
        claimedPlayerLists(await (context.playerLists as () => Promise<PlayerListPorts>)(), claimed),
    }),
    ...(worldTransfers && {
      worldTransfers: {
        ...worldTransfers,
        tasks: async () => {
          const open = await worldTransfers.tasks();
          return {
            inProgress: (signal) => open.inProgress(signal),
            gameActive: (signal) => open.gameActive(signal),
            startSnapshot: afterClaim(open.startSnapshot.bind(open)),
          } satisfies WorldTransfers;
        },
      },
    }),
    ...(game && {
      game: {
        ...game,
        setting: async () => {
          const open = await game.setting();
          return { read: open.read.bind(open), write: afterClaim(open.write.bind(open)) };
        },
      },
    }),
  };
}

/** Never shown: the endpoint answers a request whose id was not recorded itself. */
function notClaimed(): APIInteractionResponse {
  return messageResponse('This request was not recorded, so it did nothing.', { ephemeral: true });
}

/** The subcommand's string options by name. */
function stringOptions(interaction: APIChatInputApplicationCommandInteraction): Record<string, string> {
  const subcommand = interaction.data.options?.[0];
  const options = subcommand && 'options' in subcommand ? (subcommand.options ?? []) : [];
  return Object.fromEntries(
    options.flatMap((option) =>
      option.type === OptionType.String && typeof option.value === 'string'
        ? [[option.name, option.value]]
        : [],
    ),
  );
}

function subcommandOf(interaction: APIChatInputApplicationCommandInteraction): Subcommand | undefined {
  if (interaction.data.name !== COMMAND_NAME) return undefined;
  const option: APIApplicationCommandInteractionDataOption | undefined = interaction.data.options?.[0];
  if (option?.type !== OptionType.Subcommand || !isSubcommand(option.name)) return undefined;
  return option.name;
}
