import type { APIChannel, APIGuild, APIGuildMember } from 'discord-api-types/v10';
import { channelPermissions, missingForPosting } from '../../../discord/channel-permissions.js';
import { DiscordApiError } from '../../../discord/rest-client.js';
import { type DoctorCheck, discordProblem, fail, NEEDS, ok } from '../check.js';

const FIX_ID = 'check discord.noticeChannelId (right-click the channel → Copy Channel ID)';

/** The notice channel is in the server and the bot may post there (only with discord.noticeChannelId). */
export const noticeChannel: DoctorCheck = {
  name: 'notice channel',
  appliesTo: (config) => config.discord.noticeChannelId !== undefined,
  needs: [NEEDS.botInGuild],
  async probe({ config, discord, found }) {
    const channelId = config.discord.noticeChannelId ?? '';
    const { guildId } = config.discord;
    let channel: APIChannel;
    try {
      channel = (await discord().get(`/channels/${channelId}`)) as APIChannel;
    } catch (error) {
      if (error instanceof DiscordApiError && error.status === 404) {
        return fail(`Discord knows no channel ${channelId} (404)`, FIX_ID);
      }
      if (error instanceof DiscordApiError && error.status === 403) {
        return fail(
          `the bot cannot see channel ${channelId} (403, code ${error.code ?? '?'})`,
          'give the bot View Channel and Send Messages there (channel → Edit → Permissions)',
        );
      }
      return discordProblem(error, config, 'read the notice channel');
    }
    if (!('guild_id' in channel) || channel.guild_id !== guildId) {
      return fail(`channel ${channelId} is not in Discord server ${guildId}`, FIX_ID);
    }
    try {
      const guild = (await discord().get(`/guilds/${guildId}`)) as APIGuild;
      const member = (await discord().get(`/guilds/${guildId}/members/${found.botUserId}`)) as APIGuildMember;
      const missing = missingForPosting(
        channelPermissions({
          guildId: guild.id,
          ownerId: guild.owner_id,
          userId: found.botUserId ?? '',
          roles: guild.roles,
          memberRoles: member.roles,
          overwrites: 'permission_overwrites' in channel ? (channel.permission_overwrites ?? []) : [],
        }),
      );
      const name = 'name' in channel && channel.name ? `#${channel.name}` : channelId;
      if (missing.length > 0) {
        return fail(
          `the bot lacks ${missing.join(' and ')} in ${name}`,
          'allow them for the bot (channel → Edit → Permissions)',
        );
      }
      return ok(`the bot may post in ${name}`);
    } catch (error) {
      return discordProblem(error, config, "read the bot's permissions");
    }
  },
};
