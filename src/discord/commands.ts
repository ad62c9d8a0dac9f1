import type {
  APIApplicationCommandOption,
  APIApplicationCommandSubcommandGroupOption,
  RESTPutAPIApplicationGuildCommandsJSONBody,
} from 'discord-api-types/v10';
import { PLAYER_LIST_KINDS } from '../players/player-lists.js';
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
  mods: 'Which mods to install, at which versions, to join this server',
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

/** `/valheim world …`: the server's worlds. The list is for everyone; the changes are operator commands. */
export const WORLD_GROUP = 'world';

export const WORLD_SUBCOMMANDS = {
  list: 'The worlds: size, hours played, latest snapshot, settings, which one is active',
  switch: 'Make a world the one the next start runs',
  new: 'Create a world (Valheim makes it at its next start) and switch to it',
  settings: "Change a world's preset and modifiers (applied at its next start)",
} as const;

export type WorldSubcommand = keyof typeof WORLD_SUBCOMMANDS;

export const OPERATOR_WORLD_SUBCOMMANDS: ReadonlySet<WorldSubcommand> = new Set<WorldSubcommand>([
  'switch',
  'new',
  'settings',
]);

export function isWorldSubcommand(name: string): name is WorldSubcommand {
  return Object.hasOwn(WORLD_SUBCOMMANDS, name);
}

/** Valheim's presets, as the `preset` option offers them (src/worlds/world-settings.ts has the same list). */
const PRESET_CHOICES = ['normal', 'casual', 'easy', 'hard', 'hardcore', 'immersive', 'hammer'];

const WORLD_NAME_OPTION = (description: string, autocomplete: boolean) => ({
  type: OptionType.String,
  name: 'name',
  description,
  required: true,
  min_length: 1,
  max_length: 64,
  ...(autocomplete && { autocomplete: true }),
});
const PRESET_OPTION = {
  type: OptionType.String,
  name: 'preset',
  description: "Valheim's world preset",
  choices: PRESET_CHOICES.map((preset) => ({ name: preset, value: preset })),
};
const MODIFIERS_OPTION = {
  type: OptionType.String,
  name: 'modifiers',
  description: 'e.g. "raids=none combat=hard nomap" (combat, deathpenalty, resources, raids, portals; keys)',
  max_length: 200,
};

/** The options of each world subcommand. */
function worldSubcommandOptions(name: WorldSubcommand) {
  switch (name) {
    case 'list':
      return [];
    case 'switch':
      return [WORLD_NAME_OPTION('The world to play next', true)];
    case 'new':
      return [
        WORLD_NAME_OPTION('1 to 64 letters, digits, "_" or "-"', false),
        PRESET_OPTION,
        MODIFIERS_OPTION,
      ];
    case 'settings':
      return [
        WORLD_NAME_OPTION('The world to change', true),
        PRESET_OPTION,
        MODIFIERS_OPTION,
        {
          type: OptionType.Boolean,
          name: 'reset',
          description: 'Clear its settings first (it then keeps what its files hold)',
        },
      ];
  }
}

/**
 * `/valheim access add|remove|list`: the server's admin, ban and permitted lists (operators only). One group
 * with the list as an option, because Discord nests at most command → group → subcommand, so
 * `/valheim players admins add` cannot exist, and three groups would spend three of the command's 25 options.
 */
export const ACCESS_GROUP = 'access';

export const ACCESS_SUBCOMMANDS = {
  add: 'Add a player to the admins, bans or permitted list (applied at the next start)',
  remove: 'Take a player off the admins, bans or permitted list (applied at the next start)',
  list: 'Show the admins, bans and permitted lists',
} as const;

export type AccessSubcommand = keyof typeof ACCESS_SUBCOMMANDS;

export function isAccessSubcommand(name: string): name is AccessSubcommand {
  return Object.hasOwn(ACCESS_SUBCOMMANDS, name);
}

const ACCESS_LIST_CHOICES = PLAYER_LIST_KINDS.map((kind) => ({ name: kind, value: kind }));

function accessSubcommandOptions(name: AccessSubcommand) {
  const list = (required: boolean) => ({
    type: OptionType.String,
    name: 'list',
    description: required ? 'Which list' : 'Which list (all three when left out)',
    required,
    choices: ACCESS_LIST_CHOICES,
  });
  if (name === 'list') return [list(false)];
  return [
    list(true),
    {
      type: OptionType.String,
      name: 'id',
      description: 'SteamID64 (7656119…), Steam_<SteamID64>, Xbox_<number>, or a character name seen lately',
      required: true,
      min_length: 1,
      max_length: 40,
    },
  ];
}

/** The body for Discord's bulk-overwrite of guild commands. */
export function guildCommands(): RESTPutAPIApplicationGuildCommandsJSONBody {
  const subcommands = Object.entries(SUBCOMMANDS).map(([name, description]) => {
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
  });
  const world = {
    type: OptionType.SubcommandGroup,
    name: WORLD_GROUP,
    description: "The server's worlds: list, switch, new, settings",
    options: (Object.entries(WORLD_SUBCOMMANDS) as Array<[WorldSubcommand, string]>).map(
      ([name, description]) => {
        const options = worldSubcommandOptions(name);
        return {
          type: OptionType.Subcommand,
          name,
          description,
          ...(options.length > 0 && { options }),
        };
      },
    ),
  };
  const access = {
    type: OptionType.SubcommandGroup,
    name: ACCESS_GROUP,
    description: 'Who is admin, banned or permitted on the server (operators)',
    options: (Object.entries(ACCESS_SUBCOMMANDS) as Array<[AccessSubcommand, string]>).map(
      ([name, description]) => ({
        type: OptionType.Subcommand,
        name,
        description,
        options: accessSubcommandOptions(name),
      }),
    ),
  };
  return [
    {
      name: COMMAND_NAME,
      description: 'Start, stop, check and back up the Valheim server, and choose its world',
      type: CommandType.ChatInput,
      options: [...subcommands, world, gameGroup(), access] as APIApplicationCommandOption[],
    },
  ];
}
