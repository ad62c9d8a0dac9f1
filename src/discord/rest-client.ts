import type {
  APIApplication,
  APIApplicationCommand,
  RESTPatchAPIWebhookWithTokenMessageJSONBody,
  RESTPostAPIChannelMessageJSONBody,
  RESTPostAPIWebhookWithTokenJSONBody,
  RESTPutAPIApplicationGuildCommandsJSONBody,
} from 'discord-api-types/v10';

/**
 * The few Discord calls the Lambdas make (the monitor's notices; the deploy-time command registration and
 * endpoint wiring), over fetch. A general client such as @discordjs/rest (used by the CLI) would add ~600 KB
 * to a Lambda that runs every minute while the server is up; rate limits get one bounded retry here.
 */

export const DISCORD_API = 'https://discord.com/api/v10';
const USER_AGENT = 'DiscordBot (https://github.com/valheim-ondemand/valheim-ondemand, 0.1)';
/** Wait at most this long for a rate limit to clear before giving up. */
const MAX_RETRY_WAIT_MS = 5000;

export class DiscordApiError extends Error {
  override readonly name = 'DiscordApiError';
  constructor(
    readonly status: number,
    readonly route: string,
    readonly detail: string,
  ) {
    super(`Discord answered ${status} to ${route}: ${detail}`);
  }

  /** Discord's JSON error code (e.g. 50001 Missing Access, 20012 another application's token), if any. */
  get code(): number | undefined {
    try {
      const code = (JSON.parse(this.detail) as { code?: unknown }).code;
      return typeof code === 'number' ? code : undefined;
    } catch {
      return undefined;
    }
  }
}

export interface DiscordRestOptions {
  /** @default https://discord.com/api/v10 (tests point this at a loopback fake) */
  readonly baseUrl?: string;
  /** Needed only for channel messages; read lazily (from SSM) and cached by the caller. */
  readonly botToken?: () => Promise<string>;
  /** Per-request time limit. @default 5000 ms */
  readonly timeoutMs?: number;
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
    await this.request('PATCH', `/webhooks/${applicationId}/${token}/messages/@original`, message);
  }

  /** Sends a follow-up message to an interaction (token valid 15 minutes). */
  async followUp(applicationId: string, token: string, message: RESTPostAPIWebhookWithTokenJSONBody) {
    await this.request('POST', `/webhooks/${applicationId}/${token}`, message);
  }

  /** Posts to a channel as the bot. */
  async postToChannel(channelId: string, message: RESTPostAPIChannelMessageJSONBody) {
    await this.request('POST', `/channels/${channelId}/messages`, message, await this.bot());
  }

  /** Bulk-overwrites the guild's commands (idempotent). */
  async putGuildCommands(
    applicationId: string,
    guildId: string,
    commands: RESTPutAPIApplicationGuildCommandsJSONBody,
  ) {
    await this.request(
      'PUT',
      `/applications/${applicationId}/guilds/${guildId}/commands`,
      commands,
      await this.bot(),
    );
  }

  /** The guild's commands of this application. */
  async getGuildCommands(applicationId: string, guildId: string): Promise<APIApplicationCommand[]> {
    return (await this.request(
      'GET',
      `/applications/${applicationId}/guilds/${guildId}/commands`,
      undefined,
      await this.bot(),
    )) as APIApplicationCommand[];
  }

  async deleteGuildCommand(applicationId: string, guildId: string, commandId: string) {
    await this.request(
      'DELETE',
      `/applications/${applicationId}/guilds/${guildId}/commands/${commandId}`,
      undefined,
      await this.bot(),
    );
  }

  /** Any GET as the bot, e.g. `/users/@me/guilds` (for checks that read what Discord has). */
  async get(route: string): Promise<unknown> {
    return this.request('GET', route, undefined, await this.bot());
  }

  /** The application the bot token belongs to (its ID, public key and interactions endpoint URL). */
  async getCurrentApplication(): Promise<APIApplication> {
    return (await this.request('GET', '/applications/@me', undefined, await this.bot())) as APIApplication;
  }

  /**
   * Sets the application's interactions endpoint; Discord checks it live (PING and forged requests) first.
   * `null` clears it.
   */
  async setInteractionsEndpoint(url: string | null) {
    await this.request('PATCH', '/applications/@me', { interactions_endpoint_url: url }, await this.bot());
  }

  private async bot(): Promise<string> {
    if (!this.options.botToken) throw new Error('this call needs the bot token');
    return `Bot ${await this.options.botToken()}`;
  }

  private async request(
    method: string,
    route: string,
    body: unknown,
    authorization?: string,
    retried = false,
  ): Promise<unknown> {
    // Interaction tokens are secrets too: keep them out of error messages and logs.
    const safeRoute = route.replace(/\/webhooks\/(\d+)\/[^/]+/, '/webhooks/$1/<token>');
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${route}`, {
        method,
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          ...(authorization && { authorization }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
    } catch (error) {
      // fetch says only "fetch failed"; the cause has the reason (ENOTFOUND, ECONNREFUSED, …).
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      const reason = typeof cause === 'string' ? cause : (error as Error).message;
      throw new DiscordApiError(0, `${method} ${safeRoute}`, reason);
    }
    if (response.ok) {
      const text = await response.text();
      return text ? (JSON.parse(text) as unknown) : undefined;
    }
    const text = await response.text();
    if (response.status === 429 && !retried) {
      const waitMs = retryAfterMs(response, text);
      if (waitMs <= MAX_RETRY_WAIT_MS) {
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        return this.request(method, route, body, authorization, true);
      }
    }
    throw new DiscordApiError(response.status, `${method} ${safeRoute}`, text.slice(0, 300));
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
