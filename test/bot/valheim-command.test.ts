import type { APIInteractionResponseChannelMessageWithSource } from 'discord-api-types/v10';
import { beforeEach, describe, expect, it } from 'vitest';
import { type CommandContext, runValheimCommand } from '../../src/bot/valheim-command.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import type { ServerStatus } from '../../src/server/server-status.js';
import { commandInteraction, GUILD_ID, OPERATOR_ROLE, USER_ID } from '../support/discord-signing.js';
import { FakeGameServer, RUNNING, STOPPED } from '../support/fake-game-server.js';

const NOW = new Date('2026-11-23T19:42:00Z');

function awsError(name: string): Error {
  return Object.assign(new Error(`${name}: details`), { name });
}

describe('/valheim', () => {
  let server: FakeGameServer;
  let context: CommandContext;

  beforeEach(() => {
    server = new FakeGameServer(STOPPED);
    context = {
      server: async () => server,
      guildId: GUILD_ID,
      operatorRoleIds: [],
      passwordVisibleTo: 'members',
      lifecycle: DEFAULT_LIFECYCLE,
      budgetMs: 200,
      now: () => NOW,
      log: silentLogger,
    };
  });

  async function run(options: Parameters<typeof commandInteraction>[0]) {
    const response = (await runValheimCommand(
      commandInteraction(options),
      context,
    )) as APIInteractionResponseChannelMessageWithSource;
    expect(response.type).toBe(4);
    expect(response.data.allowed_mentions).toEqual({ parse: [] });
    return { content: response.data.content ?? '', ephemeral: response.data.flags === 64 };
  }

  describe('status', () => {
    it('says a stopped server is stopped, with the counts', async () => {
      const reply = await run({ subcommand: 'status' });
      expect(reply.content).toContain('Stopped');
      expect(reply.content).toMatch(/desired 0 · running 0 · pending 0/i);
      expect(reply.ephemeral).toBe(false);
    });

    it('gives the address and uptime of a running server', async () => {
      server.current = RUNNING;
      const reply = await run({ subcommand: 'status' });
      expect(reply.content).toContain('Running');
      expect(reply.content).toContain('`3.120.45.67:2456`');
      expect(reply.content).toContain('Up for 42 min');
      expect(reply.content).toMatch(/desired 1 · running 1 · pending 0/i);
    });

    it('describes starting and stopping servers', async () => {
      server.current = { ...STOPPED, state: 'starting', desiredCount: 1, pendingCount: 1 };
      expect((await run({ subcommand: 'status' })).content).toContain('Starting');
      server.current = { ...RUNNING, state: 'stopping', desiredCount: 0 };
      expect((await run({ subcommand: 'status' })).content).toContain('Stopping');
    });

    it('is allowed for members without an operator role', async () => {
      context = { ...context, operatorRoleIds: [OPERATOR_ROLE] };
      expect((await run({ subcommand: 'status', roles: [] })).content).toContain('Stopped');
    });
  });

  describe('start', () => {
    it('scales a stopped server to 1 and tells the channel who started it', async () => {
      const reply = await run({ subcommand: 'start' });
      expect(server.desiredCounts).toEqual([1]);
      expect(reply.content).toContain(`<@${USER_ID}> started the server`);
      expect(reply.ephemeral).toBe(false);
    });

    it('says so when the server already runs, without scaling', async () => {
      server.current = RUNNING;
      const reply = await run({ subcommand: 'start' });
      expect(server.desiredCounts).toEqual([]);
      expect(reply.content).toContain('already running at `3.120.45.67:2456`');
    });

    it('waits for a server that is still saving on shutdown instead of starting a second one', async () => {
      server.current = { ...RUNNING, state: 'stopping', desiredCount: 0 };
      const reply = await run({ subcommand: 'start' });
      expect(server.desiredCounts).toEqual([]);
      expect(reply.content).toContain('still shutting down');
    });
  });

  describe('stop', () => {
    it('scales a running server to 0', async () => {
      server.current = RUNNING;
      const reply = await run({ subcommand: 'stop' });
      expect(server.desiredCounts).toEqual([0]);
      expect(reply.content).toContain('stopped the server');
    });

    it('says so when the server is already stopped', async () => {
      const reply = await run({ subcommand: 'stop' });
      expect(server.desiredCounts).toEqual([]);
      expect(reply.content).toContain('already stopped');
      expect(reply.ephemeral).toBe(true);
    });
  });

  describe('operator roles', () => {
    beforeEach(() => {
      context = { ...context, operatorRoleIds: [OPERATOR_ROLE] };
    });

    it('let a member with an operator role start the server', async () => {
      await run({ subcommand: 'start', roles: ['999999999999999999', OPERATOR_ROLE] });
      expect(server.desiredCounts).toEqual([1]);
    });

    it('refuse other members privately and change nothing', async () => {
      server.current = RUNNING;
      const reply = await run({ subcommand: 'stop', roles: ['999999999999999999'] });
      expect(server.desiredCounts).toEqual([]);
      expect(reply.ephemeral).toBe(true);
      expect(reply.content).toContain(`<@&${OPERATOR_ROLE}>`);
    });

    it('let guild administrators operate without the role', async () => {
      await run({ subcommand: 'start', roles: [], permissions: String(1n << 3n) });
      expect(server.desiredCounts).toEqual([1]);
    });

    it('treat a garbled permission field as no permission', async () => {
      await run({ subcommand: 'start', roles: [], permissions: 'garbage' });
      expect(server.desiredCounts).toEqual([]);
    });
  });

  describe('requests the bot should not act on', () => {
    it('refuses commands from another guild or outside a guild', async () => {
      expect((await run({ subcommand: 'start', guildId: '111111111111111111' })).ephemeral).toBe(true);
      expect((await run({ subcommand: 'start', guildId: undefined })).content).toContain('Discord server');
      expect(server.desiredCounts).toEqual([]);
    });

    it('answers unknown commands and subcommands with the way to re-register', async () => {
      expect((await run({ name: 'other' })).content).toContain('npx valheim discord wire');
      expect((await run({ subcommand: 'restart' })).content).toContain('`/valheim restart`');
    });
  });

  describe('replies within Discord limits, whatever they echo', () => {
    it('cuts a huge password with an ellipsis instead of failing the interaction', async () => {
      context = { ...context, password: async () => 'p'.repeat(5000) };
      const reply = await run({ subcommand: 'password' });
      expect(reply.content.length).toBeLessThanOrEqual(2000);
      expect(reply.content).toMatch(/^🔑 The server password is `p+…$/u);
    });

    it('cuts a refusal that lists hundreds of roles', async () => {
      const roles = Array.from({ length: 300 }, (_, i) => String(100000000000000000n + BigInt(i)));
      context = { ...context, operatorRoleIds: roles };
      const reply = await run({ subcommand: 'start', roles: [] });
      expect(reply.content.length).toBeLessThanOrEqual(2000);
      expect(reply.content.endsWith('…')).toBe(true);
      expect(server.desiredCounts).toEqual([]);
    });

    it('cuts an AWS error whose text is longer than a message', async () => {
      server.statusError = awsError(`Weird${'Exception'.repeat(400)}`);
      const reply = await run({ subcommand: 'status' });
      expect(reply.content.length).toBeLessThanOrEqual(2000);
      expect(reply.content).toContain('Something went wrong while trying to check the server');
    });
  });

  describe('AWS failures', () => {
    it.each([
      ['AccessDeniedException', 'not allowed'],
      ['ServiceNotFoundException', 'not found'],
      ['ThrottlingException', 'busy'],
      ['InternalFailure', 'went wrong'],
    ])('turns %s into a readable private message', async (name, words) => {
      server.statusError = awsError(name);
      const reply = await run({ subcommand: 'status' });
      expect(reply.ephemeral).toBe(true);
      expect(reply.content).toContain(words);
      expect(reply.content).not.toContain('details');
    });

    it('reports a failed scale-up without claiming the server starts', async () => {
      server.updateError = awsError('AccessDeniedException');
      const reply = await run({ subcommand: 'start' });
      expect(reply.content).toContain('not allowed to start the server');
    });

    it('answers within the budget when AWS hangs', async () => {
      // Given an AWS endpoint that never answers
      server.hang = true;
      const started = Date.now();
      // When
      const reply = await run({ subcommand: 'start' });
      // Then the reply comes at the budget, and says what to do
      expect(Date.now() - started).toBeLessThan(1000);
      expect(reply.content).toContain('did not answer in time');
      expect(server.desiredCounts).toEqual([]);
    });

    it('answers within the budget when loading the AWS client hangs', async () => {
      context = { ...context, server: () => new Promise<FakeGameServer>(() => {}) };
      const reply = await run({ subcommand: 'status' });
      expect(reply.content).toContain('did not answer in time');
    });
  });
});

describe('status wording', () => {
  it('mentions Spot and the task state while starting', async () => {
    const starting: ServerStatus = {
      state: 'starting',
      desiredCount: 1,
      runningCount: 0,
      pendingCount: 1,
      task: {
        taskArn: 'arn',
        lastStatus: 'PROVISIONING',
        desiredStatus: 'RUNNING',
        capacityProvider: 'FARGATE_SPOT',
      },
    };
    const server = new FakeGameServer(starting);
    const response = (await runValheimCommand(commandInteraction({ subcommand: 'status' }), {
      server: async () => server,
      guildId: GUILD_ID,
      operatorRoleIds: [],
      passwordVisibleTo: 'members',
      lifecycle: DEFAULT_LIFECYCLE,
      budgetMs: 200,
      now: () => NOW,
      log: silentLogger,
    })) as APIInteractionResponseChannelMessageWithSource;
    expect(response.data.content).toContain('Task provisioning · Spot');
  });
});
