import { worldIdleMonthly } from '../cost/world-idle.js';
import { LIMITS, truncate } from '../discord/limits.js';
import { formatBytes } from '../worlds/world-files.js';
import { describeWorldSettings } from '../worlds/world-settings.js';
import type { SwitchOutcome, WorldList, WorldSummary } from '../worlds/worlds.js';

/** What the bot says about worlds (`/valheim world …`, the start reply, status). */

/** `/valheim world list`: the active one first, each on a line; the idle cost per world. */
export function worldListMessage(list: WorldList, idleUsdPerGb: number | undefined): string {
  const header = '🗺️ **Worlds** (▶ = the next start runs it)';
  const footer =
    idleUsdPerGb === undefined
      ? ''
      : `Each world kept costs its storage while nobody plays: about $${idleUsdPerGb.toFixed(3)} a month per GB (EFS, AWS Backup, its share of the S3 snapshots).`;
  const lines = list.worlds.map((world) => worldLine(world, idleUsdPerGb));
  // Within Discord's 2000 characters, whatever the number of worlds: the last lines give way to a count.
  const room = LIMITS.content - header.length - footer.length - 40;
  const shown: string[] = [];
  let used = 0;
  for (const line of lines) {
    if (used + line.length + 1 > room) break;
    shown.push(line);
    used += line.length + 1;
  }
  const hidden = lines.length - shown.length;
  return [header, ...shown, ...(hidden > 0 ? [`…and ${hidden} more (npx valheim world list)`] : []), footer]
    .filter(Boolean)
    .join('\n');
}

function worldLine(world: WorldSummary, idleUsdPerGb: number | undefined): string {
  const { record } = world;
  const parts = [describeWorldSettings(record.settings)];
  if (record.sizeBytes !== undefined) parts.push(formatBytes(record.sizeBytes));
  else if (world.notCreatedYet) parts.push('created at its first start');
  parts.push(
    world.sessions === 0
      ? 'not played yet'
      : `${hours(world.hours)} in ${world.sessions} ${world.sessions === 1 ? 'session' : 'sessions'}${world.lastPlayedAt !== undefined ? `, last <t:${Math.floor(world.lastPlayedAt / 1000)}:R>` : ''}`,
  );
  if (record.latestSnapshot) {
    parts.push(`snapshot <t:${Math.floor(Date.parse(record.latestSnapshot.created) / 1000)}:R>`);
  }
  if (record.sizeBytes !== undefined && idleUsdPerGb !== undefined) {
    parts.push(`~$${worldIdleMonthly(record.sizeBytes, idleUsdPerGb).toFixed(3)}/month idle`);
  }
  return truncate(`${world.active ? '▶' : '•'} **${world.name}** — ${parts.join(' · ')}`, 300);
}

function hours(value: number): string {
  return value < 1 ? `${Math.round(value * 60)} min` : `${value.toFixed(1)} h`;
}

/** The answer to a switch (or the switch part of `new`). */
export function switchedMessage(outcome: SwitchOutcome, userId: string | undefined): string {
  switch (outcome.kind) {
    case 'switched':
      return `🔀 ${userId ? `<@${userId}> switched` : 'Switched'} to **${outcome.to.name}** (was ${outcome.from}). The next start runs it: \`/valheim start\`.`;
    case 'already':
      return `**${outcome.world.name}** is the active world already: \`/valheim start\` runs it.`;
    case 'running':
      return `The server is running **${outcome.from}** now. Stop it and switch to **${outcome.to.name}**? The stop saves ${outcome.from} first; then \`/valheim start\` runs ${outcome.to.name}.`;
    case 'unknown':
      return unknownWorldMessage(outcome.name, outcome.known);
  }
}

export function unknownWorldMessage(name: string, known: readonly string[]): string {
  return `There is no world **${name}**. The worlds are ${known.map((world) => `**${world}**`).join(', ')}; \`/valheim world new\` creates one.`;
}

/** The start reply's and the status's line: which world runs (or runs at the next start). */
export function activeWorldLine(name: string, running: boolean): string {
  return running
    ? `🗺️ World: **${name}**`
    : `🗺️ Next start: **${name}** (\`/valheim world switch\` changes it)`;
}
