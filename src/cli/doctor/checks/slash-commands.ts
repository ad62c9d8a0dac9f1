import { COMMAND_NAME, guildCommands } from '../../../discord/commands.js';
import { type DoctorCheck, discordProblem, fail, NEEDS, ok } from '../check.js';

const WIRE = 'run npx valheim discord wire';

/** /valheim is registered in the server, and as this version defines it. */
export const slashCommands: DoctorCheck = {
  name: 'slash commands',
  needs: [NEEDS.application, NEEDS.botInGuild],
  async probe({ config, discord }) {
    const { applicationId, guildId } = config.discord;
    try {
      const registered = await discord().getGuildCommands(applicationId, guildId);
      const ours = registered.find((command) => command.name === COMMAND_NAME);
      if (!ours) return fail(`/${COMMAND_NAME} is not registered in server ${guildId}`, WIRE);
      const [wanted] = guildCommands();
      if (JSON.stringify(shape(ours)) !== JSON.stringify(shape(wanted))) {
        return fail(
          `/${COMMAND_NAME} in Discord differs from this version's (subcommands ${subcommands(ours)})`,
          WIRE,
        );
      }
      return ok(`/${COMMAND_NAME} ${subcommands(ours)} registered, equal to this version's`);
    } catch (error) {
      return discordProblem(error, config, 'list the commands');
    }
  },
};

type CommandShape = {
  name: string;
  description?: string;
  options?: readonly { name: string; description?: string; type?: number }[];
};

/** The parts of a command users see; Discord adds ids, versions and defaults. */
function shape(command: CommandShape | undefined) {
  return {
    name: command?.name,
    description: command?.description,
    options: (command?.options ?? []).map(({ name, description, type }) => ({ name, description, type })),
  };
}

function subcommands(command: CommandShape): string {
  return (command.options ?? []).map((option) => option.name).join('|') || '(none)';
}
