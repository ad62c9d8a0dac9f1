import type {
  APIInteractionResponse,
  APIInteractionResponseChannelMessageWithSource,
} from 'discord-api-types/v10';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { keepRunningPending } from '../../src/bot/keep-running.js';
import {
  type CommandContext,
  type CommandStore,
  runButton,
  runValheimCommand,
} from '../../src/bot/valheim-command.js';
import { BUTTON_IDS } from '../../src/discord/components.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import { noticeFor } from '../../src/monitor/notices.js';
import type { StoredState } from '../../src/monitor/state-store.js';
import type { LifecycleState, LimitKind } from '../../src/records/lifecycle.js';
import type { Notice } from '../../src/records/notice.js';
import type { ChangeClaim } from '../../src/records/server-state.js';
import {
  buttonInteraction,
  commandInteraction,
  GUILD_ID,
  OPERATOR_ROLE,
  USER_ID,
} from '../support/discord-signing.js';
import { FakeGameServer, RUNNING } from '../support/fake-game-server.js';

/*
 * Keep running that stays: while a blind or session-limit warning waits for an answer, no button press by
 * anyone (member, operator, administrator) on any of the bot's messages takes the last Keep running control
 * away; and `/valheim keep-running` is there besides.
 */

const NOW = new Date('2026-11-23T23:55:00Z');
const CONTEXT = { crossplay: false, idleStopMinutes: 15, emptyStopMinutes: 30 };
/** Discord's "update the message the button is on" and "new message" response types, and the ephemeral flag. */
const UPDATE = 7;
const NEW_MESSAGE = 4;
const EPHEMERAL = 64;

/** The state table's item, with the conditional writes of the DynamoDB store. */
class MemoryStore implements CommandStore {
  stored: StoredState;
  constructor(state: LifecycleState) {
    this.stored = { state, version: 1 };
  }
  async load(): Promise<StoredState> {
    return this.stored;
  }
  async save(state: LifecycleState, expectedVersion: number, options: { claim?: ChangeClaim | null } = {}) {
    if (expectedVersion !== this.stored.version) return false;
    const claim = options.claim === undefined ? this.stored.claim : (options.claim ?? undefined);
    this.stored = { state, version: expectedVersion + 1, ...(claim && { claim }) };
    return true;
  }
  async sessions() {
    return [];
  }
  async saveBackupReply(): Promise<void> {}
  async loadSpend() {
    return undefined;
  }
  async saveSpend(): Promise<void> {}
}

/** A server whose status follows a stop (ECS's view). */
class StoppableServer extends FakeGameServer {
  override async setDesiredCount(count: 0 | 1, signal: AbortSignal): Promise<void> {
    await super.setDesiredCount(count, signal);
    if (count === 0) this.current = { ...RUNNING, state: 'stopping', desiredCount: 0 };
  }
}

const warnedState = (kind: LimitKind): LifecycleState => ({
  phase: 'ready',
  players: kind === 'blind' ? 'unknown' : 0,
  startedAt: NOW.getTime() - 12 * 3_600_000,
  limitWarning: { kind, stopAt: NOW.getTime() + 5 * 60_000 },
});

function warningNotice(kind: LimitKind): Notice {
  const notice = noticeFor(
    { type: 'warn-limit', kind, stopAt: NOW.getTime() + 5 * 60_000, since: NOW.getTime() - 3_600_000 },
    CONTEXT,
    NOW.getTime(),
  );
  if (!notice) throw new Error('no warning notice');
  return notice;
}

const customIds = (components: Notice['components'] | undefined) =>
  (components ?? []).flatMap((row) =>
    row.components.map((button) => ('custom_id' in button ? button.custom_id : '')),
  );

type Who = 'member' | 'operator' | 'admin';
const ROLES: Record<Who, { roles: string[]; permissions?: string }> = {
  member: { roles: [] },
  operator: { roles: [OPERATOR_ROLE] },
  admin: { roles: [], permissions: String(1n << 3n) },
};

describe('Keep running that stays', () => {
  let server: StoppableServer;
  let store: MemoryStore;
  let context: CommandContext;

  beforeEach(() => {
    server = new StoppableServer(RUNNING);
    store = new MemoryStore(warnedState('blind'));
    context = {
      server: async () => server,
      store: async () => store,
      passwordVisibleTo: 'members',
      guildId: GUILD_ID,
      // Operators are a role: members without it may press Refresh, not Keep running.
      operatorRoleIds: [OPERATOR_ROLE],
      lifecycle: DEFAULT_LIFECYCLE,
      budgetMs: 500,
      now: () => NOW,
      log: silentLogger,
    };
  });

  it('a non-operator pressing Refresh on a limit warning leaves Keep running on the message', async () => {
    // Given the blind warning in the channel, with Keep running and Refresh
    const warning = warningNotice('blind');
    expect(customIds(warning.components)).toEqual([BUTTON_IDS.keepRunning, BUTTON_IDS.status]);
    // When a member without the operator role presses Refresh on it
    const refreshed = (await runButton(
      buttonInteraction(BUTTON_IDS.status, ROLES.member),
      context,
    )) as APIInteractionResponseChannelMessageWithSource;
    // Then the message becomes the status view, and still carries Keep running (first), Stop and Refresh
    expect(refreshed.type).toBe(UPDATE);
    expect(customIds(refreshed.data.components as Notice['components'])).toEqual([
      BUTTON_IDS.keepRunning,
      BUTTON_IDS.stop,
      BUTTON_IDS.status,
    ]);
    expect(refreshed.data.content).toContain('unless someone presses **Keep running**');
    // And an operator can still press it there
    const kept = (await runButton(
      buttonInteraction(BUTTON_IDS.keepRunning, ROLES.operator),
      context,
    )) as APIInteractionResponseChannelMessageWithSource;
    expect(kept.data.content).toContain(`<@${USER_ID}> pressed **Keep running**`);
    expect(store.stored.state.keepRunningAt).toBe(NOW.getTime());
  });

  it('shows no Keep running on the status once the warning is answered or the server stops', async () => {
    store.stored = { state: { ...warnedState('max-session'), keepRunningAt: NOW.getTime() }, version: 2 };
    const answered = (await runButton(
      buttonInteraction(BUTTON_IDS.status),
      context,
    )) as APIInteractionResponseChannelMessageWithSource;
    expect(customIds(answered.data.components as Notice['components'])).toEqual([
      BUTTON_IDS.stop,
      BUTTON_IDS.status,
    ]);
    store.stored = { state: warnedState('max-session'), version: 3 };
    server.current = { ...RUNNING, state: 'stopping', desiredCount: 0 };
    const stopping = (await runButton(
      buttonInteraction(BUTTON_IDS.status),
      context,
    )) as APIInteractionResponseChannelMessageWithSource;
    expect(customIds(stopping.data.components as Notice['components'])).toEqual([
      BUTTON_IDS.stop,
      BUTTON_IDS.status,
    ]);
  });

  describe('/valheim keep-running', () => {
    const command = async (who: Who) =>
      (await runValheimCommand(
        commandInteraction({ subcommand: 'keep-running', ...ROLES[who] }),
        context,
      )) as APIInteractionResponseChannelMessageWithSource;

    it('answers a pending warning for everyone to see, like the button', async () => {
      const reply = await command('operator');
      expect(reply.type).toBe(NEW_MESSAGE);
      expect(reply.data.flags).toBeUndefined();
      expect(reply.data.content).toContain(`<@${USER_ID}> pressed **Keep running**: the server stays up.`);
      expect(store.stored).toMatchObject({ version: 2, state: { keepRunningAt: NOW.getTime() } });
    });

    it('is for operators only, like the button', async () => {
      const reply = await command('member');
      expect(reply.data.flags).toBe(EPHEMERAL);
      expect(reply.data.content).toBe(
        `Only members with the role <@&${OPERATOR_ROLE}> can keep the server running.`,
      );
      expect(store.stored.version).toBe(1);
      expect((await command('admin')).data.content).toContain('pressed **Keep running**');
    });

    it('says clearly when there is nothing to put off, and why', async () => {
      store.stored = { state: { phase: 'ready', players: 2 }, version: 4 };
      const nothing = await command('operator');
      expect(nothing.data.flags).toBe(EPHEMERAL);
      expect(nothing.data.content).toContain('There is no automatic stop to put off right now');
      store.stored = { state: { ...warnedState('blind'), keepRunningAt: NOW.getTime() - 1000 }, version: 5 };
      expect((await command('operator')).data.content).toContain('Keep running was already pressed');
      store.stored = { state: { phase: 'stopped' }, version: 6 };
      expect((await command('operator')).data.content).toContain('The server is not running');
      expect(store.stored.version).toBe(6);
    });
  });

  it('no button press by anyone, in any order, takes the last Keep running away while a warning waits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<LimitKind>('blind', 'max-session'),
        fc.array(
          fc.record({
            message: fc.nat(),
            button: fc.nat(),
            who: fc.constantFrom<Who>('member', 'member', 'operator', 'admin'),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        async (kind, presses) => {
          // Given the warning in the channel, and a status someone asked for earlier
          server = new StoppableServer(RUNNING);
          store = new MemoryStore(warnedState(kind));
          const publicMessages: Array<{ components: string[] }> = [
            { components: customIds(warningNotice(kind).components) },
          ];
          const status = (await runValheimCommand(commandInteraction({ subcommand: 'status' }), {
            ...context,
            server: async () => server,
            store: async () => store,
          })) as APIInteractionResponseChannelMessageWithSource;
          publicMessages.push({ components: customIds(status.data.components as Notice['components']) });
          const pressContext = { ...context, server: async () => server, store: async () => store };
          for (const press of presses) {
            // When anyone presses any button on any message the channel shows
            const message = publicMessages[press.message % publicMessages.length];
            if (!message || message.components.length === 0) continue;
            const customId = message.components[press.button % message.components.length] ?? '';
            const reply: APIInteractionResponse = await runButton(
              buttonInteraction(customId, ROLES[press.who]),
              pressContext,
            );
            if (reply.type === UPDATE) {
              message.components = customIds(reply.data?.components as Notice['components']);
            } else if (reply.type === NEW_MESSAGE && reply.data?.flags !== EPHEMERAL) {
              publicMessages.push({ components: customIds(reply.data?.components as Notice['components']) });
            }
            // Then, while the warning still waits for an answer on a running server, Keep running is on a message
            const waiting = keepRunningPending(store.stored.state) && server.current.state === 'running';
            if (waiting) {
              expect(publicMessages.some((m) => m.components.includes(BUTTON_IDS.keepRunning))).toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
