import { describe, expect, it } from 'vitest';
import {
  COMMAND_NAME,
  guildCommands,
  isSubcommand,
  OPERATOR_SUBCOMMANDS,
  SUBCOMMANDS,
} from '../../src/discord/commands.js';

describe('command definitions', () => {
  it('register /valheim with its subcommands', () => {
    const [command, ...rest] = guildCommands();
    expect(rest).toHaveLength(0);
    expect(command?.name).toBe(COMMAND_NAME);
    const options = command && 'options' in command ? command.options : undefined;
    expect(options?.map((option) => [option.type, option.name])).toEqual([
      [1, 'start'],
      [1, 'stop'],
      [1, 'status'],
      [1, 'password'],
      [1, 'cost'],
      [1, 'backup'],
      [1, 'keep-running'],
      [1, 'feed'],
      [1, 'schedule'],
    ]);
    const feed = options?.find((option) => option.name === 'feed');
    expect(feed && 'options' in feed && feed.options?.map((option) => option.name)).toEqual([
      'action',
      'kind',
    ]);
  });

  it('make backup and keep-running operator commands: a task that costs money, a server kept up', () => {
    // Given / When / Then
    expect([...OPERATOR_SUBCOMMANDS]).toEqual(['start', 'stop', 'backup', 'keep-running']);
    expect(SUBCOMMANDS.backup).toBe('Snapshot the world to S3 now; you are told when it is done');
  });

  it('keep names and descriptions within Discord limits', () => {
    for (const [name, description] of Object.entries(SUBCOMMANDS)) {
      expect(name).toMatch(/^[-_a-z0-9]{1,32}$/);
      expect(description.length).toBeGreaterThan(0);
      expect(description.length).toBeLessThanOrEqual(100);
    }
  });

  it('recognise only defined subcommands', () => {
    expect(isSubcommand('start')).toBe(true);
    expect(isSubcommand('toString')).toBe(false);
    expect(isSubcommand('restart')).toBe(false);
  });
});
