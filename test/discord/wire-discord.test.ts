import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EndpointProbe, probeEndpoint } from '../../src/discord/endpoint-probe.js';
import { DiscordRest } from '../../src/discord/rest-client.js';
import { reconcileDiscord, type WiringTarget } from '../../src/discord/wire-discord.js';
import { silentLogger } from '../../src/log.js';
import { closedPort, type FakeDiscord, startFakeDiscord } from '../cli/fake-discord.js';
import { type FakeApplicationState, fakeApplication } from '../cli/fake-discord-app.js';

const TARGET: WiringTarget = {
  applicationId: '123456789012345678',
  guildId: '234567890123456789',
  endpointUrl: 'https://abc123.execute-api.eu-central-1.amazonaws.com/discord',
  publicKey: 'ab'.repeat(32),
};

let discord: FakeDiscord;
let app: FakeApplicationState;
beforeEach(async () => {
  discord = await startFakeDiscord();
  app = fakeApplication(discord, {
    applicationId: TARGET.applicationId,
    botToken: 't',
    verifyKey: TARGET.publicKey,
  });
  app.guilds.add(TARGET.guildId);
});
afterEach(() => discord.close());

function reconcile(probe: EndpointProbe) {
  const rest = new DiscordRest({ baseUrl: `${discord.apiUrl}/v10`, botToken: async () => 't' });
  return reconcileDiscord(TARGET, { rest, waitForEndpoint: async () => probe, log: silentLogger });
}

describe('reconcileDiscord', () => {
  it('says the endpoint answers 500 (not "did not answer") and leaves Discord unchanged', async () => {
    // Given an endpoint whose Lambda fails / When
    const result = await reconcile({ kind: 'answered', status: 500 });
    // Then the commands still got registered, and the endpoint step names the status
    expect(result.ok).toBe(false);
    expect(result.steps[0]).toMatchObject({ step: 'commands', ok: true });
    expect(result.steps[1]?.detail).toMatch(/answers 500 instead of 401/);
    expect(result.steps[1]?.fix).toMatch(/interactions Lambda's log/);
    expect(app.endpointUrl).toBeUndefined();
  });

  it('says when the endpoint does not answer at all', async () => {
    const result = await reconcile({ kind: 'unreachable', reason: 'ECONNREFUSED' });
    expect(result.steps[1]?.detail).toMatch(/did not answer \(ECONNREFUSED\)/);
  });

  it('explains a failed live check by Discord (400) as an endpoint/public key problem', async () => {
    // Given Discord's own check of the endpoint fails
    app.endpointVerifies = false;
    // When
    const result = await reconcile({ kind: 'verifies' });
    // Then
    expect(result.steps[1]).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/could not verify the endpoint/),
    });
  });

  it('names a Discord outage as such', async () => {
    discord.reply('PUT', `/api/v10/applications/${TARGET.applicationId}/guilds/${TARGET.guildId}/commands`, {
      status: 502,
      body: { message: 'Bad Gateway' },
    });
    const result = await reconcile({ kind: 'verifies' });
    expect(result.steps[0]?.detail).toMatch(/502, a problem on Discord's side/);
    expect(result.steps[1]?.ok).toBe(true);
  });
});

describe('probeEndpoint', () => {
  it('tells 401 (verifies), other statuses and no answer apart', async () => {
    // Given a Discord fake answering 500 to an unsigned POST, and a closed port
    discord.reply('POST', '/discord', { status: 500 });
    discord.reply('POST', '/verifies', { status: 401 });
    const base = discord.apiUrl.replace(/\/api$/, '');
    // Then
    expect(await probeEndpoint(`${base}/discord`)).toEqual({ kind: 'answered', status: 500 });
    expect(await probeEndpoint(`${base}/verifies`)).toEqual({ kind: 'verifies' });
    expect(await probeEndpoint(`http://127.0.0.1:${await closedPort()}/discord`)).toEqual({
      kind: 'unreachable',
      reason: 'ECONNREFUSED',
    });
  });
});
