import type { APIInteractionGuildMember } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { everyoneMayOperate, mayOperate } from '../../src/bot/access.js';

const GUILD = '234567890123456789';
const OPERATORS = '456789012345678901';
const member = (roles: string[], permissions = '0') =>
  ({ roles, permissions, user: { id: '1' } }) as unknown as APIInteractionGuildMember;

describe('who may operate the server (one rule for commands and buttons)', () => {
  it('lets every member operate when no role is listed', () => {
    expect(mayOperate(member([]), { guildId: GUILD, operatorRoleIds: [] })).toBe(true);
  });

  it('treats the @everyone role (the guild id) as every member, although members never carry it', () => {
    // Given operatorRoleIds naming @everyone / When a member without roles asks / Then they may
    const rule = { guildId: GUILD, operatorRoleIds: [GUILD] };
    expect(everyoneMayOperate(rule)).toBe(true);
    expect(mayOperate(member([]), rule)).toBe(true);
  });

  it('lets members with a listed role and administrators operate, and nobody else', () => {
    const rule = { guildId: GUILD, operatorRoleIds: [OPERATORS] };
    expect(everyoneMayOperate(rule)).toBe(false);
    expect(mayOperate(member([OPERATORS]), rule)).toBe(true);
    expect(mayOperate(member([], String(1n << 3n)), rule)).toBe(true);
    expect(mayOperate(member(['999999999999999999'], String(1n << 5n)), rule)).toBe(false);
  });

  it('refuses a member whose permissions field is malformed', () => {
    expect(mayOperate(member([], 'lots'), { guildId: GUILD, operatorRoleIds: [OPERATORS] })).toBe(false);
  });
});
