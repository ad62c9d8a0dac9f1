import type {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ButtonStyle,
  ComponentType,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
} from 'discord-api-types/v10';

/*
 * The few Discord enum values the runtime needs, typed against discord-api-types so a wrong number fails
 * type-checking. Importing the enums themselves would pull ~90 KB of discord-api-types into the Lambda's
 * entry chunk and slow every cold start.
 */

export const Interaction = {
  Ping: 1 satisfies InteractionType.Ping,
  ApplicationCommand: 2 satisfies InteractionType.ApplicationCommand,
  MessageComponent: 3 satisfies InteractionType.MessageComponent,
  ApplicationCommandAutocomplete: 4 satisfies InteractionType.ApplicationCommandAutocomplete,
  ModalSubmit: 5 satisfies InteractionType.ModalSubmit,
} as const;

export const Callback = {
  Pong: 1 satisfies InteractionResponseType.Pong,
  ApplicationCommandAutocompleteResult:
    8 satisfies InteractionResponseType.ApplicationCommandAutocompleteResult,
  ChannelMessageWithSource: 4 satisfies InteractionResponseType.ChannelMessageWithSource,
  DeferredChannelMessageWithSource: 5 satisfies InteractionResponseType.DeferredChannelMessageWithSource,
  DeferredMessageUpdate: 6 satisfies InteractionResponseType.DeferredMessageUpdate,
  UpdateMessage: 7 satisfies InteractionResponseType.UpdateMessage,
} as const;

export const CommandType = { ChatInput: 1 satisfies ApplicationCommandType.ChatInput } as const;

export const OptionType = {
  Subcommand: 1 satisfies ApplicationCommandOptionType.Subcommand,
  SubcommandGroup: 2 satisfies ApplicationCommandOptionType.SubcommandGroup,
  String: 3 satisfies ApplicationCommandOptionType.String,
  Boolean: 5 satisfies ApplicationCommandOptionType.Boolean,
} as const;

export const Flags = { Ephemeral: 64 satisfies MessageFlags.Ephemeral } as const;

export const Component = {
  ActionRow: 1 satisfies ComponentType.ActionRow,
  Button: 2 satisfies ComponentType.Button,
} as const;

export const Button = {
  Primary: 1 satisfies ButtonStyle.Primary,
  Secondary: 2 satisfies ButtonStyle.Secondary,
  Success: 3 satisfies ButtonStyle.Success,
  Danger: 4 satisfies ButtonStyle.Danger,
} as const;
