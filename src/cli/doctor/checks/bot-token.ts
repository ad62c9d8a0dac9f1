import { DiscordApiError } from '../../../discord/rest-client.js';
import { type DoctorCheck, discordProblem, fail, NEEDS, ok } from '../check.js';

/** Discord accepts the token, and it is the configured application's bot. */
export const botToken: DoctorCheck = {
  name: 'bot token',
  needs: [NEEDS.botToken],
  async probe({ config, discord, found }) {
    const { applicationId } = config.discord;
    const source = found.botToken?.source ?? 'SSM';
    try {
      found.application = await discord().getCurrentApplication();
      found.botUserId = found.application.bot?.id;
    } catch (error) {
      if (error instanceof DiscordApiError && error.status === 401) {
        return fail(
          `Discord rejected the bot token from ${source} (401)`,
          'store a fresh one (Developer Portal → Bot → Reset Token): npx valheim secrets set --only bot-token',
        );
      }
      return discordProblem(error, config, 'read the application');
    }
    if (found.application.id !== applicationId) {
      const actual = found.application.id;
      found.application = undefined;
      return fail(
        `the token (from ${source}) is application ${actual}'s, but discord.applicationId is ${applicationId}`,
        `store the bot token of application ${applicationId} (npx valheim secrets set --only bot-token) or fix discord.applicationId`,
      );
    }
    return ok(`valid (from ${source}): ${found.application.name}, application ${applicationId}`);
  },
};
