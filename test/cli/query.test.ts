import { ECSClient } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDuration, parseTarget, query } from '../../src/cli/commands/query.js';
import { errorLines } from '../../src/cli/errors.js';
import { type CliDeps, run } from '../../src/cli/program.js';
import { type Responder, type ResponderOptions, startA2sResponder } from '../support/a2s-responder.js';
import { type CapturedTerminal, captureTerminal } from './helpers.js';

let responder: Responder | undefined;

afterEach(async () => {
  await responder?.close();
  responder = undefined;
});

/** A responder on 127.0.0.1, and the GAME port to pass (the query goes to game port + 1). */
async function server(options: ResponderOptions = {}): Promise<{ target: string; gamePort: number }> {
  responder = await startA2sResponder(options);
  return { target: `127.0.0.1:${responder.port - 1}`, gamePort: responder.port - 1 };
}

function cliDeps(): CliDeps & { term: CapturedTerminal } {
  const unexpected = () => Promise.reject(new Error('not expected'));
  return {
    env: {},
    term: captureTerminal(),
    ssm: (region) => new SSMClient({ region }),
    ecs: (region) => new ECSClient({ region }),
    spawn: unexpected,
    stdinIsTTY: false,
    readStdin: unexpected,
    promptHidden: unexpected,
    promptLine: unexpected,
    untilShutdown: unexpected,
  };
}

const TWO_PLAYERS = [
  { name: '', score: 0, duration: 3725.4 },
  { name: '', score: 0, duration: 42 },
];

describe('valheim query', () => {
  it('prints name, world, version, players and play times as aligned lines', async () => {
    // Given a server that challenges every request and has two players on
    const { target, gamePort } = await server({
      name: 'Vikings of the North',
      map: 'Midgard',
      challengeInfo: true,
      players: TWO_PLAYERS,
      maxPlayers: 10,
    });
    const term = captureTerminal();

    // When
    await query({ target }, { term });

    // Then one aligned line per fact; the version comes from Valheim's keywords
    expect(term.stdout).toEqual([
      'Server   Vikings of the North',
      'World    Midgard',
      'Version  0.221.4',
      'Players  2 of 10',
      'Online   1h 02m, 42s (Valheim sends no player names)',
      `Address  127.0.0.1:${gamePort}, query port ${gamePort + 1}`,
    ]);
    expect(term.stderr).toEqual([]);
  });

  it('prints one JSON object with --json, through the command line', async () => {
    // Given a server with two players
    const { target, gamePort } = await server({ players: TWO_PLAYERS, maxPlayers: 64, version: '1.0.0.0' });
    const d = cliDeps();

    // When
    const code = await run(['query', target, '--json'], d);

    // Then
    expect(code).toBe(0);
    expect(d.term.stdout).toHaveLength(1);
    expect(JSON.parse(d.term.stdout[0] ?? '')).toEqual({
      host: '127.0.0.1',
      address: '127.0.0.1',
      gamePort,
      queryPort: gamePort + 1,
      name: 'Vikings of the North',
      world: 'Dedicated',
      version: '0.221.4',
      players: 2,
      maxPlayers: 64,
      playerList: [
        { name: '', durationSeconds: 3725 },
        { name: '', durationSeconds: 42 },
      ],
    });
  });

  it('resolves host names first', async () => {
    // Given a server reachable as "localhost" (from /etc/hosts) / When
    const { gamePort } = await server();
    const term = captureTerminal();
    await query({ target: `localhost:${gamePort}`, json: true }, { term });

    // Then it queried the address the name resolved to
    expect(JSON.parse(term.stdout[0] ?? '')).toMatchObject({ host: 'localhost', address: '127.0.0.1' });
    expect(responder?.received.length).toBeGreaterThan(0);
  });

  it('explains a host name that does not resolve', async () => {
    // Given a resolver that finds nothing
    const notFound = () =>
      Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));

    // When / Then
    const error = await query(
      { target: 'no-such-host.invalid' },
      { term: captureTerminal(), resolve: notFound },
    ).catch((e: unknown) => e);
    expect(errorLines(error, false)).toEqual([
      `valheim: could not resolve the host name "no-such-host.invalid" (ENOTFOUND) — check the spelling, or pass the server's IP address`,
    ]);
  });

  it('on silence, says within which time and what usually causes it, and exits 1', async () => {
    // Given a server that never answers (private, crossplay, or blocked)
    const { target, gamePort } = await server({ mode: 'silent' });
    const d = cliDeps();

    // When
    const started = Date.now();
    const code = await run(['query', target, '--timeout', '300'], d);

    // Then
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(d.term.stdout).toEqual([]);
    expect(d.term.stderr).toEqual([
      `valheim: no answer from 127.0.0.1:${gamePort + 1} within 300 ms — is the server running and public (server.public true)? Private and crossplay servers do not answer queries; the security group must allow UDP 2456-2458`,
    ]);
  });

  it('says when something answers that is not a Valheim server', async () => {
    // Given a responder sending garbage, then one sending a truncated packet
    for (const mode of ['garbage', 'truncated'] as const) {
      const { target } = await server({ mode });

      // When
      const error = await query({ target, timeoutMs: 1000 }, { term: captureTerminal() }).catch(
        (e: unknown) => e,
      );

      // Then one line saying so, pointing at the game port
      const lines = errorLines(error, false);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/answered, but not like a Valheim server .* — .*GAME port/);
      await responder?.close();
      responder = undefined;
    }
  });

  it('rejects a bad HOST:PORT in one line naming the value, before sending anything', async () => {
    // Given / When / Then
    for (const bad of [
      '',
      'bad host',
      'host:abc',
      'host:70000',
      'host:0',
      '300.1.2.3',
      '[::1',
      '[nope]:2456',
    ]) {
      const d = cliDeps();
      expect(await run(['query', bad], d)).toBe(1);
      expect(d.term.stderr).toHaveLength(1);
      expect(d.term.stderr[0]).toMatch(/^valheim: .* — /);
      expect(d.term.stderr[0]).toContain(`"${bad}"`);
    }
    const d = cliDeps();
    expect(await run(['query', '127.0.0.1', '--timeout', 'soon'], d)).toBe(1);
    expect(d.term.stderr[0]).toMatch(/^valheim: .*--timeout.* — see valheim query --help$/);
  });

  it('accepts IPv4, host names and IPv6 with or without brackets, defaulting to game port 2456', () => {
    // Given / When / Then
    expect(parseTarget('203.0.113.7')).toEqual({ host: '203.0.113.7', gamePort: 2456 });
    expect(parseTarget('valheim.example.com:2500')).toEqual({ host: 'valheim.example.com', gamePort: 2500 });
    expect(parseTarget('[2001:db8::1]:2456')).toEqual({ host: '2001:db8::1', gamePort: 2456 });
    expect(parseTarget('[::1]')).toEqual({ host: '::1', gamePort: 2456 });
    expect(parseTarget('2001:db8::1')).toEqual({ host: '2001:db8::1', gamePort: 2456 });
  });

  it('formats play times compactly', () => {
    expect([0, 59.9, 60, 303, 3599, 3600, 3725, 90_000].map(formatDuration)).toEqual([
      '0s',
      '59s',
      '1m 00s',
      '5m 03s',
      '59m 59s',
      '1h 00m',
      '1h 02m',
      '25h 00m',
    ]);
  });
});
