import { addressOf, type ServerState, type ServerStatus } from '../server/server-status.js';

/** Everything the bot says about the server, in one place so the wording stays consistent. */

const STATE_LINE: Record<ServerState, string> = {
  stopped: '🔴 **Stopped.** Start it with `/valheim start`.',
  starting: '🟡 **Starting…** The server usually takes 3–6 minutes before the world is joinable.',
  running: '🟢 **Running.**',
  stopping: '🟠 **Stopping…** The world is being saved (up to 2 minutes).',
};

export function statusMessage(status: ServerStatus, now: Date): string {
  const lines = [STATE_LINE[status.state]];
  const address = addressOf(status);
  if (address && status.state === 'running') {
    lines.push(`Join at \`${address}\` (the address changes at every start).`);
  } else if (address && status.state === 'starting') {
    lines.push(`It will be at \`${address}\`.`);
  }
  const details: string[] = [];
  if (status.task && status.state !== 'stopped') {
    if (status.state === 'running' && status.task.startedAt) {
      details.push(`up for ${formatDuration(now.getTime() - status.task.startedAt.getTime())}`);
    } else {
      details.push(`task ${status.task.lastStatus.toLowerCase()}`);
    }
    if (status.task.capacityProvider === 'FARGATE_SPOT') details.push('Spot');
  }
  details.push(
    `desired ${status.desiredCount} · running ${status.runningCount} · pending ${status.pendingCount}`,
  );
  lines.push(capitalize(details.join(' · ')));
  return lines.join('\n');
}

export function startingMessage(userId: string | undefined): string {
  return `${byUser('▶️', userId, 'started the server')}\n${STATE_LINE.starting} Check with \`/valheim status\`.`;
}

export function stoppingMessage(userId: string | undefined): string {
  return `${byUser('⏹️', userId, 'stopped the server')}\n${STATE_LINE.stopping}`;
}

export function alreadyMessage(status: ServerStatus, wanted: 'start' | 'stop'): string {
  const address = addressOf(status);
  switch (status.state) {
    case 'running':
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

export function refusedMessage(roleIds: readonly string[]): string {
  const roles = roleIds.map((id) => `<@&${id}>`).join(', ');
  return `Only members with ${roleIds.length > 1 ? 'one of the roles' : 'the role'} ${roles} can start or stop the server.`;
}

export const NOT_IN_GUILD_MESSAGE = 'Use this command in the Discord server the bot was set up for.';

export function unknownCommandMessage(name: string): string {
  return `I don't know \`${name}\`. The registered commands may be out of date: run \`npx valheim discord register\`.`;
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
