import type { APIInteractionResponse } from 'discord-api-types/v10';
import { Callback, Flags } from './constants.js';

/** Response builders. Mentions are never parsed: messages may echo names and must not ping anyone. */

export interface MessageOptions {
  /** Only the person who asked sees it (refusals, errors). */
  readonly ephemeral?: boolean;
}

export function messageResponse(content: string, options: MessageOptions = {}): APIInteractionResponse {
  return {
    type: Callback.ChannelMessageWithSource,
    data: {
      content,
      allowed_mentions: { parse: [] },
      ...(options.ephemeral && { flags: Flags.Ephemeral }),
    },
  };
}

export const PONG: APIInteractionResponse = { type: Callback.Pong };
