import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/cli/commands/serve.js';
import { silentLogger } from '../../src/log.js';
import { commandInteraction, GUILD_ID, makeSigningKeys, signedRequest } from '../support/discord-signing.js';
import { FakeGameServer, STOPPED } from '../support/fake-game-server.js';
import { floodWhileSigned } from '../support/junk-flood.js';

const keys = makeSigningKeys();

describe('a junk flood on loopback (valheim serve runs the Lambda’s code)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      env: {
        DISCORD_PUBLIC_KEY: keys.publicKeyHex,
        DISCORD_GUILD_ID: GUILD_ID,
        ECS_CLUSTER: 'valheim',
        ECS_SERVICE: 'valheim-server',
      },
      log: silentLogger,
      backends: { gameServer: async () => new FakeGameServer(STOPPED) },
    });
  });
  afterAll(() => server.close());

  it('refuses every junk request with 401 and still answers every signed /valheim status', async () => {
    // Given 1500 junk requests (fresh timestamp, wrong signature), 16 at a time, for at most 8 s
    // When signed /valheim status requests (each a new interaction) are sent meanwhile
    const result = await floodWhileSigned({
      url: server.url,
      junkRequests: 1500,
      maxSeconds: 8,
      junkConcurrency: 16,
      signedEveryMs: 50,
      signed: () => ({
        ...signedRequest(keys, JSON.stringify(commandInteraction({ subcommand: 'status' }))),
        ok: (status, body) => status === 200 && body.includes('Stopped'),
      }),
    });
    // Then all junk got 401, and every signed request got its real answer
    expect(result.junkSent).toBeGreaterThan(0);
    expect(result.junkRefused).toBe(result.junkSent);
    expect(result.signedSent).toBeGreaterThan(0);
    expect(result.signedAnswered).toBe(result.signedSent);
  });
});
