import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sdkDocuments } from '../../src/aws/sdk-dynamodb.js';
import { run } from '../../src/cli/program.js';
import { StateStore } from '../../src/monitor/state-store.js';
import { type LocalDynamo, startDynalite } from '../support/dynalite.js';
import { cliDeps, writeConfig } from './helpers.js';

/* `valheim starts` against dynalite: the ledger rows the monitor writes, read back and tabled. */

const NOW = Date.parse('2026-12-01T09:00:00Z');

describe('valheim starts', () => {
  let dynamo: LocalDynamo;
  let table = 0;
  let tableName: string;
  let config: string;

  beforeAll(async () => {
    dynamo = await startDynalite();
    config = writeConfig();
  });
  afterAll(async () => {
    await dynamo.close();
  });
  beforeEach(async () => {
    // A name as CloudFormation generates it for the stack's state table
    tableName = `valheim-ondemand-StateTable0F3E${++table}-1A2B3C4D5E6F`;
    await dynamo.createTable(tableName);
    await dynamo.createTable(`other-stack-StateTable9${table}-XYZ`);
  });
  afterEach(async () => {
    for (const name of [tableName, `other-stack-StateTable9${table}-XYZ`]) {
      await dynamo.client.send(new DeleteTableCommand({ TableName: name }));
    }
  });

  const deps = (env: NodeJS.ProcessEnv = {}) =>
    cliDeps(env, { dynamodb: () => dynamo.client, now: () => NOW });

  async function ledger(): Promise<void> {
    const store = new StateStore(sdkDocuments(dynamo.client), tableName);
    await store.recordSession({
      sessionId: '2026-11-29T18:02:00.000Z',
      startedAt: Date.parse('2026-11-29T18:02:00Z'),
      start: {
        totalMs: 245_000,
        phases: { placing: 15_000, pulling: 41_000, restoring: 9_000, updating: 150_000, loading: 30_000 },
        cache: 'missed',
        downloadBytes: 2_044_741_987,
      },
    });
    await store.recordSession({
      sessionId: '2026-11-30T18:02:00.000Z',
      startedAt: Date.parse('2026-11-30T18:02:00Z'),
      start: {
        totalMs: 112_000,
        phases: { placing: 18_000, pulling: 40_000, restoring: 32_000, updating: 10_000, loading: 12_000 },
        cache: 'restored',
      },
    });
    // A session from before starts were timed
    await store.recordSession({
      sessionId: '2026-11-20T18:00:00.000Z',
      startedAt: Date.parse('2026-11-20T18:00:00Z'),
    });
  }

  it('lists recent starts with the time per phase, finding the state table by the stack name', async () => {
    // Given two timed starts in the ledger
    await ledger();
    const d = deps();

    // When
    const code = await run(['starts', '--config', config], d);

    // Then
    expect(code).toBe(0);
    expect(d.term.stdout).toEqual([
      'started (UTC)     total       placing  pulling  restoring  updating    loading  cache     download',
      '2026-11-29 18:02  4 min 5 s   15 s     41 s     9 s        2 min 30 s  30 s     missed    2.0 GB',
      '2026-11-30 18:02  1 min 52 s  18 s     40 s     32 s       10 s        12 s     restored  –',
      'median of these 2: 2 min 59 s',
    ]);
  });

  it('names the world of each start once the ledger names worlds (older rows: server.world)', async () => {
    await ledger();
    const store = new StateStore(sdkDocuments(dynamo.client), tableName);
    await store.recordSession({ sessionId: '2026-11-30T18:02:00.000Z', world: 'Season2' });
    const d = deps();
    expect(await run(['starts', '--config', config], d)).toBe(0);
    expect(d.term.stdout.slice(0, 3).map((line) => line.split(/\s{2,}/).slice(0, 2))).toEqual([
      ['started (UTC)', 'world'],
      ['2026-11-29 18:02', 'Dedicated'],
      ['2026-11-30 18:02', 'Season2'],
    ]);
    const json = deps();
    expect(await run(['starts', '--config', config, '--json'], json)).toBe(0);
    expect(JSON.parse(json.term.stdout.join('')).map((row: { world: string }) => row.world)).toEqual([
      'Dedicated',
      'Season2',
    ]);
  });

  it('prints JSON with --json and honours --last', async () => {
    await ledger();
    const d = deps();
    expect(await run(['starts', '--config', config, '--json', '--last', '1'], d)).toBe(0);
    expect(JSON.parse(d.term.stdout.join(''))).toEqual([
      expect.objectContaining({ sessionId: '2026-11-30T18:02:00.000Z', totalMs: 112_000, cache: 'restored' }),
    ]);
  });

  it('says so when no start has been timed yet', async () => {
    const d = deps();
    expect(await run(['starts', '--config', config], d)).toBe(0);
    expect(d.term.stdout).toEqual([
      'No timed starts in the ledger yet (they are recorded from this version on).',
    ]);
  });

  it('reads the table named by VALHEIM_STATE_TABLE, and explains when it cannot find one', async () => {
    await ledger();
    const named = deps({ VALHEIM_STATE_TABLE: tableName });
    expect(await run(['starts', '--config', writeConfig({ stackName: 'renamed' })], named)).toBe(0);
    expect(named.term.stdout.at(-1)).toBe('median of these 2: 2 min 59 s');

    const lost = deps();
    expect(await run(['starts', '--config', writeConfig({ stackName: 'not-deployed' })], lost)).toBe(1);
    expect(lost.term.stderr.join('\n')).toContain('no state table of stack "not-deployed" was found');
    expect(lost.term.stderr.join('\n')).toContain('set VALHEIM_STATE_TABLE to the stack output StateTable');
  });

  it('refuses to guess between two tables that could be the state table', async () => {
    const twin = `valheim-ondemand-StateTableTwin${table}-1`;
    await dynamo.createTable(twin);
    const d = deps();
    expect(await run(['starts', '--config', config], d)).toBe(1);
    expect(d.term.stderr.join('\n')).toContain(
      'several tables could be the state table of stack "valheim-ondemand"',
    );
    await dynamo.client.send(new DeleteTableCommand({ TableName: twin }));
  });

  it('refuses a --last that is not a count', async () => {
    const d = deps();
    expect(await run(['starts', '--config', config, '--last', 'many'], d)).toBe(1);
    expect(d.term.stderr.join('\n')).toContain('--last "many" is not a whole number from 1 to 1000');
  });
});
