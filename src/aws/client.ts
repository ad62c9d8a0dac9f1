import type { Agent, IncomingHttpHeaders, RequestOptions } from 'node:http';
import { type AwsSetup, resolveSetup } from './setup.js';
import { signRequest } from './signature-v4.js';

/*
 * A small AWS client for the interactions Lambda's hot path: SigV4 with node:crypto, node:http(s) with a
 * keep-alive agent, the JSON and query protocols, and the parts of the SDK's behaviour the commands rely on
 * (retries with backoff on throttling and network faults, clock-skew correction, error names, abort
 * signals, AWS_ENDPOINT_URL*). It loads in about a millisecond where the SDK's DynamoDB and ECS clients take
 * over a hundred; docs/cold-start.md has the measurements and what it leaves out.
 */

/** How one service is reached. */
export interface ServiceDescription {
  /** SigV4 signing name, e.g. `dynamodb`, `ecs`, `ec2`, `ce`. */
  readonly signingName: string;
  /** Host prefix of the regional endpoint: `https://<prefix>.<region>.amazonaws.com`. */
  readonly endpointPrefix: string;
  /** The SDK's service id as in `AWS_ENDPOINT_URL_<ID>`, e.g. `DYNAMODB`, `COST_EXPLORER`. */
  readonly endpointId: string;
  /** A global service's one region (Cost Explorer: us-east-1), for its endpoint and signature. */
  readonly globalRegion?: string;
}

export interface AwsClientOptions {
  /** Attempts per request, the first included. @default 2 (the SDK clients here use the same) */
  readonly maxAttempts?: number;
  /** Region and credentials; shared by every client of the process. @default resolved from process.env */
  readonly setup?: () => Promise<AwsSetup>;
  readonly env?: NodeJS.ProcessEnv;
  /** Waits between attempts (tests make it instant). @default setTimeout */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What AWS answered with an error, named like the SDK names it (the code), so callers match by name. */
export class AwsServiceError extends Error {
  override readonly name: string;
  readonly $metadata: { readonly httpStatusCode: number; readonly requestId?: string; attempts: number };
  readonly $fault: 'client' | 'server';

  constructor(code: string, message: string, statusCode: number, requestId: string | undefined) {
    super(message);
    this.name = code;
    this.$fault = statusCode >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: statusCode, ...(requestId && { requestId }), attempts: 1 };
  }
}

/** One HTTP exchange's outcome, before interpretation. */
interface RawResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Error codes worth another attempt (the SDK's lists: throttling and transient faults). */
const THROTTLING_CODES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
const TRANSIENT_CODES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const CLOCK_SKEW_CODES = new Set([
  'AuthFailure',
  'InvalidSignatureException',
  'RequestExpired',
  'RequestInTheFuture',
  'RequestTimeTooSkewed',
  'SignatureDoesNotMatch',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

/** The SDK's standard retry strategy: full jitter over 100 ms × 2^n, 500 ms for throttling, at most 20 s. */
const BASE_DELAY_MS = 100;
const THROTTLING_BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 20_000;
/** A response Date this far from ours means our clock (not the signature) is wrong: sign with AWS's time. */
const SKEW_TOLERANCE_MS = 5 * 60_000;

let sharedSetup: Promise<AwsSetup> | undefined;

/** The process's region and credentials, resolved on first use; a failure is retried by the next request. */
export function processSetup(): Promise<AwsSetup> {
  sharedSetup ??= resolveSetup(process.env).catch((error: unknown) => {
    sharedSetup = undefined;
    throw error;
  });
  return sharedSetup;
}

/** What is used of node:http and node:https (same shape). */
type HttpModule = Pick<typeof import('node:http'), 'request' | 'Agent'>;
const transports: { http?: Promise<HttpModule>; https?: Promise<HttpModule> } = {};
const agents = new Map<string, Agent>();

/** node:https costs several milliseconds to load: only the scheme in use is loaded, once. */
function transport(protocol: string): Promise<HttpModule> {
  if (protocol === 'http:') {
    transports.http ??= import('node:http');
    return transports.http;
  }
  transports.https ??= import('node:https');
  return transports.https;
}

export class AwsClient {
  private readonly maxAttempts: number;
  private readonly setup: () => Promise<AwsSetup>;
  private readonly env: NodeJS.ProcessEnv;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Milliseconds to add to this machine's clock to get AWS's (learnt from a skew error's Date header). */
  private clockOffsetMs = 0;
  private target: Promise<{ url: URL; region: string; http: HttpModule }> | undefined;

  constructor(
    private readonly service: ServiceDescription,
    options: AwsClientOptions = {},
  ) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 2);
    this.setup = options.setup ?? processSetup;
    this.env = options.env ?? process.env;
    this.sleep = options.sleep ?? abortableSleep;
  }

  /**
   * Resolves credentials and the endpoint and loads the transport, without sending anything. Safe to call
   * any number of times; the interactions endpoint calls it while it checks a request's signature.
   */
  prepare(): Promise<void> {
    return this.resolveTarget().then(
      () => undefined,
      () => undefined, // the request that needs it reports the problem
    );
  }

  /** A JSON-protocol call (DynamoDB: 1.0; ECS, SSM, Cost Explorer: 1.1); returns the parsed answer. */
  async json<T>(
    target: string,
    input: unknown,
    options: { readonly version: '1.0' | '1.1'; readonly signal?: AbortSignal | undefined },
    reviver?: (key: string, value: unknown) => unknown,
  ): Promise<T> {
    const body = JSON.stringify(input);
    const response = await this.send(
      { 'content-type': `application/x-amz-json-${options.version}`, 'x-amz-target': target },
      body,
      options.signal,
    );
    return (response.body ? JSON.parse(response.body, reviver) : {}) as T;
  }

  /** A query-protocol call (EC2): form-encoded parameters in, the XML answer as text out. */
  async query(
    action: string,
    version: string,
    params: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<string> {
    const body = new URLSearchParams({ Action: action, Version: version, ...params }).toString();
    const response = await this.send(
      { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
      signal,
    );
    return response.body;
  }

  private resolveTarget() {
    this.target ??= (async () => {
      const setup = await this.setup();
      const region = this.service.globalRegion ?? setup.region;
      const url = endpointUrl(this.service, region, this.env);
      return { url, region, http: await transport(url.protocol) };
    })().catch((error: unknown) => {
      this.target = undefined;
      throw error;
    });
    return this.target;
  }

  private async send(
    headers: Record<string, string>,
    body: string,
    signal: AbortSignal | undefined,
  ): Promise<RawResponse> {
    const { url, region, http } = await this.resolveTarget();
    const setup = await this.setup();
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const credentials = await setup.credentials();
      const signed = signRequest(
        { method: 'POST', url, headers, body },
        {
          service: this.service.signingName,
          region,
          credentials,
          at: new Date(Date.now() + this.clockOffsetMs),
        },
      );
      let response: RawResponse;
      try {
        response = await exchange(http, url, signed, body, signal);
      } catch (error) {
        if (signal?.aborted || attempt >= this.maxAttempts || !isNetworkFault(error)) throw error;
        await this.sleep(backoffMs(attempt, BASE_DELAY_MS), signal);
        continue;
      }
      if (response.statusCode < 300) return response;
      const error = parseError(response);
      error.$metadata.attempts = attempt;
      if (attempt >= this.maxAttempts) throw error;
      if (CLOCK_SKEW_CODES.has(error.name) && this.correctClock(response)) continue;
      const throttled = THROTTLING_CODES.has(error.name) || response.statusCode === 429;
      if (!throttled && !TRANSIENT_CODES.has(error.name) && response.statusCode < 500) throw error;
      await this.sleep(backoffMs(attempt, throttled ? THROTTLING_BASE_DELAY_MS : BASE_DELAY_MS), signal);
    }
  }

  /** Whether the answer's Date shows our clock is off; if so, later signatures use AWS's time. */
  private correctClock(response: RawResponse): boolean {
    const serverTime = Date.parse(String(response.headers.date ?? ''));
    if (Number.isNaN(serverTime)) return false;
    const offset = serverTime - Date.now();
    if (Math.abs(offset - this.clockOffsetMs) < SKEW_TOLERANCE_MS) return false;
    this.clockOffsetMs = offset;
    return true;
  }
}

/**
 * `AWS_ENDPOINT_URL_<ID>`, else `AWS_ENDPOINT_URL` (how `valheim serve`, the tests and the benchmark point
 * at loopback stand-ins), else the regional endpoint. `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` turns the
 * variables off, as for the SDK.
 */
export function endpointUrl(service: ServiceDescription, region: string, env: NodeJS.ProcessEnv): URL {
  const ignore = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true';
  const configured = ignore
    ? undefined
    : env[`AWS_ENDPOINT_URL_${service.endpointId}`] || env.AWS_ENDPOINT_URL;
  if (configured) return new URL(configured);
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://${service.endpointPrefix}.${region}.${suffix}/`);
}

function exchange(
  http: HttpModule,
  url: URL,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal | undefined,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const options: RequestOptions = {
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port || undefined,
      path: url.pathname || '/',
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      agent: agentFor(http, url.protocol),
      ...(signal && { signal }),
    };
    const request = http.request(options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          statusCode: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', reject);
    });
    // An abort rejects with the signal's reason (the deadline's error), as the SDK does.
    request.on('error', (error) => reject(signal?.aborted ? signal.reason : error));
    request.end(body);
  });
}

function agentFor(http: HttpModule, protocol: string): Agent {
  let agent = agents.get(protocol);
  if (!agent) {
    // Keep-alive: a warm Lambda's next command reuses the connection (and its TLS session).
    agent = new http.Agent({ keepAlive: true });
    agents.set(protocol, agent);
  }
  return agent;
}

function isNetworkFault(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    (error instanceof Error && error.message === 'socket hang up')
  );
}

function backoffMs(attempt: number, base: number): number {
  return Math.floor(Math.random() * Math.min(MAX_DELAY_MS, base * 2 ** (attempt - 1)));
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The error code and message, wherever the protocol puts them: JSON `__type` (maybe namespaced with `#`) or
 * the `x-amzn-errortype` header (maybe with `:<uri>`), the query protocol's `<Code>`, else the HTTP status.
 */
export function parseError(response: RawResponse): AwsServiceError {
  const requestId = headerValue(response.headers['x-amzn-requestid'] ?? response.headers['x-amz-request-id']);
  let code: string | undefined;
  let message: string | undefined;
  const text = response.body.trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      code = stringOf(parsed.__type) ?? stringOf(parsed.code) ?? stringOf(parsed.Code);
      message = stringOf(parsed.message) ?? stringOf(parsed.Message) ?? stringOf(parsed.errorMessage);
    } catch {
      // not JSON after all: the status decides below
    }
  } else if (text.startsWith('<')) {
    code = xmlText(text, 'Code');
    message = xmlText(text, 'Message');
  }
  code = headerValue(response.headers['x-amzn-errortype']) ?? code;
  const name = code ? code.split(':')[0]?.split('#').pop()?.trim() : undefined;
  return new AwsServiceError(
    name || `Http${response.statusCode}Error`,
    message ?? `AWS answered HTTP ${response.statusCode}`,
    response.statusCode,
    requestId ?? xmlText(text, 'RequestId') ?? xmlText(text, 'RequestID'),
  );
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return (Array.isArray(value) ? value[0] : value) || undefined;
}

/** The text of the first `<tag>` element: enough for the handful of fields read from EC2's answers. */
export function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return match?.[1] === undefined ? undefined : decodeXml(match[1]);
}

function decodeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_entity, name: string) => {
    switch (name) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(
          name.startsWith('#x') ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1)),
        );
    }
  });
}
