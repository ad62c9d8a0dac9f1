import type { APIInteractionResponseChannelMessageWithSource } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { type CommandContext, runButton } from '../../src/bot/valheim-command.js';
import { BOARD_BUTTON_IDS } from '../../src/discord/components.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import { buttonInteraction, GUILD_ID, OPERATOR_ROLE } from '../support/discord-signing.js';
import { FakeGameServer, RUNNING, STOPPED } from '../support/fake-game-server.js';

describe("the status board's buttons", () => {
  const contextWith = (server: FakeGameServer): CommandContext => ({
    server: async () => server,
    guildId: GUILD_ID,
    operatorRoleIds: [OPERATOR_ROLE],
    passwordVisibleTo: 'members',
    lifecycle: DEFAULT_LIFECYCLE,
    budgetMs: 500,
    now: () => new Date('2026-11-23T19:42:00Z'),
    log: silentLogger,
  });

  it('start and stop like the command, answering with a new message: the board stays the monitor’s', async () => {
    const server = new FakeGameServer(STOPPED);
    const started = (await runButton(
      buttonInteraction(BOARD_BUTTON_IDS.start, { roles: [OPERATOR_ROLE] }),
      contextWith(server),
    )) as APIInteractionResponseChannelMessageWithSource;
    expect(started.type).toBe(4); // a new message, not an update of the board (7)
    expect(server.desiredCounts).toEqual([1]);
    const running = new FakeGameServer(RUNNING);
    const stopped = await runButton(
      buttonInteraction(BOARD_BUTTON_IDS.stop, { roles: [OPERATOR_ROLE] }),
      contextWith(running),
    );
    expect(stopped.type).toBe(4);
    expect(running.desiredCounts).toEqual([0]);
  });

  it('follow the operator rule', async () => {
    const server = new FakeGameServer(STOPPED);
    const refused = (await runButton(
      buttonInteraction(BOARD_BUTTON_IDS.start, { roles: [] }),
      contextWith(server),
    )) as APIInteractionResponseChannelMessageWithSource;
    expect(refused.data.flags).toBe(64);
    expect(server.desiredCounts).toEqual([]);
  });
});
