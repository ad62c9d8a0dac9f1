import { redactEndpointUrl } from './endpoint-path.js';

/**
 * One reading of Discord's refusals, for every caller: the deploy-time wiring and `valheim doctor` (through
 * the project's own fetch client) and the CLI's `discord register`/`endpoint` (through @discordjs/rest).
 * Each caller turns its client's error into a DiscordRefusal and adds what to do afterwards (`retry`); what
 * a status and code mean, and the fix for it, are said here once. Imports nothing heavy (endpoint-path.ts alone), so a Lambda may use it.
 */

/** What Discord answered, whichever client received it. */
export interface DiscordRefusal {
  /** HTTP status (never 0: a request without an answer is the caller's network failure). */
  readonly status: number;
  /** Discord's JSON error code, e.g. 50001 Missing Access, 20012 not this application's. */
  readonly code?: number | undefined;
  /** The request path, e.g. /applications/1/guilds/2/commands (tells a guild route from an @me one). */
  readonly route: string;
  /** Discord's own message, e.g. "Missing Access". */
  readonly message: string;
}

/** The application and server the request was about. */
export interface DiscordTarget {
  readonly applicationId: string;
  readonly guildId: string;
  /** The interactions endpoint, for a failed verification. */
  readonly endpointUrl?: string;
}

export interface ExplainedRefusal {
  /** What is wrong, naming Discord's status and code. */
  readonly detail: string;
  /** What to do about it (the caller may append how to try again). */
  readonly fix: string;
}

/** Discord's error codes that change the meaning of a status. */
export const DiscordCode = {
  UnknownApplication: 10002,
  UnknownGuild: 10004,
  NotThisApplication: 20012,
  MissingAccess: 50001,
} as const;

/** The bot's invite link: bot + slash commands, with Send Messages (2048) for notices. */
export function botInviteUrl(applicationId: string): string {
  return `https://discord.com/oauth2/authorize?client_id=${applicationId}&scope=bot+applications.commands&permissions=2048`;
}

/**
 * A refusal as what is wrong and what to do, naming the real cause: a token of another application is not
 * "invite the bot", and a bot that is not in the server is not "bad token". `retry` (e.g. "then redeploy")
 * is appended to fixes after which trying again helps; a bug's fix stands alone.
 */
export function explainRefusal(
  refusal: DiscordRefusal,
  target: DiscordTarget,
  action: string,
  retry?: string,
): ExplainedRefusal {
  const { status, code, route } = refusal;
  const said = `${status}${code === undefined ? '' : `, code ${code}`}: ${refusal.message.slice(0, 120) || 'no message'}`;
  const then = (fix: string) => (retry ? `${fix}, ${retry}` : fix);
  if (status === 401) {
    return {
      detail: `Discord rejected the bot token (${said})`,
      fix: then(
        'store a fresh token (Developer Portal → Bot → Reset Token) with "npx valheim secrets set --only bot-token"',
      ),
    };
  }
  if (status === 403 && code === DiscordCode.NotThisApplication) {
    return {
      detail: `the bot token is another application's, not ${target.applicationId}'s (${said})`,
      fix: then(
        `store the bot token of application ${target.applicationId} (npx valheim secrets set --only bot-token) or fix discord.applicationId`,
      ),
    };
  }
  if (status === 403 && route.includes('/guilds/')) {
    return {
      detail: `the bot is not in Discord server ${target.guildId}, so Discord refused to ${action} (${said})`,
      fix: then(`invite it: ${botInviteUrl(target.applicationId)} (check discord.guildId)`),
    };
  }
  if (status === 404 && code === DiscordCode.UnknownGuild) {
    return {
      detail: `Discord knows no server ${target.guildId} (${said})`,
      fix: then('check discord.guildId in the config (right-click the server → Copy Server ID)'),
    };
  }
  if (status === 404 && code === DiscordCode.UnknownApplication) {
    return {
      detail: `Discord knows no application ${target.applicationId} (${said})`,
      fix: then('check discord.applicationId (Developer Portal → General Information → Application ID)'),
    };
  }
  if (status === 404) {
    return {
      detail: `Discord does not know application ${target.applicationId} or server ${target.guildId} (${said})`,
      fix: then(
        `check discord.applicationId and discord.guildId in the config (right-click → Copy ID), and invite the bot: ${botInviteUrl(target.applicationId)}`,
      ),
    };
  }
  if (status === 400 && route.includes('@me')) {
    return {
      detail: `Discord could not verify the endpoint ${redactEndpointUrl(target.endpointUrl ?? '')} (${said})`,
      fix: then("check discord.publicKey is the application's Public Key and the stack is deployed"),
    };
  }
  if (status === 400) {
    return {
      detail: `Discord rejected the request to ${action} (${said})`,
      fix: 'this is a bug in valheim-ondemand; please report it with this line',
    };
  }
  if (status === 429) {
    return { detail: `Discord rate-limited the request to ${action}`, fix: then('wait a minute') };
  }
  if (status >= 500) {
    return {
      detail: `Discord failed to ${action} (${status}, a problem on Discord's side)`,
      fix: then('check https://discordstatus.com'),
    };
  }
  return {
    detail: `Discord refused to ${action} (${said})`,
    fix: retry ?? 'check the message and try again',
  };
}
