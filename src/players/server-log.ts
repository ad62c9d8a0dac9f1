import { START_LOG_FILTER_TERMS } from '../monitor/start-phases.js';

/**
 * Reads the Valheim server's log lines (as the container prints them) into the events the bot cares about.
 * Crossplay servers always report 0 players over the query protocol, so for them the log is the only
 * trustworthy count; for private servers (which do not answer queries) it is too.
 */

export type LogEvent =
  /** Periodic crossplay line: the authoritative count and the join code. */
  | { readonly kind: 'session-active'; readonly players: number; readonly joinCode: string }
  /** The join code players need with crossplay; also means the server accepts players. */
  | { readonly kind: 'join-code'; readonly joinCode: string }
  /** The server is connected to Steam and accepts players. */
  | { readonly kind: 'ready' }
  | { readonly kind: 'connected'; readonly peerId: string }
  | { readonly kind: 'disconnected'; readonly peerId: string }
  /** A character spawned (join or respawn; deaths, logged as "0:0", are left out). */
  | { readonly kind: 'character'; readonly name: string }
  /** Periodic line (~every 10 min) with the number of connections. */
  | { readonly kind: 'connections'; readonly count: number }
  | { readonly kind: 'world-saved' }
  | { readonly kind: 'shutdown' };

const PATTERNS: ReadonlyArray<readonly [RegExp, (match: RegExpExecArray) => LogEvent | undefined]> = [
  [
    /Session "(?:.*)" with join code (\d+) and IP \S+ is active with (\d+) player\(s\)/,
    (m) => ({ kind: 'session-active', joinCode: m[1] ?? '', players: Number(m[2]) }),
  ],
  [/Session "(?:.*)" registered with join code (\d+)/, (m) => ({ kind: 'join-code', joinCode: m[1] ?? '' })],
  [/Game server connected\b/, () => ({ kind: 'ready' })],
  [/Got connection SteamID (\d+)/, (m) => ({ kind: 'connected', peerId: m[1] ?? '' })],
  [/Closing socket (\d+)/, (m) => ({ kind: 'disconnected', peerId: m[1] ?? '' })],
  [
    /Got character ZDOID from (.+?) : (-?\d+):(\d+)/,
    (m) => (m[2] === '0' && m[3] === '0' ? undefined : { kind: 'character', name: m[1] ?? '' }),
  ],
  [/Connections (\d+) ZDOS:/, (m) => ({ kind: 'connections', count: Number(m[1]) })],
  [/World saved \(|Saved \d+ zdos/, () => ({ kind: 'world-saved' })],
  [/ZNet Shutdown|OnApplicationQuit/, () => ({ kind: 'shutdown' })],
];

export function parseLogLine(line: string): LogEvent | undefined {
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(line);
    if (match) return build(match);
  }
  return undefined;
}

/**
 * The CloudWatch Logs subscription filter pattern that forwards only lines `parseLogLine` understands, so
 * the log Lambda runs a few times per session rather than for every line steamcmd prints; plus the start-up
 * lines that time a start's phases (START_LOG_FILTER_TERMS, src/monitor/start-phases.ts).
 */
export const LOG_FILTER_PATTERN = `?"is active with" ?"registered with join code" ?"Game server connected" ?"Got connection SteamID" ?"Closing socket" ?"Got character ZDOID" ?"Connections" ?"Saved" ?"World saved" ?"ZNet Shutdown" ?"OnApplicationQuit" ${START_LOG_FILTER_TERMS}`;
