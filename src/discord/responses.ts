import type {
  APIActionRowComponent,
  APIButtonComponent,
  APIInteractionResponse,
} from 'discord-api-types/v10';
import { Callback, Flags } from './constants.js';
import { LIMITS, truncate } from './limits.js';

/** Response builders. Mentions are never parsed: messages may echo names and must not ping anyone. */

export interface MessageOptions {
  /** Only the person who asked sees it (refusals, errors). */
  readonly ephemeral?: boolean;
  /** Buttons under the message. */
  readonly components?: Array<APIActionRowComponent<APIButtonComponent>>;
  /** Replace the message the clicked button is on, instead of sending a new one. */
  readonly update?: boolean;
}

export function messageResponse(content: string, options: MessageOptions = {}): APIInteractionResponse {
  return {
    type: options.update ? Callback.UpdateMessage : Callback.ChannelMessageWithSource,
    data: {
      content: truncate(content, LIMITS.content),
      allowed_mentions: { parse: [] },
      ...(options.ephemeral && { flags: Flags.Ephemeral }),
      ...(options.components && { components: options.components }),
    },
  };
}

export const PONG: APIInteractionResponse = { type: Callback.Pong };
