import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { TokenBucket } from './token-bucket.js';

/**
 * A loopback stand-in for an API Gateway HTTP API stage, built from a synthesized template's routes and stage
 * throttles: it matches each request to a route key (`METHOD /path`, else `$default`), takes a token from
 * that route's bucket (the route's own RouteSettings, else the stage's DefaultRouteSettings) and the
 * account's, answers 429 without calling anything when either is empty, and otherwise hands the integration
 * a payload-2.0 event. What is not modelled: path parameters, greedy paths, authorizers.
 */
export interface EmulatedStage {
  /** Route keys as the template has them (`POST /discord/<segment>`, `$default`). */
  readonly routeKeys: readonly string[];
  readonly defaultRouteSettings: { readonly rate: number; readonly burst: number };
  readonly routeSettings: Readonly<Record<string, { readonly rate: number; readonly burst: number }>>;
  /** The account's regional limit, shared by every route. @default 10,000/s, burst 5,000 */
  readonly account?: { readonly rate: number; readonly burst: number };
  readonly integration: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:1234/ (the stage URL: routes follow). */
  readonly url: string;
  /** Requests each route key received and how many were throttled. */
  readonly counts: Map<string, { received: number; throttled: number }>;
  close(): Promise<void>;
}

export async function startApiGatewayEmulator(stage: EmulatedStage): Promise<RunningEmulator> {
  const buckets = new Map<string, TokenBucket>();
  for (const key of stage.routeKeys) {
    const limits = stage.routeSettings[key] ?? stage.defaultRouteSettings;
    buckets.set(key, new TokenBucket(limits.rate, limits.burst));
  }
  const account = new TokenBucket(stage.account?.rate ?? 10_000, stage.account?.burst ?? 5_000);
  const counts = new Map<string, { received: number; throttled: number }>();
  const started = performance.now();

  const routeOf = (method: string, path: string): string | undefined => {
    const exact = `${method} ${path}`;
    if (buckets.has(exact)) return exact;
    return buckets.has('$default') ? '$default' : undefined;
  };

  const server = createServer((request, response) => {
    void (async () => {
      const body = await readAll(request);
      const path = (request.url ?? '/').split('?')[0] ?? '/';
      const routeKey = routeOf(request.method ?? 'GET', path);
      const reply = (status: number, text: string, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(text);
      };
      if (!routeKey) return reply(404, '{"message":"Not Found"}');
      const count = counts.get(routeKey) ?? { received: 0, throttled: 0 };
      counts.set(routeKey, count);
      count.received++;
      const now = (performance.now() - started) / 1000;
      const bucket = buckets.get(routeKey) as TokenBucket;
      if (!account.take(now) || !bucket.take(now)) {
        count.throttled++;
        return reply(429, '{"message":"Too Many Requests"}');
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
      }
      const result = await stage.integration({
        version: '2.0',
        routeKey,
        rawPath: path,
        rawQueryString: '',
        headers,
        body: body.toString('base64'),
        isBase64Encoded: true,
        requestContext: { http: { method: request.method ?? 'GET', path } },
      } as unknown as APIGatewayProxyEventV2);
      reply(
        result.statusCode ?? 200,
        String(result.body ?? ''),
        (result.headers ?? {}) as Record<string, string>,
      );
    })().catch(() => {
      response.writeHead(500);
      response.end('{"message":"Internal Server Error"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readAll(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
