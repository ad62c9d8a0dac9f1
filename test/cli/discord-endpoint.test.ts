import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkEndpointUrl, setInteractionsEndpoint } from '../../src/cli/commands/discord-endpoint.js';
import { type FakeDiscord, type RecordedRequest, startFakeDiscord } from './fake-discord.js';
import { APPLICATION_ID, BOT_TOKEN, captureTerminal } from './helpers.js';

const ME = '/api/v10/applications/@me';
const URL_OK = 'https://abc123.execute-api.eu-central-1.amazonaws.com/discord';

let discord: FakeDiscord;
beforeEach(async () => {
  discord = await startFakeDiscord();
});
afterEach(async () => {
  await discord.close();
});

/** Discord's application object, keeping whatever endpoint URL was last PATCHed. */
function fakeApplication(): {
  patch: (request: RecordedRequest) => { status: number; body: unknown };
  get: () => { status: number; body: unknown };
} {
  let endpoint: string | undefined;
  const application = () => ({
    id: APPLICATION_ID,
    name: 'Valheim Bot',
    interactions_endpoint_url: endpoint,
  });
  return {
    patch: (request) => {
      endpoint = (request.body as { interactions_endpoint_url: string }).interactions_endpoint_url;
      return { status: 200, body: application() };
    },
    get: () => ({ status: 200, body: application() }),
  };
}

function setEndpoint(url: string, term = captureTerminal(), allowHttp = false) {
  return setInteractionsEndpoint(
    { url, allowHttp, config: 'does-not-matter-with-DISCORD_BOT_TOKEN.json' },
    {
      env: { DISCORD_API_URL: discord.apiUrl, DISCORD_BOT_TOKEN: BOT_TOKEN },
      term,
      ssm: (region) => new SSMClient({ region }),
    },
  );
}

describe('valheim discord endpoint', () => {
  it('PATCHes the endpoint URL and confirms it by reading the application back', async () => {
    // Given Discord verifies and stores the URL
    const app = fakeApplication();
    discord.reply('PATCH', ME, app.patch);
    discord.reply('GET', ME, app.get);
    const term = captureTerminal();

    // When setting the endpoint
    await setEndpoint(URL_OK, term);

    // Then it PATCHed exactly the URL as the bot, then read it back
    expect(discord.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`PATCH ${ME}`, `GET ${ME}`]);
    expect(discord.requests[0]?.body).toEqual({ interactions_endpoint_url: URL_OK });
    expect(discord.requests[0]?.headers.authorization).toBe(`Bot ${BOT_TOKEN}`);
    expect(term.stdout.join('\n')).toContain(URL_OK);
    expect(term.stderr).toEqual([]);
  });

  it('explains a 400 as Discord failing to verify the endpoint', async () => {
    // Given Discord's live check of the endpoint fails
    discord.reply('PATCH', ME, {
      status: 400,
      body: {
        message: 'Invalid Form Body',
        code: 50035,
        errors: {
          interactions_endpoint_url: {
            _errors: [
              {
                code: 'APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID',
                message: 'The specified interactions endpoint url could not be verified.',
              },
            ],
          },
        },
      },
    });

    // When setting the endpoint / Then one line names the likely causes
    await expect(setEndpoint(URL_OK)).rejects.toThrow(
      /Discord could not verify the endpoint .*is the stack deployed and DISCORD_PUBLIC_KEY right\? — /,
    );
    expect(discord.requests).toHaveLength(1);
  });

  it('fails when Discord reads back a different URL', async () => {
    // Given Discord answers the PATCH but still reports no endpoint
    discord.reply('PATCH', ME, { status: 200, body: { id: APPLICATION_ID, name: 'Bot' } });
    discord.reply('GET', ME, { status: 200, body: { id: APPLICATION_ID, name: 'Bot' } });

    // When / Then
    await expect(setEndpoint(URL_OK)).rejects.toThrow(/reads back "\(none\)"/);
  });

  it('refuses non-https URLs before calling Discord, unless --allow-http', async () => {
    // Given an http URL / When / Then it is refused and Discord is not called
    await expect(setEndpoint('http://example.com/discord')).rejects.toThrow(
      /only calls https:\/\/ .*--allow-http/,
    );
    await expect(setEndpoint('not a url')).rejects.toThrow(/is not a URL — .*discord wire/);
    expect(discord.requests).toHaveLength(0);

    // And with --allow-http it goes through
    const app = fakeApplication();
    discord.reply('PATCH', ME, app.patch);
    discord.reply('GET', ME, app.get);
    await setEndpoint('http://example.com/discord', captureTerminal(), true);
    expect(discord.requests[0]?.body).toEqual({ interactions_endpoint_url: 'http://example.com/discord' });
  });

  it('warns when the URL does not end with /discord', () => {
    // Given / When / Then
    expect(checkEndpointUrl('https://example.com/interactions')).toEqual([
      expect.stringContaining('does not end with /discord'),
    ]);
    expect(checkEndpointUrl(URL_OK)).toEqual([]);
    expect(() => checkEndpointUrl('ftp://example.com/discord')).toThrow(/https/);
    expect(() => checkEndpointUrl('https://user:pw@example.com/discord')).toThrow(/credentials/);
  });
});
