import { describe, expect, it } from 'vitest';
import {
  COMMAND_NAME,
  guildCommands,
  isSubcommand,
  OPERATOR_SUBCOMMANDS,
  OPERATOR_WORLD_SUBCOMMANDS,
  SUBCOMMANDS,
  WORLD_GROUP,
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
      [1, 'mods'],
      [1, 'feed'],
      [1, 'schedule'],
      [2, 'world'],
      [2, 'game'],
      [2, 'access'],
    ]);
    const feed = options?.find((option) => option.name === 'feed');
    expect(feed && 'options' in feed && feed.options?.map((option) => option.name)).toEqual([
      'action',
      'kind',
    ]);
  });

  it('register /valheim world list|switch|new|settings, world names autocompleted where a world exists', () => {
    const [command] = guildCommands();
    const options = command && 'options' in command ? (command.options ?? []) : [];
    const group = options.find((option) => option.name === WORLD_GROUP);
    const subcommands = (group && 'options' in group ? (group.options ?? []) : []) as Array<{
      name: string;
      description: string;
      options?: Array<{
        name: string;
        type: number;
        autocomplete?: boolean;
        required?: boolean;
        description: string;
      }>;
    }>;
    expect(subcommands.map((sub) => [sub.name, (sub.options ?? []).map((o) => o.name)])).toEqual([
      ['list', []],
      ['switch', ['name']],
      ['new', ['name', 'preset', 'modifiers']],
      ['settings', ['name', 'preset', 'modifiers', 'reset']],
    ]);
    const name = (sub: string) => subcommands.find((s) => s.name === sub)?.options?.[0];
    expect(name('switch')).toMatchObject({ autocomplete: true, required: true });
    expect(name('settings')).toMatchObject({ autocomplete: true });
    expect(name('new')).not.toHaveProperty('autocomplete');
    // Discord's limits: names 1–32 lower-case, descriptions 1–100
    for (const sub of subcommands) {
      expect(sub.description.length).toBeLessThanOrEqual(100);
      for (const option of sub.options ?? []) {
        expect(option.name).toMatch(/^[-_a-z0-9]{1,32}$/);
        expect(option.description.length).toBeLessThanOrEqual(100);
      }
    }
    expect([...OPERATOR_WORLD_SUBCOMMANDS]).toEqual(['switch', 'new', 'settings']);
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
