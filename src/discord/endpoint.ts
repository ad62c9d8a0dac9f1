import type { KeyObject } from 'node:crypto';
import type {
  APIChatInputApplicationCommandInteraction,
  APIInteraction,
  APIInteractionResponse,
  APIMessageComponentInteraction,
} from 'discord-api-types/v10';
import type { Logger } from '../log.js';
import { CommandType, Interaction } from './constants.js';
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
  /** Answers a slash command. Expected never to throw; a throw still gets a polite reply. */
  command(interaction: APIChatInputApplicationCommandInteraction): Promise<APIInteractionResponse>;
  /** Answers a button click. Same contract as `command`. */
  component(interaction: APIMessageComponentInteraction): Promise<APIInteractionResponse>;
}

/**
 * Discord's side of the protocol: size limit, signature, JSON, PING, dispatch. Unverified requests get 401
 * (Discord probes with bad signatures and removes endpoints that accept them); bad bodies get 4xx, never 5xx.
 */
export async function handleInteractionRequest(
  request: HttpRequest,
  publicKey: KeyObject,
  handlers: InteractionHandlers,
  log: Logger,
): Promise<HttpResponse> {
  if (request.body.length > MAX_BODY_BYTES) {
    return errorResponse(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
  }
  const signature = request.headers['x-signature-ed25519'];
  const timestamp = request.headers['x-signature-timestamp'];
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

  switch (interaction.type) {
    case Interaction.Ping:
      return jsonResponse(200, PONG);
    case Interaction.ApplicationCommand: {
      if (interaction.data?.type !== CommandType.ChatInput || typeof interaction.data.name !== 'string') {
        return errorResponse(400, 'unsupported command type');
      }
      const command = interaction as APIChatInputApplicationCommandInteraction;
      try {
        return jsonResponse(200, await handlers.command(command));
      } catch (error) {
        log.error('command handler threw', { command: command.data.name, error });
        return jsonResponse(
          200,
          messageResponse('Something went wrong on my side. Please try again.', { ephemeral: true }),
        );
      }
    }
    case Interaction.MessageComponent: {
      if (typeof interaction.data?.custom_id !== 'string')
        return errorResponse(400, 'component without custom_id');
      const click = interaction as APIMessageComponentInteraction;
      try {
        return jsonResponse(200, await handlers.component(click));
      } catch (error) {
        log.error('component handler threw', { customId: click.data.custom_id, error });
        return jsonResponse(
          200,
          messageResponse('Something went wrong on my side. Please try again.', { ephemeral: true }),
        );
      }
    }
    default:
      return errorResponse(400, `unsupported interaction type ${String(interaction.type)}`);
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
