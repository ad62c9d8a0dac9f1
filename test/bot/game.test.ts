import type {
  APIChatInputApplicationCommandInteraction,
  APIInteractionResponseChannelMessageWithSource,
} from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { GAME_NOT_SET_UP_MESSAGE, type GameAccess } from '../../src/bot/game.js';
import {
  type CommandContext,
  claimedWrites,
  runButton,
  runValheimCommand,
} from '../../src/bot/valheim-command.js';
import { guildCommands } from '../../src/discord/commands.js';
import { BUTTON_IDS } from '../../src/discord/components.js';
import type { GameSetting } from '../../src/game/branch.js';
import type { RollbackPorts } from '../../src/game/rollback.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import type { GameRecord } from '../../src/records/game.js';
import {
  buttonInteraction,
  commandInteraction,
  GUILD_ID,
  OPERATOR_ROLE,
} from '../support/discord-signing.js';
import { FakeGameServer, STOPPED } from '../support/fake-game-server.js';

/*
 * `/valheim game branch [name]` and the Roll back… button, through the bot's entry points (runValheimCommand,
 * runButton) with the branch parameter and the rollback's ports faked.
 */

const T0 = Date.parse('2026-12-01T19:00:00Z');
const KEY = 'server-install/valheim-server-896660.tar.gz';

/** `/valheim game branch [name]` as Discord sends it: a subcommand group, its subcommand, the option. */
function branchCommand(name?: string, roles: string[] = []): APIChatInputApplicationCommandInteraction {
  const interaction = commandInteraction({ roles });
  return {
    ...interaction,
    data: {
      ...interaction.data,
      options: [
        {
          type: 2,
          name: 'game',
          options: [
            {
              type: 1,
              name: 'branch',
              options: name === undefined ? [] : [{ type: 3, name: 'name', value: name }],
            },
          ],
        },
      ],
    },
  } as APIChatInputApplicationCommandInteraction;
}

function fakeGame(initial: GameSetting | undefined, record?: GameRecord) {
  let setting = initial;
  const writes: GameSetting[] = [];
  const parameter: RollbackPorts['setting'] = {
    read: async () => setting,
    write: async (next) => {
      writes.push(next);
      setting = next;
    },
  };
  const rollback: RollbackPorts = {
    records: { load: async () => record, save: async () => true },
    setting: parameter,
    installs: {
      keyFor: () => KEY,
      versions: async () => [
        { versionId: 'v-old', isLatest: false, build: '100' },
        { versionId: 'v-new', isLatest: true, build: '200' },
      ],
      promote: async () => {
        throw new Error('a preview must not promote');
      },
    },
    activeWorld: async () => 'Midgard',
    snapshotComplete: async () => true,
    gameActive: async () => false,
  };
  const access: GameAccess = { setting: async () => parameter, rollback: async () => rollback };
  return { access, writes, current: () => setting };
}

function contextWith(
  game: GameAccess | undefined,
  operatorRoleIds: string[] = [OPERATOR_ROLE],
): CommandContext {
  return {
    server: async () => new FakeGameServer(STOPPED),
    guildId: GUILD_ID,
    operatorRoleIds,
    passwordVisibleTo: 'members',
    lifecycle: DEFAULT_LIFECYCLE,
    budgetMs: 500,
    now: () => new Date(T0),
    log: silentLogger,
    ...(game && { game }),
  };
}

function reply(response: unknown) {
  const message = response as APIInteractionResponseChannelMessageWithSource;
  return { content: message.data.content ?? '', ephemeral: ((message.data.flags ?? 0) & 64) === 64 };
}

const UPDATED: GameRecord = {
  build: '200',
  branch: 'public',
  version: 'l-1.0.16',
  since: T0,
  previous: { build: '100', branch: 'public', version: 'l-1.0.15', until: T0 },
  preUpdate: {
    Midgard: {
      snapshotId: '20261201T190130Z-pre-update',
      world: 'Midgard',
      fromBuild: '100',
      toBuild: '200',
      at: T0,
    },
  },
};

describe('/valheim game branch', () => {
  it('is registered as a subcommand group with a free branch name', () => {
    const [command] = guildCommands();
    const group =
      command && 'options' in command ? command.options?.find((o) => o.name === 'game') : undefined;
    expect(group).toMatchObject({
      type: 2,
      options: [{ type: 1, name: 'branch', options: [{ type: 3, name: 'name', required: false }] }],
    });
  });

  it('shows the branch, a hold and how players match it, to everyone', async () => {
    // Given a server held on build 100 of default_old by a rollback, and a member without a role
    const game = fakeGame({ branch: 'default_old', hold: '100' });
    // When they ask
    const shown = reply(await runValheimCommand(branchCommand(), contextWith(game.access)));
    // Then they see it all, and nothing was written
    expect(shown.content).toContain('installs the **default_old** branch');
    expect(shown.content).toContain('held at build 100 by a rollback');
    expect(shown.content).toContain('Betas → **default_old**');
    expect(game.writes).toEqual([]);
  });

  it('lets an operator choose a branch for the next start, ending a hold', async () => {
    const game = fakeGame({ branch: 'public', hold: '100' });
    const answer = reply(
      await runValheimCommand(branchCommand('Default_Old', [OPERATOR_ROLE]), contextWith(game.access)),
    );
    expect(game.writes).toEqual([{ branch: 'default_old' }]);
    expect(answer.content).toContain('now installs the **default_old** branch');
    expect(answer.content).toContain("rollback's hold on build 100 is released");
    expect(answer.content).toContain('Betas → **default_old**');
    expect(answer.ephemeral).toBe(false);
  });

  it('refuses members without an operator role, and changes nothing', async () => {
    const game = fakeGame({ branch: 'public' });
    const answer = reply(await runValheimCommand(branchCommand('default_old'), contextWith(game.access)));
    expect(answer.ephemeral).toBe(true);
    expect(answer.content).toMatch(/choose the game branch/);
    expect(game.writes).toEqual([]);
  });

  it('answers a name that is not a branch with what a branch name is, and changes nothing', async () => {
    const game = fakeGame({ branch: 'public' });
    const answer = reply(
      await runValheimCommand(branchCommand('public; rm -rf /', [OPERATOR_ROLE]), contextWith(game.access)),
    );
    expect(answer.ephemeral).toBe(true);
    expect(answer.content).toContain('is not a Steam branch name');
    expect(game.writes).toEqual([]);
  });

  it('says the branch is already chosen rather than writing it again', async () => {
    const game = fakeGame({ branch: 'default_old' });
    const answer = reply(
      await runValheimCommand(branchCommand('default_old', [OPERATOR_ROLE]), contextWith(game.access)),
    );
    expect(answer.content).toContain('already installs the **default_old** branch');
    expect(game.writes).toEqual([]);
  });

  it('says how to get it on a deployment that does not wire it', async () => {
    const answer = reply(
      await runValheimCommand(branchCommand('public', [OPERATOR_ROLE]), contextWith(undefined)),
    );
    expect(answer.content).toBe(GAME_NOT_SET_UP_MESSAGE);
  });

  it('answers readably when SSM fails, never "This interaction failed"', async () => {
    const failing: GameAccess = {
      setting: async () => ({
        read: async () => {
          throw Object.assign(new Error('User is not authorized to perform ssm:GetParameters'), {
            name: 'AccessDeniedException',
          });
        },
        write: async () => undefined,
      }),
      rollback: async () => {
        throw new Error('unused');
      },
    };
    const answer = reply(await runValheimCommand(branchCommand(undefined), contextWith(failing)));
    expect(answer.ephemeral).toBe(true);
    expect(answer.content.length).toBeGreaterThan(10);
  });

  it('writes only after the interaction id was recorded (replay protection)', async () => {
    const game = fakeGame({ branch: 'public' });
    const order: string[] = [];
    let record: () => void = () => undefined;
    const recorded = new Promise<void>((resolve) => {
      record = resolve;
    });
    const context = claimedWrites(contextWith(game.access), async () => {
      await recorded;
      order.push('recorded');
    });
    const setting = await context.game?.setting();
    const writing = setting?.write({ branch: 'default_old' }).then(() => order.push('written'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(game.writes).toEqual([]);
    record();
    await writing;
    expect(order).toEqual(['recorded', 'written']);
  });
});

describe('the Roll back… button', () => {
  it('shows an operator exactly what a rollback would change, and changes nothing', async () => {
    const game = fakeGame({ branch: 'public' }, UPDATED);
    const answer = reply(
      await runButton(
        buttonInteraction(BUTTON_IDS.rollback, { roles: [OPERATOR_ROLE] }),
        contextWith(game.access),
      ),
    );
    expect(answer.ephemeral).toBe(true);
    expect(answer.content).toContain('A rollback would change this');
    expect(answer.content).toContain(
      'Valheim 1.0.16 (build 200, public) → Valheim 1.0.15 (build 100, public)',
    );
    expect(answer.content).toContain('replaced by snapshot 20261201T190130Z-pre-update');
    expect(answer.content).toContain('npx valheim game rollback');
    expect(game.writes).toEqual([]);
  });

  it('is for operators only', async () => {
    const game = fakeGame({ branch: 'public' }, UPDATED);
    const answer = reply(await runButton(buttonInteraction(BUTTON_IDS.rollback), contextWith(game.access)));
    expect(answer.ephemeral).toBe(true);
    expect(answer.content).toMatch(/roll the game back/);
  });

  it('says why no rollback can be done, and what to do instead', async () => {
    const game = fakeGame({ branch: 'public' }, { build: '200', branch: 'public', since: T0 });
    const answer = reply(
      await runButton(
        buttonInteraction(BUTTON_IDS.rollback, { roles: [OPERATOR_ROLE] }),
        contextWith(game.access),
      ),
    );
    expect(answer.content).toContain('No rollback now: no build before');
    expect(answer.content).toContain('default_old');
  });
});
