import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * A bounded flood of junk at a loopback endpoint while signed requests are measured: what `valheim serve`
 * (the Lambda's code) does when someone who knows the URL posts garbage. Loopback only, bounded in count and
 * time, so it can run in a test and in `npm run bench`.
 */
export interface FloodOptions {
  /** Where the signed requests go; must be a loopback URL. */
  readonly url: string;
  /** Where each junk request goes (loopback too). @default url */
  readonly junkUrl?: () => string;
  /** Stop after this many junk requests… */
  readonly junkRequests: number;
  /** …or after this long, whichever comes first. */
  readonly maxSeconds: number;
  /** Junk requests in flight at once. */
  readonly junkConcurrency: number;
  /** A new signed request (each with its own interaction id) and how to tell its answer is right. */
  readonly signed: () => {
    headers: Record<string, string>;
    body: Buffer;
    ok: (status: number, body: string) => boolean;
  };
  /** Pause between signed requests (one at a time, like a group clicking). */
  readonly signedEveryMs: number;
  /**
   * The junk goes on (within `maxSeconds`) until at least this many signed requests went out during it: a
   * quick machine sends the junk in a fraction of a second, which would leave too few signed ones to judge.
   * @default 0
   */
  readonly minSignedRequests?: number;
}

export interface FloodResult {
  readonly junkSent: number;
  /** Junk answered 401 (the rest got anything else: should be 0 when it goes to the endpoint itself). */
  readonly junkRefused: number;
  /** Junk by the status it got. */
  readonly junkStatuses: Readonly<Record<number, number>>;
  readonly junkPerSecond: number;
  readonly signedSent: number;
  readonly signedAnswered: number;
  /** Latencies of the correctly answered signed requests, in ms. */
  readonly signedLatencies: readonly number[];
}

/** Junk as a flooder would send it: a fresh timestamp (so it reaches the signature check) and a wrong signature. */
function junk(): { headers: Record<string, string>; body: Buffer } {
  return {
    headers: {
      'content-type': 'application/json',
      'x-signature-ed25519': randomBytes(64).toString('hex'),
      'x-signature-timestamp': String(Math.floor(Date.now() / 1000)),
    },
    body: Buffer.from(JSON.stringify({ type: 2, id: '1', data: { name: 'valheim', pad: 'x'.repeat(800) } })),
  };
}

/** POSTs over the given agent's connections; resolves with status and body. */
function post(
  url: string,
  request: { headers: Record<string, string>; body: Buffer },
  agent: Agent,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      { method: 'POST', agent, headers: { ...request.headers, 'content-length': request.body.length } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

export async function floodWhileSigned(options: FloodOptions): Promise<FloodResult> {
  const junkUrl = options.junkUrl ?? (() => options.url);
  for (const url of [options.url, junkUrl()]) {
    const host = new URL(url).hostname;
    if (host !== '127.0.0.1' && host !== '[::1]' && host !== 'localhost') {
      throw new Error(`the flood goes to loopback only, not ${host}`);
    }
  }
  // Separate connection pools: junk must not queue the signed requests behind it on the client side.
  const junkAgent = new Agent({ keepAlive: true, maxSockets: options.junkConcurrency });
  const signedAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const deadline = performance.now() + options.maxSeconds * 1000;
  let junkSent = 0;
  let junkRefused = 0;
  const junkStatuses: Record<number, number> = {};
  let flooding = true;
  const started = performance.now();

  let signedSent = 0;
  const minSigned = options.minSignedRequests ?? 0;
  const junkWorkers = Array.from({ length: options.junkConcurrency }, async () => {
    while ((junkSent < options.junkRequests || signedSent < minSigned) && performance.now() < deadline) {
      junkSent++;
      const target = junkUrl();
      if (!/^https?:\/\/(127\.0\.0\.1|\[::1\]|localhost)[:/]/.test(target)) throw new Error('loopback only');
      const response = await post(target, junk(), junkAgent);
      if (response.status === 401) junkRefused++;
      junkStatuses[response.status] = (junkStatuses[response.status] ?? 0) + 1;
    }
  });
  const floodDone = Promise.all(junkWorkers).then(() => {
    flooding = false;
  });

  let signedAnswered = 0;
  const signedLatencies: number[] = [];
  const signedWorker = (async () => {
    while (flooding) {
      const request = options.signed();
      signedSent++;
      const t0 = performance.now();
      const response = await post(options.url, request, signedAgent);
      if (request.ok(response.status, response.text)) {
        signedAnswered++;
        signedLatencies.push(performance.now() - t0);
      }
      await new Promise((resolve) => setTimeout(resolve, options.signedEveryMs));
    }
  })();

  await floodDone;
  await signedWorker;
  const elapsed = (performance.now() - started) / 1000;
  junkAgent.destroy();
  signedAgent.destroy();
  return {
    junkSent,
    junkRefused,
    junkStatuses,
    junkPerSecond: junkSent / elapsed,
    signedSent,
    signedAnswered,
    signedLatencies,
  };
}
