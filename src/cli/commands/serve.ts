import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { gameServiceNames } from '../../config/names.js';
import { secretParameterNames } from '../../config/parameters.js';
import type { ValheimConfig } from '../../config/schema.js';
import { errorResponse, type HttpResponse, MAX_BODY_BYTES } from '../../discord/endpoint.js';
import { EnvironmentError, readInteractionsEnvironment } from '../../handlers/environment.js';
import { createInteractionsApp, type InteractionsAppOptions } from '../../handlers/interactions-app.js';
import { jsonLogger, type Logger } from '../../log.js';
import { type CommandContext, parsePort } from '../command-context.js';
import { CliError } from '../errors.js';
import type { Terminal } from '../io.js';

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';
/** The only route: where Discord POSTs interactions, as on API Gateway. */
export const ENDPOINT_PATH = '/discord';

export interface StartServerOptions {
  /** TCP port; 0 picks a free one. @default 8787 */
  readonly port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** Read like the Lambda's environment: DISCORD_PUBLIC_KEY (required), DISCORD_GUILD_ID, ECS_CLUSTER, … */
  readonly env: NodeJS.ProcessEnv;
  /** @default jsonLogger (JSON lines on stdout/stderr) */
  readonly log?: Logger;
  /** Replaces the AWS-backed game server, state store or password (tests, benchmarks). @default - the light AWS client (src/aws) */
  readonly backends?: InteractionsAppOptions['backends'];
}

export interface RunningServer {
  /** The endpoint URL, e.g. "http://127.0.0.1:8787/discord" (already ends with /discord). */
  readonly url: string;
  /** Settings the endpoint lacks for commands (PING still works); empty when complete. */
  readonly problems: readonly string[];
  /** Stops accepting connections, lets requests in flight finish (at most 5 s), then resolves. */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 5000;

/**
 * Serves POST /discord with the same app as the Lambda, over node:http. Throws a CliError (before
 * listening) when DISCORD_PUBLIC_KEY is missing or invalid, or when the port cannot be used.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const port = options.port ?? DEFAULT_PORT;
  const host = options.host ?? DEFAULT_HOST;
  const log = options.log ?? jsonLogger;
  let environment: ReturnType<typeof readInteractionsEnvironment>;
  try {
    environment = readInteractionsEnvironment(options.env);
  } catch (error) {
    if (error instanceof EnvironmentError) {
      throw new CliError(
        error.message,
        'e.g. DISCORD_PUBLIC_KEY=<64 hex characters> npx valheim serve (the key is public, not a secret)',
      );
    }
    throw error;
  }
  const app = createInteractionsApp({
    environment,
    log,
    ...(options.backends && { backends: options.backends }),
  });

  const server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000 }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (request.destroyed && !request.complete) return; // the client went away mid-body: nobody to answer
      log.error('local endpoint failed', { error });
      if (!response.headersSent) send(response, errorResponse(500, 'internal error'));
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== ENDPOINT_PATH) {
      return send(
        response,
        errorResponse(404, `not found; Discord interactions go to POST ${ENDPOINT_PATH}`),
      );
    }
    if (request.method !== 'POST') {
      return send(response, errorResponse(405, `method not allowed; use POST ${ENDPOINT_PATH}`), {
        allow: 'POST',
      });
    }
    const declared = Number(request.headers['content-length']);
    const body = declared > MAX_BODY_BYTES ? undefined : await readBody(request, MAX_BODY_BYTES);
    if (body === undefined) return refuseTooLarge(request, response);
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    send(response, await app({ headers, body }));
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => reject(listenFailure(error, host, port));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });

  const address = server.address() as AddressInfo;
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostInUrl}:${address.port}${ENDPOINT_PATH}`,
    problems: environment.problems,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/** Reads the body up to `limit` bytes; undefined (and reading stops) as soon as it is larger. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        request.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('client went away before sending the whole body'));
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

/** Answers 413 without reading the rest, then closes the connection (its unread body makes it unusable). */
function refuseTooLarge(request: IncomingMessage, response: ServerResponse): void {
  request.pause();
  send(response, errorResponse(413, `request body larger than ${MAX_BODY_BYTES} bytes`), {
    connection: 'close',
  });
  response.once('finish', () => {
    // Give the client a moment to read the answer before the socket goes away.
    setTimeout(() => request.socket.destroy(), 100).unref();
  });
}

function send(
  response: ServerResponse,
  result: HttpResponse,
  extraHeaders: Record<string, string> = {},
): void {
  response.writeHead(result.statusCode, { ...result.headers, ...extraHeaders });
  response.end(result.body);
}

function listenFailure(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') {
    return new CliError(
      `port ${port} on ${host} is already in use`,
      'pass another --port, or stop the other program',
    );
  }
  if (error.code === 'EACCES') {
    return new CliError(`not allowed to listen on port ${port}`, 'pass a --port above 1023');
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return new CliError(
      `cannot listen on host ${host}`,
      'pass --host 127.0.0.1 (or an address of this machine)',
    );
  }
  return error;
}

export interface ServeDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly term: Terminal;
  readonly log?: Logger;
  /** Resolves when the server should stop (SIGINT/SIGTERM in the CLI) with the reason. */
  readonly untilShutdown: () => Promise<string>;
}

export interface ServeOptions {
  readonly port?: number;
  readonly host?: string;
  /** The config the other commands read; its settings fill what the environment does not set. */
  readonly config?: string;
}

/**
 * The endpoint's environment from the config, as the stack gives it to the Lambda: everything the config
 * decides (key, server, roles, the fixed ECS names, the password parameter, the stop timings, the region).
 * The state table, the world bucket and the transfer network are generated names that only the deployed
 * stack knows: they stay environment variables (without them commands work from ECS alone and
 * /valheim backup is off).
 */
export function serveEnvironment(config: ValheimConfig): Record<string, string> {
  const { cluster, service } = gameServiceNames(config.stackName);
  return {
    DISCORD_PUBLIC_KEY: config.discord.publicKey,
    DISCORD_GUILD_ID: config.discord.guildId,
    OPERATOR_ROLE_IDS: config.discord.operatorRoleIds.join(','),
    ECS_CLUSTER: cluster,
    ECS_SERVICE: service,
    SERVER_PASSWORD_PARAMETER: secretParameterNames(config.stackName).serverPassword,
    PASSWORD_VISIBLE_TO: config.discord.passwordVisibleTo,
    IDLE_STOP_MINUTES: String(config.lifecycle.idleStopMinutes),
    EMPTY_STOP_MINUTES: String(config.lifecycle.emptyStopMinutes),
    WORLD_NAME: config.server.world,
    AWS_REGION: config.region,
    ...(config.cost.monthlyLimitUsd !== undefined && {
      COST_MONTHLY_LIMIT: String(config.cost.monthlyLimitUsd),
    }),
  };
}

/**
 * `valheim serve`: the Lambda's endpoint on this machine, until interrupted. Reads the config like every
 * other command (an environment variable set explicitly wins); without a config file, the environment alone.
 */
export async function serve(options: ServeOptions, deps: ServeDeps): Promise<void> {
  const file = options.config;
  const fromConfig = file !== undefined && existsSync(file) ? serveEnvironment(loadConfig(file)) : undefined;
  const env = { ...fromConfig, ...definedOnly(deps.env) };
  const running = await startServer({
    ...(options.port !== undefined && { port: options.port }),
    ...(options.host !== undefined && { host: options.host }),
    env,
    ...(deps.log && { log: deps.log }),
  });
  deps.term.out(`Listening on ${running.url} (POST only). Press Ctrl-C to stop.`);
  deps.term.out(
    fromConfig
      ? `Settings from ${file}${Object.keys(fromConfig).some((name) => deps.env[name]) ? ' (environment variables set explicitly win)' : ''}.`
      : `No config file at ${file ?? DEFAULT_CONFIG_FILE}: settings from the environment only.`,
  );
  for (const problem of running.problems) {
    deps.term.err(`valheim: warning: ${problem} — PING works, commands will answer with this problem`);
  }
  deps.term.out(
    'To let Discord reach it, put an https tunnel in front and run: npx valheim discord endpoint https://<tunnel>/discord',
  );
  const reason = await deps.untilShutdown();
  deps.term.err(`valheim: ${reason}, stopping…`);
  await running.close();
  deps.term.err('valheim: stopped');
}

/** The variables that are set (an empty one does not override the config). */
function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    ),
  );
}

/** `valheim serve`. */
export function serveCommand({ deps, configOption }: CommandContext<ServeDeps>): Command {
  return new Command('serve')
    .description(
      'Answer Discord interactions on this machine (POST /discord), with the same code as the Lambda',
    )
    .option('--port <n>', 'TCP port (0 = any free port)', parsePort, DEFAULT_PORT)
    .option('--host <address>', 'address to listen on', DEFAULT_HOST)
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Reads the config like the other commands: the public key, the server (guild), operator roles, the ECS
names, the password parameter, the stop timings and the region come from it, as the stack gives them to
the Lambda. An environment variable set explicitly wins; without a config file only the environment counts.

Environment (as for the Lambda):
  DISCORD_PUBLIC_KEY  the application public key (64 hex characters); required without a config
  DISCORD_GUILD_ID, ECS_CLUSTER, ECS_SERVICE, OPERATOR_ROLE_IDS, COMMAND_BUDGET_MS
                      needed for /valheim commands (PING works without them)
  STATE_TABLE         the stack's DynamoDB table (output StateTable): claims, and the bot's state
  TRANSFER_TASK_DEFINITION, TRANSFER_SUBNETS, TRANSFER_SECURITY_GROUPS, WORLD_BUCKET, WORLD_NAME
                      all five for /valheim backup (none: backups from Discord are off)
  AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL  for the ECS calls`,
    )
    .action(async (options: { port: number; host: string; config: string }) => {
      await serve(options, deps);
    });
}
