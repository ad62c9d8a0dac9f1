import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { DiscordAPIError, HTTPError, RateLimitError, REST } from '@discordjs/rest';
import { secretParameterNames } from '../config/parameters.js';
import type { ValheimConfig } from '../config/schema.js';
import { type DiscordRefusal, type DiscordTarget, explainRefusal } from '../discord/discord-errors.js';
import { awsFailure, CliError, networkErrorCode, oneLine } from './errors.js';

/** Discord's REST API base (without the version). Override with DISCORD_API_URL, e.g. to point tests at a fake. */
export const DISCORD_API_URL = 'https://discord.com/api';

/** Environment variables the Discord commands read. */
export interface DiscordEnvironment {
  /** Bot token; when unset, the token stored by `valheim secrets set` is read from SSM. */
  readonly DISCORD_BOT_TOKEN?: string | undefined;
  /** API base URL without version; defaults to https://discord.com/api. */
  readonly DISCORD_API_URL?: string | undefined;
}

export type BotTokenSource = 'env' | 'ssm';

export interface BotToken {
  readonly token: string;
  readonly source: BotTokenSource;
}

export function discordApiUrl(env: DiscordEnvironment): string {
  const value = env.DISCORD_API_URL?.trim();
  if (!value) return DISCORD_API_URL;
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new CliError(
      `DISCORD_API_URL "${value}" is not an http(s) URL`,
      `unset it to use ${DISCORD_API_URL}, or set it to a base URL such as http://127.0.0.1:8080/api`,
    );
  }
  return value.replace(/\/+$/, '');
}

/**
 * A REST client for Discord's v10 API authenticated as the bot. @discordjs/rest (with the undici it brings,
 * about 0.5 MB) is loaded here, by the commands that call Discord, not by every `valheim` start.
 */
export async function discordRest(token: string, env: DiscordEnvironment): Promise<REST> {
  const { REST } = await import('@discordjs/rest');
  return new REST({
    version: '10',
    api: discordApiUrl(env),
    userAgentAppendix: 'valheim-ondemand',
  }).setToken(token);
}

/*
 * @discordjs/rest's errors, recognised by their shape rather than by `instanceof`: the package is loaded
 * lazily (above), and a module that only classifies errors should not load it to do so.
 */
export function isDiscordApiError(error: unknown): error is DiscordAPIError {
  return (
    error instanceof Error &&
    'rawError' in error &&
    typeof (error as { status?: unknown }).status === 'number'
  );
}

function isRateLimitError(error: unknown): error is RateLimitError {
  return error instanceof Error && 'retryAfter' in error && 'timeToReset' in error;
}

function isHttpError(error: unknown): error is HTTPError {
  return (
    error instanceof Error &&
    error.name === 'HTTPError' &&
    typeof (error as { status?: unknown }).status === 'number'
  );
}

/**
 * The bot token: DISCORD_BOT_TOKEN when set, else the SecureString `valheim secrets set` stored in SSM.
 * `config` is loaded only when SSM is needed.
 */
export async function resolveBotToken(
  env: DiscordEnvironment,
  config: () => ValheimConfig,
  ssm: (region: string) => SSMClient,
): Promise<BotToken> {
  const fromEnv = env.DISCORD_BOT_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv.replace(/^Bot\s+/i, ''), source: 'env' };

  const { stackName, region } = config();
  const name = secretParameterNames(stackName).botToken;
  try {
    const result = await ssm(region).send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const token = result.Parameter?.Value?.trim();
    if (token) return { token, source: 'ssm' };
  } catch (error) {
    const errorName = (error as Error).name;
    if (errorName !== 'ParameterNotFound') {
      throw awsFailure(error, {
        action: 'read the bot token from SSM',
        permission: `ssm:GetParameter on ${name} (and kms:Decrypt for SecureStrings)`,
        region,
      });
    }
  }
  throw new CliError(
    `no bot token is stored in SSM (${name} in ${region}) and DISCORD_BOT_TOKEN is not set`,
    'run valheim secrets set --only bot-token (or set DISCORD_BOT_TOKEN)',
  );
}

export interface DiscordFailureContext {
  /** What the CLI was doing, e.g. "register the commands". */
  readonly action: string;
  readonly token: BotToken;
  readonly apiUrl: string;
  /** The application and server the request was about: Discord's refusals are then explained by cause. */
  readonly target?: DiscordTarget;
  /** What to run once the cause is fixed, e.g. "then run valheim discord register again". */
  readonly retry?: string;
}

/** @discordjs/rest's error as the shared map of Discord's refusals reads it. */
function refusalOf(error: DiscordAPIError): DiscordRefusal {
  return {
    status: error.status,
    code: typeof error.code === 'number' ? error.code : undefined,
    route: URL.canParse(error.url) ? new URL(error.url).pathname : error.url,
    message: oneLine(error.message),
  };
}

/**
 * Maps failures every Discord call shares (bad token, other refusals, outages, network) to one line.
 * Anything else (a bug) is returned unchanged.
 */
export function discordFailure(error: unknown, context: DiscordFailureContext): unknown {
  const { action, token, apiUrl } = context;
  if (isDiscordApiError(error)) {
    if (error.status === 401) {
      return new CliError(
        `bot token rejected by Discord (401 Unauthorized; the token came from ${token.source === 'env' ? 'DISCORD_BOT_TOKEN' : 'SSM'})`,
        token.source === 'env'
          ? 'fix DISCORD_BOT_TOKEN, or unset it and run valheim secrets set --only bot-token'
          : 'run valheim secrets set --only bot-token with a fresh token (Developer Portal → Bot → Reset Token)',
      );
    }
    if (context.target) {
      const { detail, fix } = explainRefusal(refusalOf(error), context.target, action, context.retry);
      return new CliError(detail, fix);
    }
    return new CliError(
      `Discord refused to ${action} (${error.status}: ${oneLine(error.message)})`,
      'check the application in the Discord Developer Portal and try again',
    );
  }
  if (isRateLimitError(error)) {
    return new CliError(
      `Discord rate-limited the request to ${action} (retry after ${Math.ceil(error.retryAfter / 1000)} s)`,
      'wait and try again',
    );
  }
  if (isHttpError(error)) {
    return new CliError(
      `Discord failed to ${action} (HTTP ${error.status} after retries)`,
      'Discord may be having problems; check https://discordstatus.com and try again later',
    );
  }
  const name = error instanceof Error ? error.name : '';
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new CliError(
      `Discord did not answer in time while trying to ${action}`,
      'check your internet connection and try again',
    );
  }
  const code = networkErrorCode(error);
  if (code || (error instanceof TypeError && /fetch failed/i.test(error.message))) {
    return new CliError(
      `could not reach Discord at ${apiUrl} (${code ?? 'network error'}) to ${action}`,
      apiUrl === DISCORD_API_URL
        ? 'check your internet connection (and proxy settings) and try again'
        : 'check DISCORD_API_URL (unset it to use Discord) and your connection',
    );
  }
  return error;
}
