import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sdkDocuments } from '../../src/aws/sdk-dynamodb.js';
import { worldDelete } from '../../src/cli/commands/world-delete.js';
import { worldList, worldNew, worldSettings, worldSwitch } from '../../src/cli/commands/world-manage.js';
import { errorLines } from '../../src/cli/errors.js';
import { StateStore } from '../../src/monitor/state-store.js';
import { type FakeWorldStack, useFakeWorldStack } from '../worlds/fake-world-stack.js';
import { writeConfig } from './helpers.js';

const NAME = '/valheim-ondemand/world/name';
const ARGS = '/valheim-ondemand/world/args';

let fake: FakeWorldStack;
useFakeWorldStack((stack) => {
  fake = stack;
  fake.worldsLocal = new Map([
    ['Dedicated.fwl', 'fwl'],
    ['Dedicated.db', 'db'],
  ]);
});

describe('valheim world new, switch, settings and list', () => {
  it('adds a world with settings and makes it the next start, then switches back', async () => {
    // When
    const deps = fake.deps();
    await worldNew({ config: writeConfig(), name: 'Ashlands', settings: ['hardcore', 'raids=more'] }, deps);

    // Then the parameters the task reads at its launch name it, with its flags
    expect(deps.term.stdout).toEqual([
      'Added the world "Ashlands" (preset hardcore; raids more). Valheim creates it at its first start.',
      'The next start runs "Ashlands" (was "Dedicated"). Start it with: npx valheim start',
    ]);
    expect(fake.parameters.get(ARGS)).toBe(
      '-world Ashlands -resetmodifiers -preset hardcore -modifier raids more',
    );
    expect(fake.parameters.get(NAME)).toBe('Ashlands');

    // And back to the first world: no flags
    await worldSwitch({ config: writeConfig(), name: 'Dedicated' }, fake.deps());
    expect(fake.parameters.get(ARGS)).toBe('-world Dedicated');
    expect(fake.parameters.get(NAME)).toBe('Dedicated');
  });

  it('refuses to switch while the server runs, and names an unknown world with the ones there are', async () => {
    fake.game = { desiredCount: 1, runningCount: 1 };
    const added = fake.deps();
    await worldNew({ config: writeConfig(), name: 'Ashlands' }, added);
    expect(added.term.stdout[1]).toBe(
      'The server is running "Dedicated" now: stop it (npx valheim stop --wait), then npx valheim world switch Ashlands',
    );
    const running = await worldSwitch({ config: writeConfig(), name: 'Ashlands' }, fake.deps()).catch(
      (e: unknown) => e,
    );
    expect(errorLines(running, false)).toEqual([
      'valheim: the server is running "Dedicated", and the world must not change under it — stop it first (npx valheim stop --wait: the world is saved), then run npx valheim world switch Ashlands',
    ]);
    const unknown = await worldSwitch({ config: writeConfig(), name: 'Asgard' }, fake.deps()).catch(
      (e: unknown) => e,
    );
    expect(errorLines(unknown, false)).toEqual([
      'valheim: there is no world "Asgard" (there are Dedicated, Ashlands) — check the name, or create it: npx valheim world new Asgard',
    ]);
    expect(fake.parameters.get(NAME)).toBe('Dedicated');
  });

  it('refuses settings Valheim does not know, saying which it does', async () => {
    const error = await worldNew(
      { config: writeConfig(), name: 'X', settings: ['raids=lots'] },
      fake.deps(),
    ).catch((e: unknown) => e);
    expect(errorLines(error, false)[0]).toMatch(
      /^valheim: "lots" is not a value of raids: use one of none, /,
    );
  });

  it("changes the active world's settings for its next start", async () => {
    const deps = fake.deps();
    await worldSettings({ config: writeConfig(), name: 'Dedicated', settings: ['raids=none'] }, deps);
    expect(deps.term.stdout).toEqual(['"Dedicated": raids none. They apply at its next start.']);
    expect(fake.parameters.get(ARGS)).toBe('-world Dedicated -resetmodifiers -modifier raids none');
    await worldSettings({ config: writeConfig(), name: 'Dedicated', reset: true }, fake.deps());
    expect(fake.parameters.get(ARGS)).toBe('-world Dedicated');
  });

  it('lists each world with its hours from the ledger and its idle cost', async () => {
    // Given a session of the first world from before worlds had names, and one of a second world
    const ledger = new StateStore(sdkDocuments(fake.dynamo.client), fake.stateTable);
    await ledger.recordSession({
      sessionId: '2026-11-20T19:00:00.000Z',
      startedAt: Date.parse('2026-11-20T19:00:00Z'),
      stoppedAt: Date.parse('2026-11-20T21:30:00Z'),
      cpu: 2048,
      memoryMiB: 8192,
      spot: false,
    });
    await worldNew({ config: writeConfig(), name: 'Ashlands' }, fake.deps());
    await ledger.recordSession({
      sessionId: '2026-11-22T19:00:00.000Z',
      startedAt: Date.parse('2026-11-22T19:00:00Z'),
      stoppedAt: Date.parse('2026-11-22T20:00:00Z'),
      cpu: 2048,
      memoryMiB: 8192,
      spot: false,
      world: 'Ashlands',
    });
    const { DynamoWorldCatalog } = await import('../../src/worlds/aws-worlds.js');
    await new DynamoWorldCatalog(sdkDocuments(fake.dynamo.client), fake.stateTable).recordSnapshot(
      {
        id: '20261120T213500Z-session-end',
        created: '2026-11-20T21:35:00Z',
        sizes: { Dedicated: 200_000_000 },
      },
      Date.now(),
    );

    // When
    const deps = fake.deps();
    await worldList({ config: writeConfig() }, deps);

    // Then
    const rows = deps.term.stdout.slice(1, 3).map((line) => line.split(/\s{2,}/));
    expect(rows).toEqual([
      // Played once, but no snapshot has measured it yet
      ['Ashlands', 'yes', 'not measured yet', '1.0 h (1)', '2026-11-22 20:00', '–', '–', 'default'],
      [
        'Dedicated',
        '200.0 MB',
        '2.5 h (1)',
        '2026-11-20 21:30',
        '20261120T213500Z-session-end',
        '$0.033',
        'default',
      ],
    ]);
    expect(deps.term.stdout.at(-2)).toMatch(/about \$0\.\d{3} a month per GB of its files/);
    const json = fake.deps();
    await worldList({ config: writeConfig(), json: true }, json);
    expect(JSON.parse(json.term.stdout.join('\n'))).toMatchObject([
      { name: 'Ashlands', active: true, hours: 1, sessions: 1 },
      { name: 'Dedicated', active: false, hours: 2.5, sizeBytes: 200_000_000 },
    ]);
  });
});

describe('valheim world delete', () => {
  it('exports the world, asks for its name, then removes only its files after a snapshot', async () => {
    // Given a second world on the server that is not the active one
    fake.worldsLocal.set('Old/_main.0.fwl2', 'old meta');
    await worldNew({ config: writeConfig(), name: 'Old' }, fake.deps());
    await worldSwitch({ config: writeConfig(), name: 'Dedicated' }, fake.deps());
    const out = mkdtempSync(join(tmpdir(), 'world-delete-'));
    const deps = fake.deps(['Old']);

    // When
    await worldDelete({ config: writeConfig(), name: 'Old', out }, deps);

    // Then it was exported first, confirmed by name, and only its files are gone
    expect(readdirSync(out)).toEqual(['Old-20261124T080001Z-manual']);
    expect(deps.promptLine).toHaveBeenCalledWith(
      "Type the world's name (Old) to delete it from the server: ",
    );
    expect(fake.runs.map((run) => [run.MODE, run.WORLD_NAME])).toEqual([
      ['snapshot', 'Old'],
      ['delete', 'Old'],
    ]);
    expect(Object.fromEntries(fake.worldsLocal)).toEqual({ 'Dedicated.fwl': 'fwl', 'Dedicated.db': 'db' });
    expect(deps.term.stdout[1]).toMatch(
      /^Deleted "Old" from the server\. Snapshot 20261124T080\d{3}Z-pre-delete holds it/,
    );
    const listed = fake.deps();
    await worldList({ config: writeConfig() }, listed);
    expect(listed.term.stdout.some((line) => line.startsWith('Old '))).toBe(false);
  });

  it('refuses the active world, and a wrong name typed, deleting nothing', async () => {
    const active = await worldDelete(
      { config: writeConfig(), name: 'Dedicated', export: false },
      fake.deps(),
    ).catch((e: unknown) => e);
    expect(errorLines(active, false)).toEqual([
      'valheim: "Dedicated" is the active world (the next start runs it) — switch to another world first (valheim world switch <name>), then delete this one',
    ]);
    fake.worldsLocal.set('Old/_main.0.fwl2', 'old meta');
    await worldNew({ config: writeConfig(), name: 'Old' }, fake.deps());
    await worldSwitch({ config: writeConfig(), name: 'Dedicated' }, fake.deps());
    const typo = await worldDelete(
      { config: writeConfig(), name: 'Old', export: false },
      fake.deps(['old']),
    ).catch((e: unknown) => e);
    expect(errorLines(typo, false)).toEqual([
      'valheim: "old" is not "Old", so nothing was deleted — type the name exactly, or pass --confirm Old',
    ]);
    expect(fake.runs).toEqual([]);
    expect(fake.worldsLocal.get('Old/_main.0.fwl2')).toBe('old meta');
  });

  it('removes a new world that never started from the list alone (it has no files)', async () => {
    await worldNew({ config: writeConfig(), name: 'Never' }, fake.deps());
    await worldSwitch({ config: writeConfig(), name: 'Dedicated' }, fake.deps());
    const deps = fake.deps();
    await worldDelete({ config: writeConfig(), name: 'Never', export: false, confirm: 'Never' }, deps);
    expect(deps.term.stdout[0]).toBe('Removed "Never" from the list: it had no files on the server.');
    expect(Object.keys(Object.fromEntries(fake.worldsLocal))).toEqual(['Dedicated.fwl', 'Dedicated.db']);
  });
});
