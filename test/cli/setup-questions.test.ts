import { describe, expect, it } from 'vitest';
import { configOptionFor } from '../../src/cli/command-context.js';
import { setupCommand } from '../../src/cli/commands/setup.js';
import { withAnswers } from '../../src/cli/setup/ask.js';
import { type AnyQuestion, QUESTIONS, SETUP_STEPS } from '../../src/cli/setup/questions.js';
import { configSchema } from '../../src/config/schema.js';
import { cliDeps, EXAMPLE_CONFIG } from './helpers.js';

const TABLE: AnyQuestion[] = Object.values(QUESTIONS);

describe('the setup question table', () => {
  it('names only flags that valheim setup defines, and each question once in SETUP_STEPS', () => {
    // Given the command as the program builds it
    const command = setupCommand({
      deps: cliDeps({}),
      configOption: configOptionFor({}),
      setExitCode: () => {},
    });
    const flags = command.options.map((option) => option.long);
    // Then
    expect(TABLE.map((question) => question.flag).filter((flag) => !flags.includes(flag))).toEqual([]);
    const asked = SETUP_STEPS.filter((step): step is AnyQuestion => !('secret' in step)).map((q) => q.id);
    expect([...asked].sort()).toEqual(TABLE.map((question) => question.id).sort());
  });

  it('puts each answer where its row says, and leaves out none, empty lists and schema defaults', () => {
    // Given answers with a default stack name, no roles and no notice channel
    const config = withAnswers({}, TABLE, {
      stackName: 'valheim-ondemand',
      region: 'eu-north-1',
      applicationId: '123456789012345678',
      publicKey: EXAMPLE_CONFIG.discord.publicKey,
      guildId: '234567890123456789',
      serverName: 'Vikings',
      world: 'Midgard',
      operatorRoleIds: [],
      timeZone: 'Europe/Oslo',
    });
    // Then
    expect(config).toEqual({
      region: 'eu-north-1',
      timeZone: 'Europe/Oslo',
      server: { name: 'Vikings', world: 'Midgard' },
      discord: {
        applicationId: '123456789012345678',
        publicKey: EXAMPLE_CONFIG.discord.publicKey,
        guildId: '234567890123456789',
      },
    });
    expect(Object.keys(config)).toEqual(['region', 'timeZone', 'server', 'discord']);
    expect(configSchema.safeParse(config).success).toBe(true);
  });

  it('keeps everything in an existing file that no question covers, and removes what was answered none', () => {
    // Given a file with settings the wizard never asks about and a notice channel
    const raw = {
      tags: { owner: 'erik' },
      region: 'eu-central-1',
      discord: { applicationId: '1', noticeChannelId: '567890123456789012', passwordVisibleTo: 'operators' },
    };
    // When the notice channel is answered "none"
    const config = withAnswers(raw, [QUESTIONS.region, QUESTIONS.noticeChannelId], { region: 'eu-west-2' });
    // Then
    expect(config).toEqual({
      tags: { owner: 'erik' },
      region: 'eu-west-2',
      discord: { applicationId: '1', passwordVisibleTo: 'operators' },
    });
    expect(raw.discord.noticeChannelId).toBe('567890123456789012');
  });
});
