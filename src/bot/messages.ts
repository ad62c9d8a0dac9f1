import { type MonthToDate, perWorldLine } from '../cost/month.js';
import { type PlayerHours, whoPlayed } from '../cost/month-players.js';
import { LIMITS } from '../discord/limits.js';
import { gameLine } from '../game/advice.js';
import type { LifecycleState } from '../records/lifecycle.js';
import type { CachedSpend } from '../records/server-state.js';
import { addressOf, type ServerState, type ServerStatus } from '../server/server-status.js';
import { USUAL_START_TIME } from '../server/start-budget.js';

/** Everything the bot says about the server, in one place so the wording stays consistent. */

const STATE_LINE: Record<ServerState, string> = {
  stopped: '🔴 **Stopped.** Start it with `/valheim start`.',
  starting: `🟡 **Starting…** The server usually takes ${USUAL_START_TIME} before the world is joinable.`,
  running: '🟢 **Running.**',
  stopping: '🟠 **Stopping…** The world is being saved (up to 2 minutes).',
};

/**
 * The status reply. `lifecycle` is the monitor's view (players, readiness) when the monitor runs;
 * `idleStopAt` is when the server stops by itself unless someone joins.
 */
export function statusMessage(
  status: ServerStatus,
  now: Date,
  lifecycle?: LifecycleState,
  idleStopAt?: number,
  /** While starting: the current phase and the time so far (src/monitor/start-progress.ts). */
  startLines?: string,
): string {
  // ECS "running" is not "joinable": with the monitor we know whether the world has loaded.
  const loading = status.state === 'running' && lifecycle !== undefined && lifecycle.phase !== 'ready';
  const lines = [startLines ?? (loading ? LOADING_LINE : STATE_LINE[status.state])];
  const address = addressOf(status);
  if (address && status.state === 'running' && !loading) {
    lines.push(`Join at \`${address}\` (the address changes at every start).`);
  } else if (address && (status.state === 'starting' || loading)) {
    lines.push(`It will be at \`${address}\`.`);
  }
  if (status.state === 'running' && lifecycle?.phase === 'ready') {
    const players = lifecycle.players;
    lines.push(
      players === undefined || players === 'unknown'
        ? '👥 Player count unknown right now (the idle stop waits until it is known).'
        : `👥 ${players} ${players === 1 ? 'player' : 'players'} online.`,
    );
    if (lifecycle.joinCode) lines.push(`Crossplay join code: **${lifecycle.joinCode}**`);
    if (lifecycle.limitWarning) {
      lines.push(
        `⚠️ Stops by itself <t:${Math.floor(lifecycle.limitWarning.stopAt / 1000)}:R> unless someone presses **Keep running** (the button, or \`/valheim keep-running\`).`,
      );
    }
    if (idleStopAt !== undefined) {
      // Past its time, the stop waits for the server's own count to confirm nobody is on (a few minutes).
      lines.push(
        idleStopAt > now.getTime()
          ? `⏰ Stops by itself <t:${Math.floor(idleStopAt / 1000)}:R> unless someone joins.`
          : "⏰ Stops by itself as soon as the server's own count confirms nobody is on (a few minutes at most), unless someone joins.",
      );
    }
  }
  const details: string[] = [];
  if (status.task && status.state !== 'stopped') {
    if (status.state === 'running' && status.task.startedAt) {
      details.push(`up for ${formatDuration(now.getTime() - status.task.startedAt.getTime())}`);
    } else {
      details.push(`task ${status.task.lastStatus.toLowerCase()}`);
    }
    if (status.task.capacityProvider === 'FARGATE_SPOT') details.push('Spot');
    // The version and build this task runs (its branch when not public), and whether this start updated it.
    const game =
      lifecycle &&
      gameLine({
        ...(lifecycle.gameVersion && { version: lifecycle.gameVersion }),
        ...(lifecycle.gameBuild && { build: lifecycle.gameBuild }),
        ...(lifecycle.gameBranch && { branch: lifecycle.gameBranch }),
      });
    if (game) {
      const update = lifecycle?.gameUpdate;
      details.push(update ? `${game}, updated at this start (was build ${update.fromBuild})` : game);
    }
  }
  details.push(
    `desired ${status.desiredCount} · running ${status.runningCount} · pending ${status.pendingCount}`,
  );
  lines.push(capitalize(details.join(' · ')));
  return lines.join('\n');
}

const LOADING_LINE =
  '🟡 **Starting…** The server is running and loading the world; I will post when it is joinable.';

export const NO_LEDGER_MESSAGE =
  "Cost reporting needs the bot's state table, which this endpoint is not connected to (STATE_TABLE is not set).";

/**
 * The actual bill as `/valheim cost` shows it: Cost Explorer's figure, `pending` while a request is still
 * answering (its answer will be cached), or `unavailable` when it failed.
 */
export type SpendShown = CachedSpend | 'pending' | 'unavailable';

/** `/valheim cost`: play this month, the estimate, and the actual bill when Cost Explorer is enabled. */
export function costMessage(
  summary: MonthToDate,
  spend: SpendShown | undefined,
  explorer: boolean,
  /** Play hours per day (playChart), shown under the totals. */
  chart?: string,
  /** Hours per character this month (monthPlayers), listed last, in the room the rest leaves. */
  players: readonly PlayerHours[] = [],
  /** server.world: the owner of ledger rows without a world. */
  firstWorld?: string,
): string {
  const money = (value: number) => `$${value.toFixed(2)}`;
  const lines = [
    `💰 **${summary.label} so far:** ${summary.sessions} ${summary.sessions === 1 ? 'session' : 'sessions'}, ${formatHours(summary.hours)} played.`,
    `Estimate: ${money(summary.playCost)} for play + ${money(summary.fixedSoFar)} storage and backups = **${money(summary.total)}** (list prices${summary.pricedAs === 'us-east-1' ? '' : `, ${summary.pricedAs}`}).`,
  ];
  const worlds = perWorldLine(summary, firstWorld);
  if (worlds) lines.push(worlds);
  if (chart && summary.hours > 0) lines.push('Play hours per day:', chart);
  if (spend === 'unavailable') {
    lines.push('Actual bill: Cost Explorer did not answer; try again later.');
  } else if (spend === 'pending') {
    lines.push('Actual bill: Cost Explorer is still answering; ask again in a minute (its answer is kept).');
  } else if (spend) {
    lines.push(
      `Actual bill (Cost Explorer, tagged resources, as of <t:${Math.floor(spend.fetchedAt / 1000)}:R>): **${spend.amount.toFixed(2)} ${spend.currency}**. It lags up to a day.`,
    );
  } else if (!explorer) {
    lines.push(
      'For the actual bill, set `cost.costExplorer` to true (and activate the `project` cost allocation tag in Billing).',
    );
  }
  const who = whoPlayed(players, LIMITS.content - lines.join('\n').length - 1);
  if (who) lines.push(who);
  return lines.join('\n');
}

function formatHours(hours: number): string {
  return hours < 1 ? `${Math.round(hours * 60)} min` : `${hours.toFixed(1)} h`;
}

export const CONCURRENT_CHANGE_MESSAGE =
  'Someone else (or the idle stop) changed the server at the same moment. Check `/valheim status` and try again if needed.';

export const NO_PASSWORD_MESSAGE =
  'No server password is stored yet. Whoever set up the bot can set one with `npx valheim secrets set`.';

export function passwordMessage(password: string): string {
  return `🔑 The server password is \`${password.replace(/`/g, 'ˋ')}\` (only you can see this message).`;
}

export function startingMessage(userId: string | undefined): string {
  return `${byUser('▶️', userId, 'started the server')}\n${STATE_LINE.starting} Check with \`/valheim status\`.`;
}

export function stoppingMessage(userId: string | undefined): string {
  return `${byUser('⏹️', userId, 'stopped the server')}\n${STATE_LINE.stopping}`;
}

export function alreadyMessage(
  status: ServerStatus,
  wanted: 'start' | 'stop',
  lifecycle?: LifecycleState,
): string {
  const address = addressOf(status);
  switch (status.state) {
    case 'running':
      // ECS runs the task, but the monitor has not seen the world load yet: not joinable at that address.
      if (wanted === 'start' && lifecycle !== undefined && lifecycle.phase !== 'ready') {
        return `The server is starting — loading the world${address ? ` (it will be at \`${address}\`)` : ''}. I'll post when it is joinable; \`/valheim status\` shows where it is.`;
      }
      return `The server is already running${address ? ` at \`${address}\`` : ''}.`;
    case 'starting':
      return 'The server is already starting. Check with `/valheim status`.';
    case 'stopping':
      return wanted === 'start'
        ? 'The server is still shutting down and saving the world. Try `/valheim start` again in a minute.'
        : 'The server is already stopping.';
    case 'stopped':
      return 'The server is already stopped.';
  }
}

/** What a refused member wanted, for actions the plain "start or stop the server" does not describe. */
const REFUSED_ACTIONS: Readonly<Record<string, string>> = {
  password: 'see the password',
  backup: 'back up the world',
  'keep-running': 'keep the server running',
  'game branch': 'choose the game branch',
  'game rollback': 'roll the game back',
  'world switch': 'switch worlds',
  'world new': 'create worlds',
  'world settings': "change a world's settings",
  'access add': 'change the admin, ban and permitted lists',
  'access remove': 'change the admin, ban and permitted lists',
  'access list': 'see the admin, ban and permitted lists',
};

export function refusedMessage(roleIds: readonly string[], action: string): string {
  const roles = roleIds.map((id) => `<@&${id}>`).join(', ');
  const what = REFUSED_ACTIONS[action] ?? 'start or stop the server';
  return `Only members with ${roleIds.length > 1 ? 'one of the roles' : 'the role'} ${roles} can ${what}.`;
}

/** `/valheim start` while the world-transfer task may be writing the world. */
export const TRANSFER_RUNNING_START_MESSAGE =
  'A world backup, import or restore is running right now, and the server must not start while the world may change. Try `/valheim start` again in a few minutes.';

/** `/valheim start` refused by the budget guard (cost.monthlyLimitUsd): why, and how to go on anyway. */
export function budgetRefusedMessage(share: string, operatorRoleIds: readonly string[]): string {
  const who =
    operatorRoleIds.length > 0
      ? `A member with ${operatorRoleIds.map((id) => `<@&${id}>`).join(' or ')}`
      : 'Anyone allowed to start the server';
  return [
    `💸 **Not started:** this month's estimated spend is ${share} set in \`cost.monthlyLimitUsd\`.`,
    `${who} can start it for this one session with the button below; to raise the limit for good, change \`cost.monthlyLimitUsd\` in valheim.config.json and redeploy.`,
  ].join('\n');
}

/** Under the starting message once the month's estimate is at 80 % of the limit. */
export function budgetWarningLine(share: string): string {
  return `⚠️ This month's estimated spend is ${share}; at the limit \`/valheim start\` stops working until an operator overrides it.`;
}

/** Under the starting message when an operator overrode the budget guard. */
export function budgetOverrideLine(userId: string | undefined, share: string): string {
  return `💸 Started over the monthly limit (${share})${userId ? ` by <@${userId}>` : ''}, for this session only.`;
}

export const BACKUP_NOT_SET_UP_MESSAGE =
  'Backups from Discord are not set up on this deployment (deploy the current version). Meanwhile `npx valheim world export` takes a snapshot from a computer.';

export function backupMisconfiguredMessage(problems: readonly string[]): string {
  return `Backups from Discord are misconfigured: ${problems.join('; ')}. Ask whoever set up the bot to fix its settings and redeploy.`;
}

export const BACKUP_ALREADY_RUNNING_MESSAGE =
  'A backup (or another world transfer: an import, export or restore) is already running. Try again when it is done, usually within a few minutes.';

/** The reply to `/valheim backup` once the snapshot task has started. */
export function backupStartedMessage(options: {
  readonly userId: string | undefined;
  readonly worldName: string;
  readonly snapshotId: string;
  /** The game runs: the snapshot holds its last save. */
  readonly gameActive: boolean;
  /** The monitor will report the end (the reply is stored). */
  readonly followUp: boolean;
}): string {
  const what = `the world *${options.worldName.replace(/_/g, '\\_')}* to S3 (snapshot \`${options.snapshotId}\`)…`;
  const then = options.followUp
    ? "I'll post when it is done."
    : 'See whether it worked with `npx valheim world backups` in a few minutes.';
  const lines = [
    options.userId
      ? `📦 <@${options.userId}> is backing up ${what} ${then}`
      : `📦 Backing up ${what} ${then}`,
  ];
  if (options.gameActive) {
    lines.push(
      'The server is running, so the snapshot holds the world as of its last save (Valheim saves every 30 minutes and when it stops).',
    );
  }
  return lines.join('\n');
}

export const NOT_IN_GUILD_MESSAGE = 'Use this command in the Discord server the bot was set up for.';

export function unknownCommandMessage(name: string): string {
  return `I don't know \`${name}\`. The registered commands may be out of date: run \`npx valheim discord wire\`.`;
}

export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

function byUser(icon: string, userId: string | undefined, action: string): string {
  return userId ? `${icon} <@${userId}> ${action}.` : `${icon} ${capitalize(action)}.`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
