import type { KeyObject } from 'node:crypto';
import type {
  APIApplicationCommandAutocompleteInteraction,
  APIApplicationCommandAutocompleteResponse,
  APIChatInputApplicationCommandInteraction,
  APIInteraction,
  APIInteractionResponse,
  APIMessageComponentInteraction,
} from 'discord-api-types/v10';
import { withDeadline } from '../deadline.js';
import type { Logger } from '../log.js';
import { Callback, CommandType, Interaction } from './constants.js';
import {
  type InteractionClaim,
  type InteractionLedger,
  InteractionNotClaimedError,
  isFreshTimestamp,
} from './replay.js';
import { messageResponse, PONG } from './responses.js';
import { isValidDiscordSignature } from './verify.js';

/** A request as both the Lambda and the local server see it: lower-case header names, raw body bytes. */
export interface HttpRequest {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Interactions are a few KB; anything far larger is not from Discord and is refused before verifying. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface InteractionHandlers {
  /**
   * Answers a slash command. Expected never to throw; a throw still gets a polite reply. Runs while the
   * interaction id is being recorded: it must await `claimed` before any write. The answer is sent only
   * once the id was recorded as new, whatever the handler does.
   */
  command(
    interaction: APIChatInputApplicationCommandInteraction,
    claimed: InteractionClaim,
  ): Promise<APIInteractionResponse>;
  /** Answers a button click. Same contract as `command`. */
  component(
    interaction: APIMessageComponentInteraction,
    claimed: InteractionClaim,
  ): Promise<APIInteractionResponse>;
  /**
   * Suggests option values while a member types (e.g. world names). Must only read: it is answered without
   * recording the interaction id. A throw (or no handler) answers with no suggestions.
   */
  autocomplete?(
    interaction: APIApplicationCommandAutocompleteInteraction,
  ): Promise<APIApplicationCommandAutocompleteResponse>;
  /**
   * Called when a request has passed the cheap checks, before its signature is verified: starts loading what
   * commands need (the AWS client, credentials, endpoints) so that it overlaps the verification. Must not
   * throw, send anything, or cost more than once per process.
   */
  prepare?(): void;
}

/** How a signed request is told from a replayed copy. */
export interface ReplayProtection {
  /** The clock the signed timestamp is compared with, in Unix seconds. */
  readonly nowSeconds: () => number;
  /** Where answered interaction ids are recorded; a function so that a PING loads nothing for it. */
  readonly ledger: () => Promise<InteractionLedger>;
}

/**
 * Time allowed for recording the interaction id. It comes on top of the command's own budget
 * (COMMAND_BUDGET_MS, at most 2000 ms), so together they stay well inside Discord's 3 s.
 */
export const CLAIM_BUDGET_MS = 400;

/** The answer to a repeated interaction id: it does nothing and shows nothing a replayer could use. */
export const ALREADY_ANSWERED_MESSAGE =
  'This request was already answered, so this copy of it does nothing. Use `/valheim status` to see how the server is.';
export const CLAIM_FAILED_MESSAGE =
  'I could not make sure this request is not a copy of an earlier one, so I did nothing. Please try again in a moment.';

/**
 * Discord's side of the protocol: size limit, timestamp window, signature, JSON, PING, replay check,
 * dispatch. Junk is refused with the cheapest checks first and before any I/O. Unverified or stale requests
 * get 401 (Discord probes with bad signatures and removes endpoints that accept them); bad bodies get 4xx,
 * never 5xx. A PING is answered without touching the ledger: a replayed PING gets only a PONG.
 */
export async function handleInteractionRequest(
  request: HttpRequest,
  publicKey: KeyObject,
  handlers: InteractionHandlers,
  log: Logger,
  replay: ReplayProtection,
): Promise<HttpResponse> {
  if (request.body.length > MAX_BODY_BYTES) {
    return errorResponse(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
  }
  const signature = request.headers['x-signature-ed25519'];
  const timestamp = request.headers['x-signature-timestamp'];
  // Before the signature: comparing two numbers is far cheaper than an Ed25519 verification.
  if (timestamp === undefined || !isFreshTimestamp(timestamp, replay.nowSeconds())) {
    return errorResponse(401, 'request timestamp missing or not within 5 minutes of now');
  }
  handlers.prepare?.();
  if (!isValidDiscordSignature(publicKey, signature, timestamp, request.body)) {
    return errorResponse(401, 'invalid request signature');
  }
  let interaction: unknown;
  try {
    interaction = JSON.parse(request.body.toString('utf8'));
  } catch {
    return errorResponse(400, 'body is not JSON');
  }
  if (!isInteraction(interaction)) return errorResponse(400, 'body is not an interaction');
  if (interaction.type === Interaction.Ping) return jsonResponse(200, PONG);
  // Suggestions change nothing and show only what `/valheim world list` shows everyone: answered at once,
  // without recording the id (a replay gets the same suggestions), so that typing stays quick.
  if (interaction.type === Interaction.ApplicationCommandAutocomplete) {
    return suggest(interaction as APIApplicationCommandAutocompleteInteraction, handlers, log);
  }

  const id = (interaction as { id?: unknown }).id;
  if (typeof id !== 'string' || !/^\d{1,20}$/.test(id)) {
    return errorResponse(400, 'interaction without an id');
  }
  // The id is recorded while the handler reads what it needs (one round trip instead of two on a cold
  // start); the handler waits for the record before it changes anything, and nothing is answered before it.
  const claim = claimInteraction(id, replay);
  const claimed: InteractionClaim = () =>
    claim.then((outcome) => {
      if (outcome !== 'first') throw new InteractionNotClaimedError(`interaction ${id} not recorded as new`);
    });

  let answer: Promise<HttpResponse>;
  switch (interaction.type) {
    case Interaction.ApplicationCommand: {
      if (interaction.data?.type !== CommandType.ChatInput || typeof interaction.data.name !== 'string') {
        return errorResponse(400, 'unsupported command type');
      }
      const command = interaction as APIChatInputApplicationCommandInteraction;
      answer = politely(() => handlers.command(command, claimed), log, 'command handler threw', {
        command: command.data.name,
      });
      break;
    }
    case Interaction.MessageComponent: {
      if (typeof interaction.data?.custom_id !== 'string')
        return errorResponse(400, 'component without custom_id');
      const click = interaction as APIMessageComponentInteraction;
      answer = politely(() => handlers.component(click, claimed), log, 'component handler threw', {
        customId: click.data.custom_id,
      });
      break;
    }
    default:
      return errorResponse(400, `unsupported interaction type ${String(interaction.type)}`);
  }

  const outcome = await claim;
  if (outcome === 'first') return answer;
  // The handler stops at its first write (it awaits the claim); whatever it would say is not sent.
  if (outcome === 'repeat') {
    log.warn('repeated interaction id refused (a replay)', { interactionId: id, type: interaction.type });
    // 200 with a harmless message rather than an error: should Discord ever repeat a request itself, the
    // user sees a sentence instead of "This interaction failed".
    return jsonResponse(200, messageResponse(ALREADY_ANSWERED_MESSAGE, { ephemeral: true }));
  }
  log.error('interaction id not recorded', { interactionId: id, error: outcome.error });
  return jsonResponse(200, messageResponse(CLAIM_FAILED_MESSAGE, { ephemeral: true }));
}

type ClaimOutcome = 'first' | 'repeat' | { readonly error: unknown };

/** Records the interaction id within CLAIM_BUDGET_MS; never rejects. */
async function claimInteraction(id: string, replay: ReplayProtection): Promise<ClaimOutcome> {
  try {
    const ledger = await replay.ledger();
    return (await withDeadline(CLAIM_BUDGET_MS, (signal) => ledger.claim(id, signal))) ? 'first' : 'repeat';
  } catch (error) {
    return { error };
  }
}

/** The handler's answer as a 200; a throw (the handlers promise not to) still gets a polite sentence. */
async function politely(
  handle: () => Promise<APIInteractionResponse>,
  log: Logger,
  problem: string,
  fields: Record<string, unknown>,
): Promise<HttpResponse> {
  try {
    return jsonResponse(200, await handle());
  } catch (error) {
    if (!(error instanceof InteractionNotClaimedError)) log.error(problem, { ...fields, error });
    return jsonResponse(
      200,
      messageResponse('Something went wrong on my side. Please try again.', { ephemeral: true }),
    );
  }
}

const NO_SUGGESTIONS: APIApplicationCommandAutocompleteResponse = {
  type: Callback.ApplicationCommandAutocompleteResult,
  data: { choices: [] },
};

async function suggest(
  interaction: APIApplicationCommandAutocompleteInteraction,
  handlers: InteractionHandlers,
  log: Logger,
): Promise<HttpResponse> {
  if (!handlers.autocomplete) return jsonResponse(200, NO_SUGGESTIONS);
  try {
    return jsonResponse(200, await handlers.autocomplete(interaction));
  } catch (error) {
    log.error('autocomplete handler threw', { command: interaction.data?.name, error });
    return jsonResponse(200, NO_SUGGESTIONS);
  }
}

function isInteraction(value: unknown): value is APIInteraction {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'number'
  );
}

export function jsonResponse(statusCode: number, body: unknown): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export function errorResponse(statusCode: number, message: string): HttpResponse {
  return jsonResponse(statusCode, { error: message });
}
