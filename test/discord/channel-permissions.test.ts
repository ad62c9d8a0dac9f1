import { OverwriteType, PermissionFlagsBits } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { channelPermissions, missingForPosting } from '../../src/discord/channel-permissions.js';

const GUILD = '100000000000000001';
const BOT = '200000000000000002';
const ROLE = '300000000000000003';
const VIEW_AND_SEND = String(PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages);
const SEND = String(PermissionFlagsBits.SendMessages);

const base = {
  guildId: GUILD,
  ownerId: '1',
  userId: BOT,
  roles: [
    { id: GUILD, permissions: VIEW_AND_SEND },
    { id: ROLE, permissions: '0' },
  ],
  memberRoles: [] as string[],
  overwrites: [],
};

describe('channelPermissions', () => {
  it('starts from @everyone and applies the @everyone overwrite', () => {
    // Given a channel that denies Send Messages to @everyone
    const denied = channelPermissions({
      ...base,
      overwrites: [{ id: GUILD, type: OverwriteType.Role, allow: '0', deny: SEND }],
    });
    // Then the bot may see but not post
    expect(missingForPosting(denied)).toEqual(['Send Messages']);
    expect(missingForPosting(channelPermissions(base))).toEqual([]);
  });

  it('lets a role overwrite allow what @everyone denies, and a member overwrite decide last', () => {
    const everyoneDenies = { id: GUILD, type: OverwriteType.Role, allow: '0', deny: SEND };
    const roleAllows = { id: ROLE, type: OverwriteType.Role, allow: SEND, deny: '0' };
    const memberDenies = { id: BOT, type: OverwriteType.Member, allow: '0', deny: SEND };
    // Given the bot holds the role
    const withRole = { ...base, memberRoles: [ROLE] };
    // Then
    expect(
      missingForPosting(channelPermissions({ ...withRole, overwrites: [everyoneDenies, roleAllows] })),
    ).toEqual([]);
    expect(
      missingForPosting(
        channelPermissions({ ...withRole, overwrites: [everyoneDenies, roleAllows, memberDenies] }),
      ),
    ).toEqual(['Send Messages']);
    // And a role the bot does not hold changes nothing
    expect(
      missingForPosting(channelPermissions({ ...base, overwrites: [everyoneDenies, roleAllows] })),
    ).toEqual(['Send Messages']);
  });

  it('gives administrators and the owner everything, whatever the overwrites', () => {
    const denyAll = [{ id: GUILD, type: OverwriteType.Role, allow: '0', deny: VIEW_AND_SEND }];
    const admin = { id: ROLE, permissions: String(PermissionFlagsBits.Administrator) };
    expect(
      missingForPosting(
        channelPermissions({
          ...base,
          roles: [...base.roles.slice(0, 1), admin],
          memberRoles: [ROLE],
          overwrites: denyAll,
        }),
      ),
    ).toEqual([]);
    expect(missingForPosting(channelPermissions({ ...base, ownerId: BOT, overwrites: denyAll }))).toEqual([]);
    expect(
      missingForPosting(channelPermissions({ ...base, roles: [{ id: GUILD, permissions: '0' }] })),
    ).toEqual(['View Channel', 'Send Messages']);
  });
});
