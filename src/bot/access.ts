import type { APIInteractionGuildMember } from 'discord-api-types/v10';

/**
 * Who may operate the server (start, stop, back up, keep running, and the password when it is for operators):
 * the one rule every command and button checks. Discord's own command permissions (Server Settings →
 * Integrations) apply to typing the slash command only; a button on a bot message can be pressed by anyone
 * who sees it, so this check is the only gate buttons have.
 */
export interface OperatorRule {
  /** The guild the bot serves; its id is also the id of its @everyone role. */
  readonly guildId: string;
  /** Roles allowed to operate; empty (or containing @everyone) means every member of the guild. */
  readonly operatorRoleIds: readonly string[];
}

/** Discord's ADMINISTRATOR permission bit: guild admins may always operate the server. */
const ADMINISTRATOR = 1n << 3n;

/** Whether the member may operate the server. */
export function mayOperate(member: APIInteractionGuildMember, rule: OperatorRule): boolean {
  if (everyoneMayOperate(rule)) return true;
  if (member.roles.some((role) => rule.operatorRoleIds.includes(role))) return true;
  try {
    return (BigInt(member.permissions) & ADMINISTRATOR) === ADMINISTRATOR;
  } catch {
    return false;
  }
}

/** No roles listed, or the @everyone role (whose id is the guild's) among them. */
export function everyoneMayOperate(rule: OperatorRule): boolean {
  return rule.operatorRoleIds.length === 0 || rule.operatorRoleIds.includes(rule.guildId);
}
