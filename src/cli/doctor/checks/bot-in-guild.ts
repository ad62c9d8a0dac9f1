import { botInviteUrl, explainDiscordError } from '../../../discord/wire-discord.js';
import { type DoctorCheck, discordTarget, fail, NEEDS, ok } from '../check.js';

/** The bot was invited to the configured server: without it there are no commands and no notices. */
export const botInGuild: DoctorCheck = {
  name: 'bot in the server',
  needs: [NEEDS.application],
  async probe({ config, discord, found }) {
    const { guildId, applicationId } = config.discord;
    try {
      const guilds = (await discord().get('/users/@me/guilds')) as { id: string; name: string }[];
      const guild = guilds.find((candidate) => candidate.id === guildId);
      found.botInGuild = guild !== undefined;
      if (!guild) {
        return fail(
          `the bot is not in Discord server ${guildId}`,
          `invite it: ${botInviteUrl(applicationId)} (or fix discord.guildId)`,
        );
      }
      return ok(`${guild.name} (${guildId})`);
    } catch (error) {
      const { detail, fix } = explainDiscordError(error, discordTarget(config), "list the bot's servers");
      return fail(detail, fix);
    }
  },
};
