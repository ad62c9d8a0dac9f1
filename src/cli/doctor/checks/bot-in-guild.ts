import { botInviteUrl } from '../../../discord/discord-errors.js';
import { type DoctorCheck, discordProblem, fail, NEEDS, ok } from '../check.js';

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
      return discordProblem(error, config, "list the bot's servers");
    }
  },
};
