import { type RESTGetAPICurrentUserGuildsResult, Routes } from 'discord-api-types/v10';
import { type DiscordEnvironment, discordApiUrl, isDiscordApiError } from './discord-client.js';
import { networkErrorCode } from './errors.js';

/** Whether the bot has been invited to the server, as far as Discord could be asked. */
export type BotPresence =
  | { readonly kind: 'present'; readonly guildName: string }
  | { readonly kind: 'absent' }
  | { readonly kind: 'token-rejected' }
  | { readonly kind: 'unknown'; readonly reason: string };

/** Long enough for a slow link, short enough that an offline wizard does not seem to hang. */
const CHECK_TIMEOUT_MS = 5000;

/**
 * Asks Discord which servers the bot is in (GET /users/@me/guilds) and looks for `guildId`. Never throws: an
 * unreachable Discord is `unknown`, because the set-up can go on without the check.
 */
export async function botPresence(
  token: string,
  guildId: string,
  env: DiscordEnvironment,
): Promise<BotPresence> {
  const apiUrl = discordApiUrl(env);
  try {
    const { REST } = await import('@discordjs/rest');
    const rest = new REST({
      version: '10',
      api: apiUrl,
      userAgentAppendix: 'valheim-ondemand',
      timeout: CHECK_TIMEOUT_MS,
      retries: 0,
    }).setToken(token);
    const guilds = (await rest.get(Routes.userGuilds(), {
      query: new URLSearchParams({ limit: '200' }),
    })) as RESTGetAPICurrentUserGuildsResult;
    const guild = guilds.find((candidate) => candidate.id === guildId);
    return guild ? { kind: 'present', guildName: guild.name } : { kind: 'absent' };
  } catch (error) {
    if (isDiscordApiError(error) && error.status === 401) return { kind: 'token-rejected' };
    if (isDiscordApiError(error)) return { kind: 'unknown', reason: `Discord answered ${error.status}` };
    const name = error instanceof Error ? error.name : '';
    const code = networkErrorCode(error) ?? (/abort|timeout/i.test(name) ? 'timed out' : name || 'error');
    return { kind: 'unknown', reason: `could not reach Discord at ${apiUrl} (${code})` };
  }
}
