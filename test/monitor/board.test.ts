import { beforeEach, describe, expect, it } from 'vitest';
import { BOARD_BUTTON_IDS } from '../../src/discord/components.js';
import { discordLive } from '../../src/monitor/discord-notifier.js';
import { type MonitorPorts, type MonitorSettings, runMonitorTick } from '../../src/monitor/monitor.js';
import type { StateStore } from '../../src/monitor/state-store.js';
import { type FakeChannel, fakeChannel, seededFaults } from '../support/fake-discord-channel.js';
import { RUNNING, STOPPED } from '../support/fake-game-server.js';
import { MINUTE, monitorHarness, SETTINGS, STARTING, T0 } from './harness.js';

/*
 * The status board as it runs: the real monitor tick, the state table (dynalite), the Discord client and a
 * stateful channel (test/support/fake-discord-channel.ts) that can lose requests or their answers. The channel
 * is the truth: one board, showing the newest state, whatever Discord did.
 */

/** The board's channel (the notices go to the harness's own channel). */
const BOARD_CHANNEL = '678901234567890999';
const NEXT_FRIDAY = Date.parse('2026-11-27T18:00:00Z');

const settings: MonitorSettings = {
  ...SETTINGS,
  summary: { fixedMonthly: 1.2, region: 'eu-central-1' },
  board: { worldName: 'Dedicated_*x*', nextOpening: () => NEXT_FRIDAY },
};

describe('the live status board', () => {
  const harness = monitorHarness();
  let now: number;
  let channel: FakeChannel;
  let ports: MonitorPorts;
  let server: { current: typeof RUNNING };
  let store: StateStore;
  let events: string[];

  beforeEach(async () => {
    now = T0;
    const fixture = await harness.fresh({
      status: STOPPED,
      now: () => now,
      rest: { timeoutMs: 150, retryBudgetMs: 0 },
      ports: ({ rest, store }) => ({
        live: { discord: discordLive(rest), channelId: BOARD_CHANNEL, store },
      }),
    });
    channel = fakeChannel(fixture.discord, BOARD_CHANNEL, () => now);
    ports = fixture.ports;
    server = fixture.server;
    store = fixture.store;
    events = fixture.events;
  });

  const boards = () => channel.messages.filter((message) => message.content.startsWith('📋'));
  const board = () => {
    expect(boards()).toHaveLength(1);
    return boards()[0] as (typeof channel.messages)[number];
  };
  const buttonIds = () =>
    (board().components as Array<{ components: Array<{ custom_id: string }> }>).flatMap((row) =>
      row.components.map((button) => button.custom_id),
    );

  async function tick(trigger: 'task-event' | 'schedule' = 'schedule') {
    await runMonitorTick(ports, settings, trigger);
  }

  it('is created once and edited in place on every state change, and not otherwise', async () => {
    // Given a stopped server: the first tick posts the board
    await tick('task-event');
    expect(board().content).toContain('⚫ **Offline**');
    expect(board().content).toContain('📋 **Valheim — Dedicated\\_\\*x\\***');
    expect(board().content).toContain(`Next scheduled opening: <t:${NEXT_FRIDAY / 1000}:f>`);
    expect(board().content).toContain('💰 ');
    expect(buttonIds()).toEqual([BOARD_BUTTON_IDS.start]);
    const id = board().id;

    // When it starts, becomes joinable, and minutes pass with nothing new
    server.current = STARTING;
    now += 10_000;
    await tick('task-event');
    expect(board().content).toContain('🟡 **Starting…**');
    server.current = RUNNING;
    now += MINUTE;
    await tick('task-event');
    expect(board().content).toContain('🟢 **Online**');
    expect(board().content).toContain('Join at `3.120.45.67:2456`');
    expect(board().content).toContain('👥 Nobody on.');
    expect(board().content).toMatch(/⏰ Stops by itself <t:\d+:R> unless someone joins/);
    expect(buttonIds()).toEqual([BOARD_BUTTON_IDS.stop]);
    const changes = board().changes;
    for (let minute = 0; minute < 5; minute++) {
      now += MINUTE;
      await tick();
    }
    // Then the same message was edited once per change, and not each minute (the countdown is Discord's)
    expect(board().id).toBe(id);
    expect(board().changes).toBe(changes);
    expect(changes).toBe(2);

    // When the server stops, Then the board says so on the same message
    server.current = STOPPED;
    now += MINUTE;
    await tick('task-event');
    now += 2 * MINUTE;
    await tick();
    expect(board().id).toBe(id);
    expect(board().content).toContain('⚫ **Offline**');
    expect(board().content).toContain('💰 ');
  });

  it('is posted anew when a member deleted it, and only once', async () => {
    await tick('task-event');
    const first = board().id;
    channel.delete(first);
    // When the state changes next
    server.current = STARTING;
    now += 10_000;
    await tick('task-event');
    // Then a new board shows the new state, and the store follows the new message
    expect(board().id).not.toBe(first);
    expect(board().content).toContain('Starting');
    now += MINUTE;
    server.current = RUNNING;
    await tick('task-event');
    expect(boards()).toHaveLength(1);
    expect(board().content).toContain('Online');
    expect((await store.load()).live?.board?.messageId).toBe(board().id);
  });

  it('does not keep the minute schedule on for a board Discord refuses for good', async () => {
    // Given a board channel that does not exist (Discord: 404)
    ports = {
      ...ports,
      live: { ...(ports.live as NonNullable<MonitorPorts['live']>), channelId: '111111111111111111' },
    };
    server.current = RUNNING;
    await tick('task-event');
    // When the server stops
    server.current = STOPPED;
    now += MINUTE;
    await tick('task-event');
    now += 2 * MINUTE;
    await tick();
    // Then the minute schedule goes off although the board never got through
    expect(events.at(-1)).toBe('polling off');
    expect((await store.load()).live?.board?.messageId).toBeUndefined();
  });

  it.each([11, 12, 13])(
    'shows the newest state on exactly one message while Discord fails a third of the requests (seed %i)',
    async (seed) => {
      channel.faults = seededFaults(seed, 0.33);
      const script: Array<typeof RUNNING> = [STOPPED, STARTING, RUNNING, RUNNING, RUNNING, STOPPED, STOPPED];
      for (const status of script) {
        server.current = status;
        await tick('task-event');
        // never two boards, at any moment
        expect(boards().length).toBeLessThanOrEqual(1);
        now += MINUTE;
        await tick();
        expect(boards().length).toBeLessThanOrEqual(1);
        now += MINUTE;
      }
      // When Discord recovers, Then the one board shows the last state
      channel.faults = () => 'ok';
      now += MINUTE;
      await tick();
      expect(board().content).toContain('⚫ **Offline**');
      const stored = (await store.load()).live?.board;
      expect(stored?.content).toBe(board().content);
      expect(stored?.shown).toBe(stored?.version);
    },
  );
});
