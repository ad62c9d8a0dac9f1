import { describe, expect, it } from 'vitest';
import {
  changeWorldSettings,
  createWorld,
  listWorlds,
  switchWorld,
  worldNames,
} from '../../src/worlds/worlds.js';
import { memoryWorlds } from './memory-worlds.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-24T20:00:00Z');

function session(id: string, startedAt: number, hours: number | undefined, world?: string) {
  return {
    sessionId: id,
    startedAt,
    ...(hours !== undefined && { stoppedAt: startedAt + hours * HOUR }),
    cpu: 2048,
    memoryMiB: 8192,
    spot: false,
    ...(world && { world }),
  };
}

describe('worlds', () => {
  it('lists the first world with the hours of rows from before worlds, and a new one with its own', async () => {
    // Given the first world played twice (one row from before worlds had names), and a second world
    const ports = memoryWorlds();
    ports.ledger.rows.push(
      session('a', NOW - 72 * HOUR, 2),
      session('b', NOW - 48 * HOUR, 1.5, 'Dedicated'),
      session('c', NOW - 24 * HOUR, 3, 'Ashlands'),
    );
    await createWorld(ports, { name: 'Ashlands', settings: { preset: 'hard' } });

    // When
    const list = await listWorlds(ports);

    // Then the active world comes first, each with its hours and sessions
    expect(list.active).toBe('Ashlands');
    expect(
      list.worlds.map((world) => ({
        name: world.name,
        active: world.active,
        hours: world.hours,
        sessions: world.sessions,
        settings: world.record.settings,
      })),
    ).toEqual([
      { name: 'Ashlands', active: true, hours: 3, sessions: 1, settings: { preset: 'hard' } },
      { name: 'Dedicated', active: false, hours: 3.5, sessions: 2, settings: undefined },
    ]);
    expect(list.worlds[1]?.lastPlayedAt).toBe(NOW - 46.5 * HOUR);
  });

  it('counts a session still running up to now', async () => {
    const ports = memoryWorlds();
    ports.ledger.rows.push(session('now', NOW - 0.5 * HOUR, undefined, 'Dedicated'));
    expect((await listWorlds(ports)).worlds[0]).toMatchObject({ hours: 0.5, lastPlayedAt: NOW });
  });

  it('switches while stopped: the args parameter with the world and its flags, then the name', async () => {
    const ports = memoryWorlds();
    await ports.catalog.add({
      name: 'Ashlands',
      origin: 'new',
      createdAt: NOW,
      settings: { preset: 'hardcore', modifiers: { raids: 'none' } },
    });
    expect(await switchWorld(ports, 'Ashlands')).toMatchObject({ kind: 'switched', from: 'Dedicated' });
    expect(ports.active.current).toEqual({
      name: 'Ashlands',
      args: '-resetmodifiers -preset hardcore -modifier raids none',
    });
    // And back: the first world needs no record and gets no flags
    expect(await switchWorld(ports, 'Dedicated')).toMatchObject({ kind: 'switched', from: 'Ashlands' });
    expect(ports.active.current).toEqual({ name: 'Dedicated', args: '' });
  });

  it('never switches under a running game, and says which worlds there are for an unknown name', async () => {
    const ports = memoryWorlds();
    await ports.catalog.add({ name: 'Ashlands', origin: 'new', createdAt: NOW });
    ports.game = true;
    expect(await switchWorld(ports, 'Ashlands')).toMatchObject({ kind: 'running', from: 'Dedicated' });
    expect(await switchWorld(ports, 'Asgard')).toEqual({
      kind: 'unknown',
      name: 'Asgard',
      known: ['Dedicated', 'Ashlands'],
    });
    expect(await switchWorld(ports, 'Dedicated')).toMatchObject({ kind: 'already' });
    expect(ports.active.writes).toEqual([]);
  });

  it('creates a world while the game runs without switching, and refuses a name in use or not allowed', async () => {
    const ports = memoryWorlds();
    ports.game = true;
    const created = await createWorld(ports, { name: 'Season2', by: '123' });
    expect(created).toMatchObject({ kind: 'created', switched: { kind: 'running' } });
    expect(ports.active.current?.name).toBe('Dedicated');
    expect(await createWorld(ports, { name: 'Season2' })).toMatchObject({ kind: 'exists' });
    expect(await createWorld(ports, { name: 'Dedicated' })).toMatchObject({ kind: 'exists' });
    await expect(createWorld(ports, { name: 'my world' })).rejects.toThrow('is not a world name');
  });

  it("changes settings for the next start: the active world's parameter follows at once, others' do not", async () => {
    const ports = memoryWorlds();
    await ports.catalog.add({ name: 'Ashlands', origin: 'new', createdAt: NOW });
    // The first world has no record yet: it gets one
    const first = await changeWorldSettings(ports, 'Dedicated', { modifiers: { raids: 'none' } });
    expect(first).toMatchObject({ kind: 'changed', active: true, running: false });
    expect(ports.active.current).toEqual({ name: 'Dedicated', args: '-resetmodifiers -modifier raids none' });
    expect((await ports.catalog.get('Dedicated'))?.settings).toEqual({ modifiers: { raids: 'none' } });
    const other = await changeWorldSettings(ports, 'Ashlands', { preset: 'casual' });
    expect(other).toMatchObject({ kind: 'changed', active: false });
    expect(ports.active.writes).toHaveLength(1);
  });

  it('offers the known names for autocomplete, the active one first, without deleted worlds', async () => {
    const ports = memoryWorlds();
    for (const name of ['Zeta', 'Alpha', 'Gone'])
      await ports.catalog.add({ name, origin: 'new', createdAt: NOW });
    await ports.catalog.remove('Gone', NOW);
    expect(await worldNames(ports)).toEqual({ active: 'Dedicated', names: ['Dedicated', 'Alpha', 'Zeta'] });
  });
});
