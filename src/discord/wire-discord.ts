import type { Logger } from '../log.js';
import { guildCommands } from './commands.js';
import { DiscordApiError, type DiscordRest } from './rest-client.js';

/**
 * What a deploy does to Discord: register the guild's commands and point the application's interactions
 * endpoint at the stack's URL. It never throws: a failure becomes a sentence with the manual fallback,
 * so a Discord hiccup cannot roll back (or break) the stack.
 */
export interface WireDiscordInput {
  readonly applicationId: string;
  readonly guildId: string;
  readonly endpointUrl: string;
}

export interface WireDiscordDeps {
  readonly rest: DiscordRest;
  /** Resolves once the endpoint answers HTTP at all (Discord validates it live). */
  readonly waitForEndpoint: (url: string) => Promise<void>;
  readonly log: Logger;
}

export interface WireDiscordResult {
  readonly ok: boolean;
  /** A one-line summary for the stack output. */
  readonly status: string;
}

const FALLBACK = 'run "npx valheim discord register" and "npx valheim discord endpoint <DiscordEndpointUrl>"';

export async function wireDiscord(
  input: WireDiscordInput,
  deps: WireDiscordDeps,
): Promise<WireDiscordResult> {
  try {
    await deps.rest.putGuildCommands(input.applicationId, input.guildId, guildCommands());
  } catch (error) {
    return failed('registering the slash commands', error, deps.log);
  }
  try {
    await deps.waitForEndpoint(input.endpointUrl);
    await deps.rest.setInteractionsEndpoint(input.endpointUrl);
  } catch (error) {
    return failed('setting the interactions endpoint URL', error, deps.log);
  }
  deps.log.info('discord wired', { applicationId: input.applicationId, guildId: input.guildId });
  return {
    ok: true,
    status: `commands registered in guild ${input.guildId}; endpoint set to ${input.endpointUrl}`,
  };
}

function failed(step: string, error: unknown, log: Logger): WireDiscordResult {
  log.error('discord wiring failed', { step, error });
  return { ok: false, status: `Discord was not set up (${step} failed: ${explain(error)}); ${FALLBACK}` };
}

function explain(error: unknown): string {
  if (error instanceof DiscordApiError) {
    if (error.status === 401)
      return 'the bot token was rejected; run "npx valheim secrets set --only bot-token"';
    if (error.status === 403) return 'missing access; invite the bot with the applications.commands scope';
    if (error.status === 400 && error.route.includes('@me')) {
      return 'Discord could not verify the endpoint; check discord.publicKey in the config';
    }
    return `Discord answered ${error.status}`;
  }
  return error instanceof Error ? error.message.slice(0, 200) : 'unknown error';
}
