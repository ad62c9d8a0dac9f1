import type { SSMClient } from '@aws-sdk/client-ssm';
import { Command } from 'commander';
import {
  type RESTGetCurrentApplicationResult,
  type RESTPatchCurrentApplicationJSONBody,
  Routes,
} from 'discord-api-types/v10';
import { loadConfig } from '../../config/load.js';
import { type CommandContext, DISCORD_ENV_HELP } from '../command-context.js';
import {
  discordApiUrl,
  discordFailure,
  discordRest,
  isDiscordApiError,
  resolveBotToken,
} from '../discord-client.js';
import { CliError, oneLine } from '../errors.js';
import type { Terminal } from '../io.js';

export interface EndpointOptions {
  /** The interactions endpoint URL (the stack's own is set by `valheim discord wire`). */
  readonly url: string;
  /** Accept http:// (a local `valheim serve` behind a tunnel that Discord can still reach). */
  readonly allowHttp?: boolean;
  /** Config file: only read when the bot token has to come from SSM. */
  readonly config: string;
}

export interface EndpointDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly term: Terminal;
  readonly ssm: (region: string) => SSMClient;
}

/** Checks the URL before asking Discord; returns warnings for things that are allowed but probably wrong. */
export function checkEndpointUrl(url: string, allowHttp = false): string[] {
  if (!URL.canParse(url)) {
    throw new CliError(
      `"${url}" is not a URL`,
      "pass the full endpoint URL, e.g. https://abc123.execute-api.eu-central-1.amazonaws.com/discord/<secret path> (or let npx valheim discord wire set the stack's)",
    );
  }
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && !(allowHttp && parsed.protocol === 'http:')) {
    throw new CliError(
      `Discord only calls https:// endpoints, but "${url}" was given`,
      parsed.protocol === 'http:'
        ? "use the https:// URL (npx valheim discord wire sets the stack's), or pass --allow-http if you know better"
        : "use the https:// URL (npx valheim discord wire sets the stack's)",
    );
  }
  if (parsed.username || parsed.password || parsed.hash) {
    throw new CliError(
      `"${url}" contains credentials or a #fragment`,
      "pass the plain endpoint URL (npx valheim discord wire sets the stack's)",
    );
  }
  // The stack answers at /discord/<40 hex characters>, valheim serve at /discord.
  return /\/discord(\/[0-9a-f]{40})?$/.test(parsed.pathname)
    ? []
    : [
        `the URL does not end with /discord/<secret path> (the stack) or /discord (valheim serve); check it is the endpoint`,
      ];
}

/**
 * Sets the application's Interactions Endpoint URL (PATCH /applications/@me) and reads it back.
 * Discord verifies the endpoint live (a signed PING and invalid signatures) before saving it.
 */
export async function setInteractionsEndpoint(options: EndpointOptions, deps: EndpointDeps): Promise<void> {
  const { url } = options;
  for (const warning of checkEndpointUrl(url, options.allowHttp))
    deps.term.err(`valheim: warning: ${warning}`);

  const token = await resolveBotToken(deps.env, () => loadConfig(options.config), deps.ssm);
  const apiUrl = discordApiUrl(deps.env);
  const rest = await discordRest(token.token, deps.env);
  const body: RESTPatchCurrentApplicationJSONBody = { interactions_endpoint_url: url };

  let application: RESTGetCurrentApplicationResult;
  try {
    await rest.patch(Routes.currentApplication(), { body });
    application = (await rest.get(Routes.currentApplication())) as RESTGetCurrentApplicationResult;
  } catch (error) {
    if (isDiscordApiError(error) && error.status === 400) {
      throw new CliError(
        `Discord could not verify the endpoint ${url} (${oneLine(error.message)}): is the stack deployed and DISCORD_PUBLIC_KEY right?`,
        'Discord sends a signed PING and expects 200 {"type":1} within 3 s; deploy (npx valheim deploy), check discord.publicKey in the config, then run this again',
      );
    }
    throw discordFailure(error, { action: 'set the interactions endpoint', token, apiUrl });
  }
  if (application.interactions_endpoint_url !== url) {
    throw new CliError(
      `Discord accepted the endpoint but reads back "${application.interactions_endpoint_url ?? '(none)'}" for application ${application.id}`,
      'check the bot token belongs to this application and run the command again',
    );
  }
  deps.term.out(`Discord verified and saved the interactions endpoint of ${application.name}: ${url}`);
}

/** `valheim discord endpoint <url>`. */
export function discordEndpointCommand({ deps, configOption }: CommandContext<EndpointDeps>): Command {
  return new Command('endpoint')
    .description("Set the application's Interactions Endpoint URL (Discord verifies it live)")
    .argument('<url>', "the endpoint (for the stack's own, use npx valheim discord wire)")
    .option('--allow-http', 'accept an http:// URL')
    .addOption(configOption())
    .addHelpText('after', DISCORD_ENV_HELP)
    .action(async (url: string, options: { allowHttp?: boolean; config: string }) => {
      await setInteractionsEndpoint({ url, ...options }, deps);
    });
}
