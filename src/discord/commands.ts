import type { RESTPutAPIApplicationGuildCommandsJSONBody } from 'discord-api-types/v10';
import { FEED_KINDS } from '../records/feed.js';
import { CommandType, OptionType } from './constants.js';

/**
 * The one definition of the bot's slash commands, used both by the request handler (to route) and by
 * `valheim discord register` (to register), so what users see and what the bot handles cannot drift.
 */

export const COMMAND_NAME = 'valheim';

export const SUBCOMMANDS = {
  start: 'Start the Valheim server',
  stop: 'Stop the Valheim server (the world is saved first)',
  status: 'Is the server up? Address, players and idle stop',
  password: 'Show the server password (only you see it)',
  cost: "This month's play time and what it costs",
  backup: 'Snapshot the world to S3 now; you are told when it is done',
  'keep-running': 'Put off the automatic stop the bot warned about (blind or session limit)',
  feed: 'What the activity feed posts; operators mute or unmute a kind',
  schedule: 'The next scheduled game nights; operators skip the next one',
} as const;

export type Subcommand = keyof typeof SUBCOMMANDS;

/**
 * Subcommands that change what is running (or run a task that costs money), and so require an operator role
 * when roles are configured.
 */
export const OPERATOR_SUBCOMMANDS: ReadonlySet<Subcommand> = new Set<Subcommand>([
  'start',
  'stop',
  'backup',
  'keep-running',
]);

/** A subcommand's options: string choices only (Discord offers them as a list, so no typing is checked). */
export const SUBCOMMAND_OPTIONS: Partial<
  Record<
    Subcommand,
    ReadonlyArray<{
      readonly name: string;
      readonly description: string;
      readonly choices: readonly string[];
    }>
  >
> = {
  feed: [
    { name: 'action', description: 'show (default), mute or unmute', choices: ['show', 'mute', 'unmute'] },
    { name: 'kind', description: 'Which kind of news', choices: FEED_KINDS },
  ],
  schedule: [
    {
      name: 'action',
      description: 'show (default), skip or unskip the next one',
      choices: ['show', 'skip', 'unskip'],
    },
  ],
};

export function isSubcommand(name: string): name is Subcommand {
  return Object.hasOwn(SUBCOMMANDS, name);
}

/** The body for Discord's bulk-overwrite of guild commands. */
export function guildCommands(): RESTPutAPIApplicationGuildCommandsJSONBody {
  return [
    {
      name: COMMAND_NAME,
      description: 'Start, stop, check and back up the Valheim server',
      type: CommandType.ChatInput,
      options: Object.entries(SUBCOMMANDS).map(([name, description]) => {
        const options = SUBCOMMAND_OPTIONS[name as Subcommand];
        return {
          type: OptionType.Subcommand,
          name,
          description,
          ...(options && {
            options: options.map((option) => ({
              type: OptionType.String,
              name: option.name,
              description: option.description,
              required: false,
              choices: option.choices.map((choice) => ({ name: choice, value: choice })),
            })),
          }),
        };
      }),
    },
  ];
}
