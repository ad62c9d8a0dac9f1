import { DiscordAPIError } from '@discordjs/rest';
import { describe, expect, it } from 'vitest';
import { discordFailure } from '../../src/cli/discord-client.js';
import { CliError } from '../../src/cli/errors.js';
import { botInviteUrl, type DiscordRefusal, explainRefusal } from '../../src/discord/discord-errors.js';
import { DiscordApiError } from '../../src/discord/rest-client.js';
import { explainDiscordError } from '../../src/discord/wire-discord.js';

const TARGET = { applicationId: '123456789012345678', guildId: '234567890123456789' };
const ROUTE = `/applications/${TARGET.applicationId}/guilds/${TARGET.guildId}/commands`;
const RETRY = 'then try again';

/** Discord's refusals that have a cause of their own, and what each must say. */
const REFUSALS: [string, DiscordRefusal, RegExp, RegExp][] = [
  [
    'a token of another application',
    { status: 403, code: 20012, route: ROUTE, message: 'You are not authorized to perform this action' },
    /^the bot token is another application's, not 123456789012345678's \(403, code 20012: /,
    /^store the bot token of application 123456789012345678 .*, then try again$/,
  ],
  [
    'a bot that is not in the server',
    { status: 403, code: 50001, route: ROUTE, message: 'Missing Access' },
    /^the bot is not in Discord server 234567890123456789, so Discord refused to register \(403, code 50001: Missing Access\)$/,
    new RegExp(`^invite it: ${botInviteUrl(TARGET.applicationId).replace(/[?+.]/g, '\\$&')} `),
  ],
  [
    'an unknown server',
    { status: 404, code: 10004, route: ROUTE, message: 'Unknown Guild' },
    /^Discord knows no server 234567890123456789 \(404, code 10004: Unknown Guild\)$/,
    /^check discord\.guildId/,
  ],
  [
    'a rejected token',
    { status: 401, code: 0, route: '/applications/@me', message: '401: Unauthorized' },
    /^Discord rejected the bot token \(401, code 0: 401: Unauthorized\)$/,
    /^store a fresh token .*secrets set --only bot-token.*, then try again$/,
  ],
  [
    'an invalid request (a bug)',
    { status: 400, code: 50035, route: ROUTE, message: 'Invalid Form Body' },
    /^Discord rejected the request to register \(400, code 50035: Invalid Form Body\)$/,
    /^this is a bug in valheim-ondemand; please report it with this line$/,
  ],
];

describe('the one map of Discord refusals', () => {
  it.each(REFUSALS)('explains %s by its cause', (_, refusal, detail, fix) => {
    const explained = explainRefusal(refusal, TARGET, 'register', RETRY);
    expect(explained.detail).toMatch(detail);
    expect(explained.fix).toMatch(fix);
  });

  it.each(REFUSALS.filter(([, refusal]) => refusal.status !== 401))(
    'says the same for %s through both Discord clients (the wiring and doctor; the CLI)',
    (_, refusal) => {
      // Given the same answer from Discord, as each client reports it
      const body = JSON.stringify({ message: refusal.message, code: refusal.code });
      const ours = new DiscordApiError(refusal.status, refusal.route, body);
      const theirs = new DiscordAPIError(
        { message: refusal.message, code: refusal.code ?? 0 },
        refusal.code ?? 0,
        refusal.status,
        'PUT',
        `https://discord.com/api/v10${refusal.route}`,
        {},
      );
      // When
      const wiring = explainDiscordError(ours, TARGET, 'register', RETRY);
      const cli = discordFailure(theirs, {
        action: 'register',
        token: { token: 'x', source: 'env' },
        apiUrl: 'https://discord.com/api',
        target: TARGET,
        retry: RETRY,
      });
      // Then
      expect(cli).toBeInstanceOf(CliError);
      expect((cli as CliError).message).toBe(`${wiring.detail} — ${wiring.fix}`);
    },
  );

  it('never starts a fix with "then" when Discord could not be reached', () => {
    const explained = explainDiscordError(new TypeError('fetch failed'), TARGET, 'register', RETRY);
    expect(explained.fix).not.toMatch(/^then/);
  });
});
