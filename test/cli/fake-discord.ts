import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for Discord's REST API: records every request and answers from a script.
 * Point the CLI at it with DISCORD_API_URL=<apiUrl>.
 */

export interface RecordedRequest {
  readonly method: string;
  /** Path including the /api/v10 prefix, e.g. "/api/v10/applications/@me". */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when there was none (or it was not JSON: see `raw`). */
  readonly body: unknown;
  /** The body as sent (a multipart upload's files are here). */
  readonly raw: Buffer;
  /** When the request arrived (ms since the epoch). */
  readonly at: number;
}

export interface FakeResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Answer only after this long (the request counts as received, like a slow Discord that applied it). */
  readonly delayMs?: number;
  /**
   * Answer nothing and cut the connection: the request counts as received (Discord applied it) and the client
   * sees no answer, as after its timeout, without waiting one out.
   */
  readonly dropConnection?: boolean;
  /** Answer only once this settles (a Discord that is slow exactly as long as a test needs). */
  readonly holdUntil?: Promise<unknown>;
}

export type Responder = FakeResponse | ((request: RecordedRequest) => FakeResponse);

export interface FakeDiscord {
  /** Base URL for DISCORD_API_URL (without version), e.g. "http://127.0.0.1:40123/api". */
  readonly apiUrl: string;
  readonly requests: RecordedRequest[];
  /** Answers `method path` with these responses in turn; the last one repeats. */
  reply(method: string, path: string, ...responses: Responder[]): void;
  /** Answers requests no `reply` script matches (undefined: 404), e.g. a stateful fake application. */
  fallback(responder: (request: RecordedRequest) => FakeResponse | undefined): void;
  /** Resolves with the first request to `method path` from now on. */
  received(method: string, path: string): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export const NOT_FOUND: FakeResponse = { status: 404, body: { message: '404: Not Found', code: 0 } };

export async function startFakeDiscord(): Promise<FakeDiscord> {
  const requests: RecordedRequest[] = [];
  const scripts = new Map<string, Responder[]>();
  let fallback: (request: RecordedRequest) => FakeResponse | undefined = () => undefined;
  const waiting: Array<{ key: string; resolve: (request: RecordedRequest) => void }> = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = raw.toString('utf8');
      const multipart = req.headers['content-type']?.startsWith('multipart/') ?? false;
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: text && !multipart ? (JSON.parse(text) as unknown) : undefined,
        raw,
        at: Date.now(),
      };
      requests.push(recorded);
      const key = `${recorded.method} ${recorded.path}`;
      for (const waiter of waiting.filter((entry) => entry.key === key)) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve(recorded);
      }
      const queue = scripts.get(key);
      const next = queue && queue.length > 1 ? queue.shift() : queue?.[0];
      const response =
        typeof next === 'function' ? next(recorded) : (next ?? fallback(recorded) ?? NOT_FOUND);
      const answer = () => {
        if (res.destroyed) return;
        if (response.dropConnection) {
          res.socket?.destroy();
          return;
        }
        res.writeHead(response.status, { 'content-type': 'application/json', ...response.headers });
        res.end(response.body === undefined ? '' : JSON.stringify(response.body));
      };
      if (response.holdUntil) void response.holdUntil.finally(answer);
      else if (response.delayMs) setTimeout(answer, response.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    requests,
    reply: (method, path, ...responses) => {
      scripts.set(`${method} ${path}`, responses);
    },
    fallback: (responder) => {
      fallback = responder;
    },
    received: (method, path) => new Promise((resolve) => waiting.push({ key: `${method} ${path}`, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A port nothing listens on (for "Discord is unreachable"). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
