import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { Command } from 'commander';
import { type PlayerEntry, QueryError, queryInfo, queryPlayers, type ServerInfo } from '../../players/a2s.js';
import { type CommandContext, parseTimeout } from '../command-context.js';
import { CliError, networkErrorCode } from '../errors.js';
import type { Terminal } from '../io.js';

/** Valheim's default game port; the query port is one above. */
export const DEFAULT_GAME_PORT = 2456;
export const DEFAULT_QUERY_TIMEOUT_MS = 3000;

export interface QueryCommandOptions {
  /** HOST[:PORT]: IPv4, host name or [IPv6], with the GAME port (default 2456). */
  readonly target: string;
  /** Print one JSON object instead of aligned lines. */
  readonly json?: boolean;
  /** How long to wait for the answers. @default 3000 */
  readonly timeoutMs?: number;
}

/** Resolves a host name to one IP address. */
export type Resolver = (host: string) => Promise<string>;

export interface QueryDeps {
  readonly term: Terminal;
  /** @default - dns.lookup, preferring IPv4 (what Valheim servers answer on) */
  readonly resolve?: Resolver;
}

export interface QueryTarget {
  /** As given: an IP address or a host name (IPv6 without brackets). */
  readonly host: string;
  readonly gamePort: number;
}

/** The answer as `--json` prints it. */
export interface QueryResult {
  readonly host: string;
  readonly address: string;
  readonly gamePort: number;
  readonly queryPort: number;
  readonly name: string;
  readonly world: string;
  readonly version: string;
  readonly players: number;
  readonly maxPlayers: number;
  /** Who is online and for how long; Valheim sends empty names. null when the player list did not answer. */
  readonly playerList: ReadonlyArray<{ readonly name: string; readonly durationSeconds: number }> | null;
}

const TARGET_HINT =
  'pass a host name or IP address with an optional game port, e.g. 203.0.113.7:2456, valheim.example.com or [2001:db8::1]:2456';
const HOST_NAME =
  /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** Splits HOST[:PORT] (or [IPv6][:PORT], or a bare IPv6 address); throws a one-line error naming the value. */
export function parseTarget(value: string): QueryTarget {
  const text = value.trim();
  let host: string;
  let port: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1] ?? '';
    port = bracketed[2];
    if (!isIPv6(host))
      throw new CliError(`"${value}" does not hold an IPv6 address in [brackets]`, TARGET_HINT);
  } else if (isIPv6(text)) {
    host = text;
  } else {
    const colon = text.lastIndexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    port = colon < 0 ? undefined : text.slice(colon + 1);
    const looksNumeric = /^[\d.]+$/.test(host);
    if (host.includes(':') || (looksNumeric ? !isIPv4(host) : !HOST_NAME.test(host))) {
      throw new CliError(`"${value}" is not HOST[:PORT]`, TARGET_HINT);
    }
  }
  if (port === undefined) return { host, gamePort: DEFAULT_GAME_PORT };
  const gamePort = Number(port);
  if (!/^\d{1,5}$/.test(port) || gamePort < 1 || gamePort > 65_534) {
    throw new CliError(
      `"${port}" in "${value}" is not a game port`,
      `use 1 to 65534 (usually ${DEFAULT_GAME_PORT}); the query goes to the game port + 1`,
    );
  }
  return { host, gamePort };
}

/** dns.lookup, preferring an IPv4 address. */
export const lookupAddress: Resolver = async (host) => {
  const addresses = await dnsLookup(host, { all: true });
  const chosen = addresses.find((entry) => entry.family === 4) ?? addresses[0];
  if (!chosen) throw Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND' });
  return chosen.address;
};

/** Asks a Valheim server (any, not only this project's) for its name, world, version and players. */
export async function queryServer(options: QueryCommandOptions, deps: QueryDeps): Promise<QueryResult> {
  const { host, gamePort } = parseTarget(options.target);
  const timeoutMs = options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const address = isIP(host) ? host : await resolveHost(host, deps.resolve ?? lookupAddress);
  const queryPort = gamePort + 1;
  const where = `${hostPort(host, queryPort)}${address === host ? '' : ` (${address})`}`;

  // Our own deadline (rather than the client's) tells a timeout apart from other failures without
  // reading error messages; the client's timeout stays as a backstop.
  const deadline = AbortSignal.timeout(timeoutMs);
  const a2sOptions = { timeoutMs: timeoutMs + 1000, signal: deadline };
  const [info, players] = await Promise.allSettled([
    queryInfo(address, queryPort, a2sOptions),
    queryPlayers(address, queryPort, a2sOptions),
  ]);
  if (info.status === 'rejected') throw queryFailure(info.reason, where, timeoutMs, deadline.aborted);

  return {
    host,
    address,
    gamePort,
    queryPort,
    name: info.value.name,
    world: info.value.map,
    version: gameVersion(info.value),
    players: info.value.players,
    maxPlayers: info.value.maxPlayers,
    playerList:
      players.status === 'fulfilled'
        ? players.value.map((player: PlayerEntry) => ({
            name: player.name,
            durationSeconds: Math.max(0, Math.round(player.durationSeconds)),
          }))
        : null,
  };
}

/** `valheim query`: prints the answer as aligned lines, or as one JSON object with --json. */
export async function query(options: QueryCommandOptions, deps: QueryDeps): Promise<void> {
  const result = await queryServer(options, deps);
  if (options.json) {
    deps.term.out(JSON.stringify(result));
    return;
  }
  const rows: Array<[string, string]> = [
    ['Server', result.name],
    ['World', result.world],
    ['Version', result.version],
    ['Players', `${result.players} of ${result.maxPlayers}`],
  ];
  if (result.playerList === null) {
    rows.push(['Online', 'unknown (the player list did not answer in time)']);
  } else if (result.playerList.length > 0) {
    const named = result.playerList.some((player) => player.name !== '');
    const durations = result.playerList.map(
      (player) => `${player.name ? `${player.name} ` : ''}${formatDuration(player.durationSeconds)}`,
    );
    rows.push(['Online', `${durations.join(', ')}${named ? '' : ' (Valheim sends no player names)'}`]);
  }
  rows.push([
    'Address',
    `${hostPort(result.host, result.gamePort)}${result.address === result.host ? '' : ` (${result.address})`}, query port ${result.queryPort}`,
  ]);
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  for (const [label, value] of rows) deps.term.out(`${label.padEnd(width)}${value}`);
}

/** "42s", "5m 03s", "1h 02m". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  if (total < 60) return `${total}s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes}m ${String(total % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** Valheim puts its real version in the keywords ("g=0.221.4,n=35,…"); the version field is generic. */
function gameVersion(info: ServerInfo): string {
  const fromKeywords = info.keywords
    ?.split(',')
    .find((part) => part.startsWith('g='))
    ?.slice(2);
  return fromKeywords || info.version;
}

function hostPort(host: string, port: number): string {
  return `${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

async function resolveHost(host: string, resolve: Resolver): Promise<string> {
  try {
    return await resolve(host);
  } catch (error) {
    const code = networkErrorCode(error) ?? (error instanceof Error ? error.name : 'error');
    throw new CliError(
      `could not resolve the host name "${host}" (${code})`,
      code === 'ENOTFOUND' || code === 'ENODATA'
        ? "check the spelling, or pass the server's IP address"
        : "check your internet connection and DNS, or pass the server's IP address",
    );
  }
}

function queryFailure(error: unknown, where: string, timeoutMs: number, timedOut: boolean): CliError {
  if (
    error instanceof QueryError &&
    /ignored \d+ datagrams? that w(as|ere) not the answer/.test(error.message)
  ) {
    return new CliError(
      `${where} answered, but not like a Valheim server (no A2S answer within ${timeoutMs} ms${error.message.slice(error.message.lastIndexOf(' ('))}`,
      'check the address and pass the GAME port (default 2456): the query goes to the game port + 1',
    );
  }
  if (timedOut || (error instanceof QueryError && error.message.startsWith('no answer'))) {
    return new CliError(
      `no answer from ${where} within ${timeoutMs} ms`,
      'is the server running and public (server.public true)? Private and crossplay servers do not answer queries; the security group must allow UDP 2456-2458',
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  if (error instanceof QueryError && /^(unexpected|malformed)/.test(reason)) {
    return new CliError(
      `${where} answered, but not like a Valheim server (${reason})`,
      'check the address and pass the GAME port (default 2456): the query goes to the game port + 1',
    );
  }
  return new CliError(
    `could not query ${where} (${reason})`,
    'check the address and your network connection, then try again',
  );
}

/** `valheim query`. */
export function queryCommand({ deps }: CommandContext<QueryDeps>): Command {
  return new Command('query')
    .description('Ask any Valheim server for its name, world, version and players (Steam query protocol)')
    .argument('<host[:port]>', `IPv4, host name or [IPv6], with the GAME port (default ${DEFAULT_GAME_PORT})`)
    .option('--json', 'print one JSON object')
    .option('--timeout <ms>', 'how long to wait for an answer', parseTimeout, DEFAULT_QUERY_TIMEOUT_MS)
    .addHelpText(
      'after',
      `
The query goes to UDP game port + 1 (2457 by default). Only public servers answer (server.public true);
private and crossplay servers do not. Valheim sends no player names: you get the count and play times.

Examples:
  npx valheim query 203.0.113.7
  npx valheim query valheim.example.com:2456 --json`,
    )
    .action(async (target: string, options: { json?: boolean; timeout: number }) => {
      await query({ target, timeoutMs: options.timeout, ...(options.json && { json: true }) }, deps);
    });
}
