import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { request } from 'node:http';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, serve, serveEnvironment, startServer } from '../../src/cli/commands/serve.js';
import { CliError } from '../../src/cli/errors.js';
import { run } from '../../src/cli/program.js';
import { loadConfig } from '../../src/config/load.js';
import { MAX_BODY_BYTES } from '../../src/discord/endpoint.js';
import { silentLogger } from '../../src/log.js';
import { captureTerminal, cliDeps, EXAMPLE_CONFIG, writeConfig } from './helpers.js';

let privateKey: KeyObject;
let publicKeyHex: string;
let running: RunningServer | undefined;

beforeAll(() => {
  const pair = generateKeyPairSync('ed25519');
  privateKey = pair.privateKey;
  publicKeyHex = Buffer.from(pair.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url').toString('hex');
});
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function start(env: NodeJS.ProcessEnv = { DISCORD_PUBLIC_KEY: publicKeyHex }): Promise<RunningServer> {
  running = await startServer({ port: 0, host: '127.0.0.1', env, log: silentLogger });
  return running;
}

function signed(body: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    'content-type': 'application/json',
    'x-signature-timestamp': timestamp,
    'x-signature-ed25519': sign(null, Buffer.from(timestamp + body), privateKey).toString('hex'),
  };
}

const PING = JSON.stringify({ type: 1, id: '1', application_id: '1', token: 't', version: 1 });

/**
 * Streams `total` bytes in 16 KiB chunks without a Content-Length and never ends the body, so only a server
 * that answers before reading everything can respond. Resolves with the status answered.
 */
function streamEndlessBody(url: string, total: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(16 * 1024, 'a');
    for (let sent = 0; sent < total; sent += chunk.length) req.write(chunk);
  });
}

describe('valheim serve (startServer)', () => {
  it('answers a signed PING with 200 {"type":1} at the printed URL', async () => {
    // Given a server with a real key pair
    const { url } = await start();

    // When Discord's PING arrives, signed
    const response = await fetch(url, { method: 'POST', headers: signed(PING), body: PING });

    // Then
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/discord$/);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ type: 1 });
  });

  it('answers unsigned or badly signed requests with 401', async () => {
    // Given a running server
    const { url } = await start();

    // When a request is unsigned, or signed for another body
    const unsigned = await fetch(url, { method: 'POST', body: PING });
    const tampered = await fetch(url, { method: 'POST', headers: signed('{"type":1}'), body: PING });

    // Then both are refused
    expect(unsigned.status).toBe(401);
    expect(tampered.status).toBe(401);
  });

  it('answers other methods with 405 and other paths with 404, as JSON', async () => {
    // Given a running server
    const { url } = await start();

    // When
    const get = await fetch(url);
    const elsewhere = await fetch(new URL('/other', url), { method: 'POST', body: PING });

    // Then
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.headers.get('content-type')).toBe('application/json');
    expect(await elsewhere.json()).toEqual({ error: expect.stringContaining('POST /discord') });
  });

  it('stops reading an oversized streamed body, answers 413, and keeps serving', async () => {
    // Given a running server
    const { url } = await start();

    // When a client streams past the limit without a Content-Length (and never finishes), or declares too much
    const streamed = await streamEndlessBody(url, 2 * MAX_BODY_BYTES);
    const declared = await fetch(url, { method: 'POST', body: 'x'.repeat(MAX_BODY_BYTES + 1) });

    // Then both get 413, and a PING right after is still answered
    expect(streamed).toBe(413);
    expect(declared.status).toBe(413);
    const ping = await fetch(url, { method: 'POST', headers: signed(PING), body: PING });
    expect(ping.status).toBe(200);
  });

  it('runs commands through the same app as the Lambda, reporting missing settings', async () => {
    // Given a server without the ECS settings
    const server = await start();
    const command = JSON.stringify({
      type: 2,
      id: '1',
      application_id: '1',
      token: 't',
      version: 1,
      guild_id: '234567890123456789',
      data: { id: '1', name: 'valheim', type: 1, options: [{ name: 'status', type: 1 }] },
    });

    // When /valheim status arrives
    const response = await fetch(server.url, { method: 'POST', headers: signed(command), body: command });

    // Then it answers 200 without naming settings to the caller; startServer reports them (serve prints them)
    expect(response.status).toBe(200);
    const reply = JSON.stringify(await response.json());
    expect(reply).toContain('Ask whoever set it up');
    expect(reply).not.toContain('ECS_CLUSTER');
    expect(server.problems.join('\n')).toContain('ECS_CLUSTER');
  });

  it('refuses to start without a valid DISCORD_PUBLIC_KEY, in one line', async () => {
    // Given no key, or a malformed one / When / Then
    await expect(start({})).rejects.toThrow(CliError);
    await expect(start({})).rejects.toThrow(/^DISCORD_PUBLIC_KEY is not set.* — e\.g\. DISCORD_PUBLIC_KEY=/);
    await expect(start({ DISCORD_PUBLIC_KEY: 'abc' })).rejects.toThrow(/DISCORD_PUBLIC_KEY must be 64 hex/);
    expect(running).toBeUndefined();
  });

  it('reports a port in use in one line', async () => {
    // Given a server on some port
    const first = await start();
    const port = Number(new URL(first.url).port);

    // When a second one wants the same port / Then
    await expect(
      startServer({ port, env: { DISCORD_PUBLIC_KEY: publicKeyHex }, log: silentLogger }),
    ).rejects.toThrow(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use — pass another --port`));
  });
});

describe('serve', () => {
  it('prints the URL, serves until shutdown, then closes', async () => {
    // Given a shutdown that comes once the server answered a PING
    const term = captureTerminal();
    let answered = 0;
    const untilShutdown = async (): Promise<string> => {
      const url = /Listening on (\S+)/.exec(term.stdout.join('\n'))?.[1] ?? '';
      answered = (await fetch(url, { method: 'POST', headers: signed(PING), body: PING })).status;
      return 'received SIGTERM';
    };

    // When serving on a free port
    await serve(
      { port: 0 },
      { env: { DISCORD_PUBLIC_KEY: publicKeyHex }, term, log: silentLogger, untilShutdown },
    );

    // Then the printed URL worked, and the shutdown was reported
    expect(answered).toBe(200);
    expect(term.stderr.at(-1)).toBe('valheim: stopped');
  });
});

describe('serve with valheim.config.json', () => {
  /** Serves until a signed PING and a /valheim command were answered; returns what was printed. */
  async function serveOnce(config: string, env: NodeJS.ProcessEnv) {
    const term = captureTerminal();
    let ping = 0;
    const untilShutdown = async (): Promise<string> => {
      const url = /Listening on (\S+)/.exec(term.stdout.join('\n'))?.[1] ?? '';
      ping = (await fetch(url, { method: 'POST', headers: signed(PING), body: PING })).status;
      return 'received SIGTERM';
    };
    await serve({ port: 0, config }, { env, term, log: silentLogger, untilShutdown });
    return { term, ping };
  }

  it('takes the key, the server, the ECS names and the region from the config, as the stack gives them', async () => {
    // Given a config with this test's public key, and no DISCORD_* or ECS_* variables
    const config = writeConfig({ discord: { ...EXAMPLE_CONFIG.discord, publicKey: publicKeyHex } });
    // When
    const { term, ping } = await serveOnce(config, {});
    // Then the config's key verifies the PING, and no command setting is missing
    expect(ping).toBe(200);
    expect(term.stdout).toContain(`Settings from ${config}.`);
    expect(term.stderr.filter((line) => line.includes('warning'))).toEqual([]);
    expect(serveEnvironment(loadConfig(config))).toMatchObject({
      DISCORD_PUBLIC_KEY: publicKeyHex,
      DISCORD_GUILD_ID: EXAMPLE_CONFIG.discord.guildId,
      ECS_CLUSTER: 'valheim-ondemand',
      ECS_SERVICE: 'valheim-ondemand-server',
      SERVER_PASSWORD_PARAMETER: '/valheim-ondemand/server-password',
      AWS_REGION: 'eu-central-1',
    });
  });

  it('lets an environment variable set explicitly win over the config', async () => {
    // Given the config's key is another application's, and DISCORD_PUBLIC_KEY is this test's
    const config = writeConfig();
    const { term, ping } = await serveOnce(config, { DISCORD_PUBLIC_KEY: publicKeyHex });
    expect(ping).toBe(200);
    expect(term.stdout).toContain(`Settings from ${config} (environment variables set explicitly win).`);
  });

  it('is listed in valheim --help and reads --config / VALHEIM_CONFIG like the other commands', async () => {
    const deps = cliDeps({});
    await run(['serve', '--help'], deps);
    expect(deps.term.stdout.join('\n')).toMatch(/--config <file>/);
  });
});
