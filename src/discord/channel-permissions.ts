import { type APIOverwrite, OverwriteType, PermissionFlagsBits } from 'discord-api-types/v10';

/**
 * A member's permissions in a channel, computed as Discord does: the @everyone role (whose ID is the
 * guild's) and the member's roles, all permissions for the owner and administrators, then the channel's
 * overwrites in order: @everyone, the member's roles together, the member.
 */
export interface PermissionInputs {
  readonly guildId: string;
  readonly ownerId: string;
  readonly userId: string;
  /** The guild's roles with their permission bitfields (decimal strings, as Discord sends them). */
  readonly roles: readonly { readonly id: string; readonly permissions: string }[];
  /** The member's role IDs (without @everyone). */
  readonly memberRoles: readonly string[];
  readonly overwrites: readonly APIOverwrite[];
}

export function channelPermissions(inputs: PermissionInputs): bigint {
  const all = (1n << 64n) - 1n;
  if (inputs.userId === inputs.ownerId) return all;
  const roleIds = new Set([inputs.guildId, ...inputs.memberRoles]);
  let permissions = 0n;
  for (const role of inputs.roles) if (roleIds.has(role.id)) permissions |= BigInt(role.permissions);
  if (permissions & PermissionFlagsBits.Administrator) return all;

  const apply = (overwrite: APIOverwrite | undefined) => {
    if (!overwrite) return;
    permissions = (permissions & ~BigInt(overwrite.deny)) | BigInt(overwrite.allow);
  };
  apply(inputs.overwrites.find((overwrite) => overwrite.id === inputs.guildId));
  let allow = 0n;
  let deny = 0n;
  for (const overwrite of inputs.overwrites) {
    if (overwrite.type === OverwriteType.Role && inputs.memberRoles.includes(overwrite.id)) {
      allow |= BigInt(overwrite.allow);
      deny |= BigInt(overwrite.deny);
    }
  }
  permissions = (permissions & ~deny) | allow;
  apply(
    inputs.overwrites.find(
      (overwrite) => overwrite.type === OverwriteType.Member && overwrite.id === inputs.userId,
    ),
  );
  return permissions;
}

/** What a notice post needs: see the channel and send messages in it. */
export function missingForPosting(permissions: bigint): string[] {
  const missing: string[] = [];
  if (!(permissions & PermissionFlagsBits.ViewChannel)) missing.push('View Channel');
  if (!(permissions & PermissionFlagsBits.SendMessages)) missing.push('Send Messages');
  return missing;
}
