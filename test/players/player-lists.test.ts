import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sdkDocuments } from '../../src/aws/sdk-dynamodb.js';
import { awsPlayerLists } from '../../src/players/aws-player-lists.js';
import {
  checkPlayerId,
  EMPTY_LIST_VALUE,
  editPlayerList,
  formatPlayerList,
  PLAYER_LIST_FILES,
  PLAYER_LIST_KINDS,
  PLAYER_LIST_VARIABLES,
  type PlayerListPorts,
  PlayerListsBusyError,
  parsePlayerList,
  playerListParameterNames,
} from '../../src/players/player-lists.js';
import type { SsmParameters } from '../../src/worlds/aws-worlds.js';
import { type LocalDynamo, startDynalite } from '../support/dynalite.js';
import {
  idsValheimReads,
  imageWriteServerlist,
  listFileAfterStart,
  WRITE_SERVERLIST,
} from '../support/image-lists.js';

const ALICE = '76561198000000001';
const BOB = 'Steam_76561198000000002';
const XBOX = 'Xbox_2535400000000003';

/** SSM String parameters in memory, each call a few random milliseconds late (so concurrent edits interleave). */
function memorySsm(initial: Record<string, string> = {}): SsmParameters & { values: Map<string, string> } {
  const values = new Map(Object.entries(initial));
  const late = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 6));
  return {
    values,
    getParameters: async (names) => {
      await late();
      return names.flatMap((name) => {
        const value = values.get(name);
        return value === undefined ? [] : [{ Name: name, Value: value }];
      });
    },
    putParameter: async (name, value) => {
      if (value === '')
        throw Object.assign(new Error('Parameter value must not be empty'), { name: 'ValidationException' });
      await late();
      values.set(name, value);
    },
  };
}

describe('player ids', () => {
  it('accepts SteamID64s, Steam_ and Xbox_ platform ids, and names what is wrong with anything else', () => {
    expect(checkPlayerId(` ${ALICE} `)).toEqual({ ok: true, id: ALICE });
    expect(checkPlayerId('steam_76561198000000002')).toEqual({ ok: true, id: BOB });
    expect(checkPlayerId('XBOX_2535400000000003')).toEqual({ ok: true, id: XBOX });
    const refusals = {
      '1234': /not a SteamID64: those are 17 digits starting with 7656119/,
      '76561198': /not a SteamID64/,
      Steam_123: /Steam_ followed by a 17-digit SteamID64/,
      Xbox_12ab: /Xbox_ followed by digits only/,
      Bjorn: /not a player id: give a SteamID64/,
      [`${ALICE} ${BOB}`]: /not a player id/,
      '$(reboot)': /not a player id/,
    };
    for (const [input, why] of Object.entries(refusals)) {
      const check = checkPlayerId(input);
      expect(check.ok, input).toBe(false);
      if (!check.ok) expect(check.why).toMatch(why);
    }
  });
});

describe('the list file the image writes from a stored value', () => {
  const scripts = [
    ['written here', WRITE_SERVERLIST],
    ['the image', imageWriteServerlist()],
  ] as const;
  for (const [source, script] of scripts) {
    it.skipIf(script === undefined)(
      `holds exactly the stored ids, and none once the last is removed (${source})`,
      () => {
        const body = script as string;
        const old = `// List admin players ID  ONE per line\n${ALICE}\n`;
        expect(
          idsValheimReads(listFileAfterStart(body, 'admin', formatPlayerList([ALICE, BOB, XBOX]), old)),
        ).toEqual([ALICE, BOB, XBOX]);
        // The last one removed: the stored value clears the file
        expect(formatPlayerList([])).toBe(EMPTY_LIST_VALUE);
        expect(idsValheimReads(listFileAfterStart(body, 'admin', formatPlayerList([]), old))).toEqual([]);
        // Whereas an empty variable would have left the removed id in force
        expect(idsValheimReads(listFileAfterStart(body, 'admin', '', old))).toEqual([ALICE]);
      },
    );
  }

  it('names the variables and files the image uses', () => {
    expect(PLAYER_LIST_VARIABLES).toEqual({
      admins: 'ADMINLIST_IDS',
      bans: 'BANNEDLIST_IDS',
      permitted: 'PERMITTEDLIST_IDS',
    });
    expect(PLAYER_LIST_FILES.bans).toBe('bannedlist.txt');
  });
});

describe('the lists in SSM, changed under a lock in the state table', () => {
  let dynamo: LocalDynamo;
  let table = 0;
  let tableName: string;
  const names = playerListParameterNames('valheim-ondemand');
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(() => dynamo.close());
  beforeEach(async () => {
    tableName = `lists-${++table}`;
    await dynamo.createTable(tableName);
  });

  it('round-trips: what a change writes is the value the task gets, and the file the image makes of it', async () => {
    // Given the parameters a deploy creates (the admins from the config; the other two empty)
    const ssm = memorySsm({
      [names.admins]: ALICE,
      [names.bans]: EMPTY_LIST_VALUE,
      [names.permitted]: EMPTY_LIST_VALUE,
    });
    const lists = awsPlayerLists(ssm, names, sdkDocuments(dynamo.client), tableName);
    expect(await lists.read()).toEqual({ admins: [ALICE], bans: [], permitted: [] });
    // When an operator bans Bob and removes the only admin
    await editPlayerList(lists, { action: 'add', kind: 'bans', id: BOB }, { owner: 'one' });
    await editPlayerList(lists, { action: 'remove', kind: 'admins', id: ALICE }, { owner: 'two' });
    // Then the task's variables at the next start make these files
    expect(ssm.values.get(names.bans)).toBe(BOB);
    expect(ssm.values.get(names.admins)).toBe(EMPTY_LIST_VALUE);
    const before = `// List admin players ID  ONE per line\n${ALICE}\n`;
    expect(
      idsValheimReads(listFileAfterStart(WRITE_SERVERLIST, 'banned', ssm.values.get(names.bans) ?? '', '')),
    ).toEqual([BOB]);
    expect(
      idsValheimReads(
        listFileAfterStart(WRITE_SERVERLIST, 'admin', ssm.values.get(names.admins) ?? '', before),
      ),
    ).toEqual([]);
    expect(await lists.read()).toEqual({ admins: [], bans: [BOB], permitted: [] });
  });

  it('reads a missing parameter as an empty list, and says when nothing had to change', async () => {
    const lists = awsPlayerLists(memorySsm(), names, sdkDocuments(dynamo.client), tableName);
    expect(await lists.read()).toEqual({ admins: [], bans: [], permitted: [] });
    expect(
      await editPlayerList(lists, { action: 'remove', kind: 'permitted', id: XBOX }, { owner: 'a' }),
    ).toEqual({
      changed: false,
      ids: [],
    });
    await editPlayerList(lists, { action: 'add', kind: 'permitted', id: XBOX }, { owner: 'a' });
    expect(
      await editPlayerList(lists, { action: 'add', kind: 'permitted', id: XBOX }, { owner: 'b' }),
    ).toEqual({
      changed: false,
      ids: [XBOX],
    });
  });

  it('loses no entry when operators add and remove at the same moment', async () => {
    // Given a list of three, and twelve operators changing it at once (SSM calls randomly late)
    const ssm = memorySsm({ [names.bans]: [ALICE, BOB, XBOX].join(' ') });
    const lists = awsPlayerLists(ssm, names, sdkDocuments(dynamo.client), tableName);
    const added = Array.from({ length: 10 }, (_, i) => `7656119800000010${i}`.slice(0, 17));
    await Promise.all([
      ...added.map((id, i) =>
        editPlayerList(
          lists,
          { action: 'add', kind: 'bans', id },
          { owner: `add-${i}`, pauseMs: 5, attempts: 400 },
        ),
      ),
      editPlayerList(
        lists,
        { action: 'remove', kind: 'bans', id: ALICE },
        { owner: 'rm-1', pauseMs: 5, attempts: 400 },
      ),
      editPlayerList(
        lists,
        { action: 'remove', kind: 'bans', id: XBOX },
        { owner: 'rm-2', pauseMs: 5, attempts: 400 },
      ),
    ]);
    // Then every add and every remove is in the value the next start reads
    expect(new Set(parsePlayerList(ssm.values.get(names.bans)))).toEqual(new Set([BOB, ...added]));
  });

  it('without the lock the same edits lose entries (what the lock is for)', async () => {
    const ssm = memorySsm({ [names.bans]: BOB });
    const real = awsPlayerLists(ssm, names, sdkDocuments(dynamo.client), tableName);
    const unlocked: PlayerListPorts = { ...real, lock: async () => true, unlock: async () => {} };
    const added = Array.from({ length: 10 }, (_, i) => `7656119800000020${i}`.slice(0, 17));
    await Promise.all(
      added.map((id, i) => editPlayerList(unlocked, { action: 'add', kind: 'bans', id }, { owner: `${i}` })),
    );
    expect(parsePlayerList(ssm.values.get(names.bans)).length).toBeLessThan(added.length + 1);
  });

  it('gives up with a readable refusal, changing nothing, while another change holds the lock', async () => {
    const ssm = memorySsm({ [names.admins]: ALICE });
    const lists = awsPlayerLists(ssm, names, sdkDocuments(dynamo.client), tableName);
    expect(await lists.lock('stuck', Date.now(), 30_000)).toBe(true);
    await expect(
      editPlayerList(
        lists,
        { action: 'add', kind: 'admins', id: BOB },
        { owner: 'late', attempts: 3, pauseMs: 1 },
      ),
    ).rejects.toBeInstanceOf(PlayerListsBusyError);
    expect(ssm.values.get(names.admins)).toBe(ALICE);
    // A lease that has run out (its holder died mid-change) is taken over
    const later = { ...lists, now: () => new Date(Date.now() + 31_000) };
    await editPlayerList(later, { action: 'add', kind: 'admins', id: BOB }, { owner: 'later' });
    expect(ssm.values.get(names.admins)).toBe(`${ALICE} ${BOB}`);
  });

  it('has one parameter per list under the stack name', () => {
    expect(PLAYER_LIST_KINDS.map((kind) => names[kind])).toEqual([
      '/valheim-ondemand/players/admins',
      '/valheim-ondemand/players/bans',
      '/valheim-ondemand/players/permitted',
    ]);
  });
});
