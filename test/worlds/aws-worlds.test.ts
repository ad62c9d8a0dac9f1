import { GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sdkDocuments } from '../../src/aws/sdk-dynamodb.js';
import { worldParameterNames } from '../../src/worlds/active-world.js';
import { DynamoWorldCatalog, SsmActiveWorld } from '../../src/worlds/aws-worlds.js';
import { sdkSsmParameters } from '../../src/worlds/sdk-ssm-parameters.js';
import { mockAwsClient } from '../support/aws-mock.js';
import { type LocalDynamo, startDynalite } from '../support/dynalite.js';

const NOW = Date.parse('2026-11-24T20:00:00Z');

describe('the world catalog in the state table', () => {
  let dynamo: LocalDynamo;
  let catalog: DynamoWorldCatalog;
  let table = 0;
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(() => dynamo.close());
  beforeEach(async () => {
    const name = `worlds-${++table}`;
    await dynamo.createTable(name);
    catalog = new DynamoWorldCatalog(sdkDocuments(dynamo.client), name);
  });

  it('adds a world once, keeps its settings, and lists it', async () => {
    expect(
      await catalog.add({ name: 'Ashlands', origin: 'new', createdAt: NOW, settings: { preset: 'hard' } }),
    ).toBe(true);
    expect(await catalog.add({ name: 'Ashlands', origin: 'import', createdAt: NOW })).toBe(false);
    expect(await catalog.setSettings('Ashlands', { modifiers: { raids: 'none' } })).toBe(true);
    expect(await catalog.setSettings('Nowhere', { preset: 'hard' })).toBe(false);
    expect(await catalog.list()).toEqual([
      { name: 'Ashlands', origin: 'new', createdAt: NOW, settings: { modifiers: { raids: 'none' } } },
    ]);
  });

  it('records sizes from newer snapshots only, adds the worlds it did not know, and never revives a deleted one', async () => {
    // Given a known world, deleted after a first snapshot
    await catalog.add({ name: 'Midgard', origin: 'first', createdAt: NOW });
    const first = { id: '20261124T190000Z-session-end', created: '2026-11-24T19:00:00Z' };
    await catalog.recordSnapshot({ ...first, sizes: { Midgard: 100, Other: 5 } }, NOW);
    await catalog.recordSnapshot(
      { id: '20261124T180000Z-session-end', created: '2026-11-24T18:00:00Z', sizes: { Midgard: 1 } },
      NOW,
    );
    expect(await catalog.get('Midgard')).toMatchObject({ sizeBytes: 100, latestSnapshot: first });
    expect(await catalog.get('Other')).toMatchObject({ origin: 'found', sizeBytes: 5 });

    await catalog.remove('Other', Date.parse('2026-11-24T19:30:00Z'));
    // When an event of the earlier snapshot (holding Other) arrives late
    await catalog.recordSnapshot({ ...first, id: '20261124T190001Z-session', sizes: { Other: 5 } }, NOW);
    // Then Other stays deleted; a world of that name may come back only with a later snapshot or a new add
    expect((await catalog.get('Other'))?.deletedAt).toBe(Date.parse('2026-11-24T19:30:00Z'));
    expect(await catalog.add({ name: 'Other', origin: 'new', createdAt: NOW })).toBe(true);
    expect((await catalog.get('Other'))?.deletedAt).toBeUndefined();
  });

  it('gives the lease on world changes to one owner at a time, back on release or when it has run out', async () => {
    // Two changes at the same moment: one gets it
    const taken = await Promise.all([
      catalog.lockChanges('a', NOW, 30_000),
      catalog.lockChanges('b', NOW, 30_000),
    ]);
    expect(taken.filter(Boolean)).toHaveLength(1);
    const [holder, other] = taken[0] ? ['a', 'b'] : ['b', 'a'];
    // The other cannot release it, nor take it while it runs
    await catalog.unlockChanges(other as string);
    expect(await catalog.lockChanges(other as string, NOW + 29_000, 30_000)).toBe(false);
    // Released by its owner: free
    await catalog.unlockChanges(holder as string);
    expect(await catalog.lockChanges(other as string, NOW + 29_000, 30_000)).toBe(true);
    // A lease never released (a crashed change) runs out
    expect(await catalog.lockChanges('c', NOW + 29_000 + 30_001, 30_000)).toBe(true);
    // And the world list never sees it
    expect(await catalog.list()).toEqual([]);
  });
});

describe('the active world in SSM', () => {
  const ssmMock = mockAwsClient(SSMClient);
  const names = worldParameterNames('valheim-ondemand');
  beforeEach(() => ssmMock.reset());

  it('writes the args parameter before the name, both overwritten', async () => {
    ssmMock.on(PutParameterCommand).resolves({ Version: 2 });
    await new SsmActiveWorld(sdkSsmParameters(new SSMClient({})), names).write({
      name: 'Ashlands',
      args: '-preset hard',
    });
    expect(ssmMock.commandCalls(PutParameterCommand).map((call) => call.args[0].input)).toEqual([
      { Name: names.args, Value: '-world Ashlands -preset hard', Type: 'String', Overwrite: true },
      { Name: names.name, Value: 'Ashlands', Type: 'String', Overwrite: true },
    ]);
  });

  it('reads the world from the args parameter (what the game runs), the name parameter as a fallback', async () => {
    const store = new SsmActiveWorld(sdkSsmParameters(new SSMClient({})), names);
    ssmMock
      .on(GetParametersCommand)
      .resolvesOnce({
        Parameters: [
          { Name: names.name, Value: 'Midgard' },
          { Name: names.args, Value: '-world Ashlands -preset hard' },
        ],
      })
      .resolvesOnce({ Parameters: [{ Name: names.name, Value: 'Midgard' }] })
      .resolvesOnce({ Parameters: [], InvalidParameters: [names.name, names.args] });
    expect(await store.read()).toEqual({ name: 'Ashlands', args: '-preset hard' });
    expect(await store.read()).toEqual({ name: 'Midgard', args: '' });
    expect(await store.read()).toBeUndefined();
  });
});
