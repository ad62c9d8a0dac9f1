import type { APIInteractionResponseChannelMessageWithSource } from 'discord-api-types/v10';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type CommandContext,
  type CommandStore,
  runButton,
  runValheimCommand,
  type WorldTransfers,
} from '../../src/bot/valheim-command.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import type { StoredState } from '../../src/monitor/state-store.js';
import { INITIAL_STATE } from '../../src/records/lifecycle.js';
import type { StartReply } from '../../src/records/notice.js';
import { WorldError } from '../../src/worlds/errors.js';
import {
  buttonInteraction,
  commandInteraction,
  GUILD_ID,
  OPERATOR_ROLE,
  USER_ID,
} from '../support/discord-signing.js';
import { FakeGameServer, RUNNING, STOPPED } from '../support/fake-game-server.js';

const NOW = new Date('2026-11-23T19:05:00.250Z');
const SNAPSHOT_ID = '20261123T190500Z-discord';
const TRANSFER_TASK = 'arn:aws:ecs:eu-central-1:111122223333:task/valheim-ondemand/transfer1';

/** The world-transfer task as the commands see it, scripted by each test. */
class FakeTransfers implements WorldTransfers {
  running: string[] = [];
  game = false;
  failure: Error | undefined;
  readonly started: Array<{ snapshotId: string; worldName: string; startedBy: string }> = [];
  calls = 0;

  async inProgress(): Promise<readonly string[]> {
    this.calls++;
    if (this.failure) throw this.failure;
    return this.running;
  }
  async gameActive(): Promise<boolean> {
    return this.game;
  }
  async startSnapshot(snapshot: { snapshotId: string; worldName: string; startedBy: string }) {
    this.started.push(snapshot);
    return TRANSFER_TASK;
  }
}

class BackupStore implements CommandStore {
  readonly replies = new Map<string, StartReply>();
  saveError: Error | undefined;
  stored: StoredState = { state: INITIAL_STATE, version: 0 };
  async load() {
    return this.stored;
  }
  async save() {
    return true;
  }
  async sessions() {
    return [];
  }
  async loadSpend() {
    return undefined;
  }
  async saveSpend() {}
  async saveBackupReply(snapshotId: string, reply: StartReply) {
    if (this.saveError) throw this.saveError;
    this.replies.set(snapshotId, reply);
  }
}

type Reply = APIInteractionResponseChannelMessageWithSource;

describe('/valheim backup', () => {
  let server: FakeGameServer;
  let transfers: FakeTransfers;
  let store: BackupStore;
  let context: CommandContext;

  beforeEach(() => {
    server = new FakeGameServer(STOPPED);
    transfers = new FakeTransfers();
    store = new BackupStore();
    context = {
      server: async () => server,
      store: async () => store,
      worldTransfers: { worldName: 'Dedicated', tasks: async () => transfers },
      passwordVisibleTo: 'members',
      guildId: GUILD_ID,
      operatorRoleIds: [],
      lifecycle: DEFAULT_LIFECYCLE,
      budgetMs: 300,
      now: () => NOW,
      log: silentLogger,
    };
  });

  async function run(subcommand: string, roles?: string[]) {
    const response = (await runValheimCommand(
      commandInteraction({ subcommand, ...(roles && { roles }) }),
      context,
    )) as Reply;
    expect(response.type).toBe(4);
    expect(response.data.allowed_mentions).toEqual({ parse: [] });
    return { content: response.data.content ?? '', ephemeral: response.data.flags === 64 };
  }

  it('starts a snapshot of the world, keeps the reply for the follow-up and says so', async () => {
    // Given a stopped server and no transfer running
    // When an operator asks for a backup
    const reply = await run('backup');

    // Then a snapshot task starts with a Discord snapshot id, recorded as started by that member
    expect(transfers.started).toEqual([
      { snapshotId: SNAPSHOT_ID, worldName: 'Dedicated', startedBy: `discord-${USER_ID}` },
    ]);
    // And the reply is stored under that id, shaped like the start reply
    expect(store.replies.get(SNAPSHOT_ID)).toEqual({
      applicationId: '123456789012345678',
      token: 'interaction-token',
      createdAt: NOW.getTime(),
      userId: USER_ID,
    });
    // And everyone sees what is happening
    expect(reply.ephemeral).toBe(false);
    expect(reply.content).toBe(
      `📦 <@${USER_ID}> is backing up the world *Dedicated* to S3 (snapshot \`${SNAPSHOT_ID}\`)… I'll post when it is done.`,
    );
  });

  it('says that a running server is snapshotted as of its last save', async () => {
    // Given the game runs
    transfers.game = true;
    // When
    const reply = await run('backup');
    // Then the backup still starts, and the reply explains what it holds
    expect(transfers.started).toHaveLength(1);
    expect(reply.content).toContain('as of its last save (Valheim saves every 30 minutes and when it stops)');
  });

  it('refuses while another transfer runs, starting nothing', async () => {
    // Given a transfer task (a backup, import or restore) that is pending or running
    transfers.running = [TRANSFER_TASK];
    // When
    const reply = await run('backup');
    // Then
    expect(transfers.started).toEqual([]);
    expect(store.replies.size).toBe(0);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toContain('A backup (or another world transfer');
    expect(reply.content).toContain('already running');
  });

  it('is refused to members without an operator role when roles are configured', async () => {
    // Given operator roles
    context = { ...context, operatorRoleIds: [OPERATOR_ROLE] };
    // When a member without one asks
    const refused = await run('backup', ['999999999999999999']);
    // Then nothing starts and only they see why
    expect(transfers.started).toEqual([]);
    expect(refused.ephemeral).toBe(true);
    expect(refused.content).toBe(`Only members with the role <@&${OPERATOR_ROLE}> can back up the world.`);
    // And an operator may
    await run('backup', [OPERATOR_ROLE]);
    expect(transfers.started).toHaveLength(1);
  });

  it('says backups are not set up on a deployment without the transfer settings', async () => {
    // Given an endpoint deployed without the TRANSFER_* variables
    const { worldTransfers: _off, ...withoutTransfers } = context;
    context = withoutTransfers;
    // When
    const reply = await run('backup');
    // Then
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toBe(
      'Backups from Discord are not set up on this deployment (deploy the current version). Meanwhile `npx valheim world export` takes a snapshot from a computer.',
    );
  });

  it('names the bad settings when backups are misconfigured', async () => {
    // Given transfer settings with a problem
    const { worldTransfers: _off, ...withoutTransfers } = context;
    context = {
      ...withoutTransfers,
      worldTransferProblems: ['TRANSFER_SUBNETS is not set: expected comma-separated subnet IDs'],
    };
    // When
    const reply = await run('backup');
    // Then
    expect(reply.content).toBe(
      'Backups from Discord are misconfigured: TRANSFER_SUBNETS is not set: expected comma-separated subnet IDs. Ask whoever set up the bot to fix its settings and redeploy.',
    );
  });

  it.each([
    ['AccessDeniedException', 'The bot is not allowed to back up the world (AccessDeniedException).'],
    ['ThrottlingException', 'AWS is busy right now (throttled), so I could not back up the world.'],
  ])('turns %s into a readable private message', async (name, sentence) => {
    // Given ECS refusing
    transfers.failure = Object.assign(new Error(`${name}: details`), { name });
    // When
    const reply = await run('backup');
    // Then
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toContain(sentence);
    expect(reply.content).not.toContain('details');
  });

  it('passes on why ECS did not place the task', async () => {
    // Given RunTask answering with a failure instead of a task
    transfers.startSnapshot = async () => {
      throw new WorldError(
        'ECS did not start the world-transfer task (RESOURCE:ENI)',
        'try again in a minute; if it keeps failing, check the cluster in the ECS console',
      );
    };
    // When
    const reply = await run('backup');
    // Then
    expect(reply.content).toBe(
      'I could not back up the world: ECS did not start the world-transfer task (RESOURCE:ENI). Try again in a minute; if it keeps failing, check the cluster in the ECS console.',
    );
  });

  it('answers within the budget when ECS hangs', async () => {
    // Given an ECS that never answers
    transfers.inProgress = () => new Promise(() => {});
    const started = Date.now();
    // When
    const reply = await run('backup');
    // Then
    expect(Date.now() - started).toBeLessThan(1000);
    expect(reply.content).toContain('AWS did not answer in time while trying to back up the world');
    expect(transfers.started).toEqual([]);
  });

  it('still reports a started backup when its reply could not be stored', async () => {
    // Given DynamoDB failing
    store.saveError = Object.assign(new Error('x'), { name: 'ProvisionedThroughputExceededException' });
    // When
    const reply = await run('backup');
    // Then the snapshot runs, and the reply does not promise a follow-up
    expect(transfers.started).toHaveLength(1);
    expect(reply.content).toContain('See whether it worked with `npx valheim world backups`');
    expect(reply.content).not.toContain("I'll post");
  });

  describe('start during a world transfer', () => {
    it('refuses to start the server while a transfer task runs', async () => {
      // Given a stopped server and a restore (or backup) in progress
      transfers.running = [TRANSFER_TASK];
      // When
      const reply = await run('start');
      // Then the server is not started, and the member learns why
      expect(server.desiredCounts).toEqual([]);
      expect(reply.ephemeral).toBe(true);
      expect(reply.content).toBe(
        'A world backup, import or restore is running right now, and the server must not start while the world may change. Try `/valheim start` again in a few minutes.',
      );
    });

    it('applies to the Start button too', async () => {
      transfers.running = [TRANSFER_TASK];
      await runButton(buttonInteraction('valheim:start'), context);
      expect(server.desiredCounts).toEqual([]);
    });

    it('starts as usual when no transfer runs, with one check', async () => {
      const reply = await run('start');
      expect(server.desiredCounts).toEqual([1]);
      expect(reply.content).toContain('started the server');
      expect(transfers.calls).toBe(1);
    });

    it('does not look for transfers for other commands', async () => {
      server.current = RUNNING;
      await run('status');
      await run('stop');
      expect(transfers.calls).toBe(0);
    });

    it('starts without the check on a deployment without transfer settings', async () => {
      const { worldTransfers: _off, ...withoutTransfers } = context;
      context = withoutTransfers;
      await run('start');
      expect(server.desiredCounts).toEqual([1]);
    });

    it('does not start when the check fails, and says why', async () => {
      transfers.failure = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      const reply = await run('start');
      expect(server.desiredCounts).toEqual([]);
      expect(reply.content).toContain('not allowed to start the server');
    });
  });
});
