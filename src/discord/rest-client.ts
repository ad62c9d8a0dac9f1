import type {
  APIApplication,
  APIApplicationCommand,
  RESTPatchAPIChannelMessageJSONBody,
  RESTPatchAPIWebhookWithTokenMessageJSONBody,
  RESTPostAPIChannelMessageJSONBody,
  RESTPostAPIWebhookWithTokenJSONBody,
  RESTPutAPIApplicationGuildCommandsJSONBody,
} from 'discord-api-types/v10';
import { fitMessage } from './limits.js';

/**
 * The few Discord calls the Lambdas make (the monitor's notices; the deploy-time command registration and
 * endpoint wiring), over fetch. A general client such as @discordjs/rest (used by the CLI) would add ~600 KB
 * to a Lambda that runs every minute while the server is up, and it retries a request that timed out whatever
 * its method (`shouldRetry` on AbortError), which posts a message twice when Discord was merely slow. Here
 * 429 (after its Retry-After) and 5xx (with backoff) are retried within a time budget; a request without an
 * answer is retried only when repeating it is harmless (an edit, a put, a post with an enforced nonce).
 */

export const DISCORD_API = 'https://discord.com/api/v10';
const USER_AGENT = 'DiscordBot (https://github.com/valheim-ondemand/valheim-ondemand, 0.1)';
/** First backoff after a 5xx or a missing answer; doubles each time. */
const FIRST_BACKOFF_MS = 250;

export class DiscordApiError extends Error {
  override readonly name = 'DiscordApiError';
  /** Discord's JSON error code (e.g. 10015 unknown webhook, 40001 unauthorized), when it sent one. */
  readonly code?: number;
  constructor(
    /** HTTP status; 0 when no answer came (timeout, connection error): the request may have been applied. */
    readonly status: number,
    readonly route: string,
    readonly detail: string,
  ) {
    super(
      status === 0
        ? `Discord did not answer ${route}: ${detail}`
        : `Discord answered ${status} to ${route}: ${detail}`,
    );
    const code = errorCode(detail);
    if (code !== undefined) this.code = code;
  }

  /** Discord may have applied the request although we saw no answer. */
  get unanswered(): boolean {
    return this.status === 0;
  }

  /** Worth trying again later: no answer, rate-limited, or a server error. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export interface DiscordRestOptions {
  /** @default https://discord.com/api/v10 (tests point this at a loopback fake) */
  readonly baseUrl?: string;
  /** Needed only for channel messages; read lazily (from SSM) and cached by the caller. */
  readonly botToken?: () => Promise<string>;
  /** Per-request time limit. @default 5000 ms */
  readonly timeoutMs?: number;
  /** Time one call may spend on retries (429, 5xx) before it fails. @default 6000 ms */
  readonly retryBudgetMs?: number;
  /** The clock the retry budget is measured on (tests pass a fake one with `sleep`). @default Date.now */
  readonly now?: () => number;
  /** Waits between attempts (tests make it instant). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface ChannelPostOptions {
  /**
   * Makes the post idempotent (≤ 25 characters): Discord returns the earlier message instead of creating a
   * second one with the same nonce for a few minutes (`enforce_nonce`), so a post without an answer can be
   * repeated.
   */
  readonly nonce?: string;
}

export class DiscordRest {
  private readonly baseUrl: string;

  constructor(private readonly options: DiscordRestOptions = {}) {
    this.baseUrl = (options.baseUrl ?? DISCORD_API).replace(/\/$/, '');
  }

  /** Edits the original reply of an interaction (token valid 15 minutes; no bot token needed). */
  async editOriginal(
    applicationId: string,
    token: string,
    message: RESTPatchAPIWebhookWithTokenMessageJSONBody,
  ) {
    await this.request('PATCH', `/webhooks/${applicationId}/${token}/messages/@original`, message, {
      idempotent: true,
    });
  }

  /** Sends a follow-up message to an interaction (token valid 15 minutes). */
  async followUp(applicationId: string, token: string, message: RESTPostAPIWebhookWithTokenJSONBody) {
    await this.request('POST', `/webhooks/${applicationId}/${token}`, message);
  }

  /** Posts to a channel as the bot; resolves with the message's id. */
  async postToChannel(
    channelId: string,
    message: RESTPostAPIChannelMessageJSONBody,
    { nonce }: ChannelPostOptions = {},
  ): Promise<{ id: string }> {
    const answer = await this.request(
      'POST',
      `/channels/${channelId}/messages`,
      nonce ? { ...message, nonce, enforce_nonce: true } : message,
      { authorization: await this.bot(), idempotent: nonce !== undefined },
    );
    return { id: String((answer as { id?: unknown } | undefined)?.id ?? '') };
  }

  /** Edits a message the bot posted (idempotent: the whole content is sent). */
  async editChannelMessage(
    channelId: string,
    messageId: string,
    message: RESTPatchAPIChannelMessageJSONBody,
  ): Promise<void> {
    await this.request('PATCH', `/channels/${channelId}/messages/${messageId}`, message, {
      authorization: await this.bot(),
      idempotent: true,
    });
  }

  /** Bulk-overwrites the guild's commands (idempotent). */
  async putGuildCommands(
    applicationId: string,
    guildId: string,
    commands: RESTPutAPIApplicationGuildCommandsJSONBody,
  ) {
    await this.request('PUT', `/applications/${applicationId}/guilds/${guildId}/commands`, commands, {
      authorization: await this.bot(),
      idempotent: true,
    });
  }

  /** The guild's commands of this application. */
  async getGuildCommands(applicationId: string, guildId: string): Promise<APIApplicationCommand[]> {
    return (await this.request(
      'GET',
      `/applications/${applicationId}/guilds/${guildId}/commands`,
      undefined,
      {
        authorization: await this.bot(),
        idempotent: true,
      },
    )) as APIApplicationCommand[];
  }

  async deleteGuildCommand(applicationId: string, guildId: string, commandId: string) {
    await this.request(
      'DELETE',
      `/applications/${applicationId}/guilds/${guildId}/commands/${commandId}`,
      undefined,
      { authorization: await this.bot(), idempotent: true },
    );
  }

  /** Any GET as the bot, e.g. `/users/@me/guilds` (for checks that read what Discord has). */
  async get(route: string): Promise<unknown> {
    return this.request('GET', route, undefined, { authorization: await this.bot(), idempotent: true });
  }

  /** The application the bot token belongs to (its ID, public key and interactions endpoint URL). */
  async getCurrentApplication(): Promise<APIApplication> {
    return (await this.request('GET', '/applications/@me', undefined, {
      authorization: await this.bot(),
      idempotent: true,
    })) as APIApplication;
  }

  /**
   * Sets the application's interactions endpoint; Discord checks it live (PING and forged requests) first.
   * `null` clears it.
   */
  async setInteractionsEndpoint(url: string | null) {
    await this.request(
      'PATCH',
      '/applications/@me',
      { interactions_endpoint_url: url },
      { authorization: await this.bot(), idempotent: true },
    );
  }

  private async bot(): Promise<string> {
    if (!this.options.botToken) throw new Error('this call needs the bot token');
    return `Bot ${await this.options.botToken()}`;
  }

  private async request(
    method: string,
    route: string,
    body: unknown,
    { authorization, idempotent = false }: { authorization?: string; idempotent?: boolean } = {},
  ): Promise<unknown> {
    // Interaction tokens are secrets too: keep them out of error messages and logs.
    const safeRoute = `${method} ${route.replace(/\/webhooks\/(\d+)\/[^/]+/, '/webhooks/$1/<token>')}`;
    const now = this.options.now ?? Date.now;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
    const deadline = now() + (this.options.retryBudgetMs ?? 6000);
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(method, route, safeRoute, body, authorization);
      if (!(outcome instanceof DiscordApiError)) return outcome.answer;
      const error = outcome;
      const mayRepeat = error.status === 0 ? idempotent : error.transient;
      const waitMs =
        error.status === 429 ? error.retryAfterMs : FIRST_BACKOFF_MS * 2 ** attempt * (1 + Math.random() / 4);
      if (!mayRepeat || now() + waitMs > deadline) throw error;
      await sleep(waitMs);
    }
  }

  /** One request; returns the error rather than throwing it, so the caller decides on a retry. */
  private async attempt(
    method: string,
    route: string,
    safeRoute: string,
    body: unknown,
    authorization: string | undefined,
  ): Promise<(DiscordApiError & { retryAfterMs: number }) | { answer: unknown }> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${route}`, {
        method,
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          ...(authorization && { authorization }),
        },
        ...(body !== undefined && { body: JSON.stringify(fits(body)) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
    } catch (error) {
      // fetch says only "fetch failed"; the cause has the reason (ENOTFOUND, ECONNREFUSED, …).
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      const reason = typeof cause === 'string' ? cause : (error as Error).message;
      return Object.assign(new DiscordApiError(0, safeRoute, reason), { retryAfterMs: 0 });
    }
    if (response.ok) {
      const text = await response.text();
      return { answer: text ? (JSON.parse(text) as unknown) : undefined };
    }
    const text = await response.text();
    return Object.assign(new DiscordApiError(response.status, safeRoute, text.slice(0, 300)), {
      retryAfterMs: response.status === 429 ? retryAfterMs(response, text) : 0,
    });
  }
}

function retryAfterMs(response: Response, text: string): number {
  try {
    const seconds = Number((JSON.parse(text) as { retry_after?: unknown }).retry_after);
    if (Number.isFinite(seconds)) return Math.ceil(seconds * 1000);
  } catch {
    // fall back to the header
  }
  const header = Number(response.headers.get('retry-after'));
  return Number.isFinite(header) ? header * 1000 : Number.POSITIVE_INFINITY;
}

/** Message bodies (they carry `content`) are cut to Discord's limits; command lists and settings are not. */
function fits(body: unknown): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'content' in body
    ? fitMessage(body as Parameters<typeof fitMessage>[0])
    : body;
}

function errorCode(detail: string): number | undefined {
  try {
    const code = (JSON.parse(detail) as { code?: unknown }).code;
    return typeof code === 'number' ? code : undefined;
  } catch {
    return undefined;
  }
}
