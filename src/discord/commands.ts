import type {
  APIApplicationCommandSubcommandGroupOption,
  RESTPutAPIApplicationGuildCommandsJSONBody,
} from 'discord-api-types/v10';
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

export function isSubcommand(name: string): name is Subcommand {
  return Object.hasOwn(SUBCOMMANDS, name);
}

/**
 * `/valheim game branch [name]`: which Steam branch the server installs (everyone), or another one from the
 * next start (operators). A free name, not a list: Iron Gate adds branches (src/game/branch.ts checks it).
 */
export const GAME_GROUP = 'game';
export const GAME_BRANCH_SUBCOMMAND = 'branch';
export const GAME_BRANCH_OPTION = 'name';

function gameGroup(): APIApplicationCommandSubcommandGroupOption {
  return {
    type: OptionType.SubcommandGroup,
    name: GAME_GROUP,
    description: 'Which Valheim version the server runs',
    options: [
      {
        type: OptionType.Subcommand,
        name: GAME_BRANCH_SUBCOMMAND,
        description: 'Show the Steam branch the server installs, or choose another (operators; next start)',
        options: [
          {
            type: OptionType.String,
            name: GAME_BRANCH_OPTION,
            description: 'public, default_old, default_preml, default_preal, public-test, or another branch',
            required: false,
            max_length: 64,
          },
        ],
      },
    ],
  };
}

/** The body for Discord's bulk-overwrite of guild commands. */
export function guildCommands(): RESTPutAPIApplicationGuildCommandsJSONBody {
  return [
    {
      name: COMMAND_NAME,
      description: 'Start, stop, check and back up the Valheim server',
      type: CommandType.ChatInput,
      options: [
        ...Object.entries(SUBCOMMANDS).map(([name, description]) => ({
          type: OptionType.Subcommand,
          name,
          description,
        })),
        gameGroup(),
      ],
    },
  ];
}
