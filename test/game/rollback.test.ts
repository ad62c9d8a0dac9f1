import { describe, expect, it } from 'vitest';
import { type GameStart, nextGameRecord, recordGameStart } from '../../src/game/game-record.js';
import {
  describeRollback,
  executeRollback,
  type InstallVersion,
  planRollback,
  type RollbackPorts,
  RollbackRefused,
} from '../../src/game/rollback.js';
import type { GameRecord } from '../../src/records/game.js';

/* The rollback's plan, its words and its order, over fakes of the record, the parameter and the tarballs. */

const T0 = Date.parse('2026-12-01T19:00:00Z');
const COPY = {
  snapshotId: '20261201T190130Z-pre-update',
  world: 'Midgard',
  fromBuild: '100',
  toBuild: '200',
  at: T0,
};
const KEY = 'server-install/valheim-server-896660.tar.gz';

function fakes(options: {
  record?: GameRecord;
  versions?: InstallVersion[];
  running?: boolean;
  complete?: boolean;
  world?: string;
}) {
  let record = options.record;
  const calls: string[] = [];
  const ports: RollbackPorts = {
    records: {
      load: async () => record,
      save: async (next) => {
        record = next;
        return true;
      },
    },
    setting: {
      read: async () => ({ branch: 'public' }),
      write: async (setting) => {
        calls.push(`setting ${setting.branch} hold ${setting.hold}`);
      },
    },
    installs: {
      keyFor: (branch) => (branch === 'public' ? KEY : `server-install/branches/${branch}/x.tar.gz`),
      versions: async () => options.versions ?? [],
      promote: async (key, versionId) => {
        calls.push(`promote ${key} ${versionId}`);
      },
    },
    activeWorld: async () => options.world ?? 'Midgard',
    snapshotComplete: async () => options.complete ?? true,
    gameActive: async () => options.running ?? false,
  };
  return { ports, calls, record: () => record };
}

const updated: GameRecord = nextGameRecord(
  { build: '100', branch: 'public', version: 'l-1.0.15', since: T0 - 86_400_000 },
  { build: '200', branch: 'public', version: 'l-1.0.16', at: T0, preUpdate: COPY },
);
const versions: InstallVersion[] = [
  { versionId: 'v2', isLatest: true, build: '200' },
  { versionId: 'v1', isLatest: false, build: '100' },
];

describe('the game record', () => {
  it('keeps the build before an update, and the copy of each world that build loaded', () => {
    expect(updated).toMatchObject({
      build: '200',
      version: 'l-1.0.16',
      previous: { build: '100', version: 'l-1.0.15', until: T0 },
      preUpdate: { Midgard: COPY },
    });
    // A second world loaded on the same build adds its copy; a start of the same build changes nothing else
    const second: GameStart = {
      build: '200',
      branch: 'public',
      at: T0 + 1000,
      preUpdate: { ...COPY, world: 'Ashlands', snapshotId: '20261202T190000Z-pre-update' },
    };
    const next = nextGameRecord(updated, second);
    expect(Object.keys(next.preUpdate ?? {}).sort()).toEqual(['Ashlands', 'Midgard']);
    expect(next.previous).toEqual(updated.previous);
    expect(next.since).toBe(updated.since);
  });

  it('reads again when another writer came first', async () => {
    let stored: GameRecord | undefined;
    let conflicts = 1;
    const records = {
      load: async () => stored,
      save: async (next: GameRecord) => {
        if (conflicts-- > 0) {
          stored = { build: '150', branch: 'public', since: T0 - 1 };
          return false;
        }
        stored = next;
        return true;
      },
    };
    const result = await recordGameStart(records, { build: '200', branch: 'public', at: T0 });
    expect(result.previous?.build).toBe('150');
  });
});

describe('a rollback', () => {
  it('plans the world first, then the install and the hold, and says what players must do', async () => {
    const { ports } = fakes({ record: updated, versions });
    const plan = await planRollback(ports);
    expect(plan).toMatchObject({
      to: { build: '100' },
      install: { key: KEY, version: { versionId: 'v1' } },
      world: { name: 'Midgard', copy: COPY },
      setting: { branch: 'public', hold: '100' },
    });
    const text = describeRollback(plan).join('\n');
    expect(text).toContain(
      'Game: Valheim 1.0.16 (build 200, public) → Valheim 1.0.15 (build 100, public), held there',
    );
    expect(text).toContain(`version v1) becomes the current one again`);
    expect(text).toContain(`World "Midgard": replaced by snapshot ${COPY.snapshotId}`);
    expect(text).toContain('Players must run the same version as the server: Valheim 1.0.15');
    expect(text).toContain('default_old');
  });

  it('does the world first, and nothing else when the world restore fails', async () => {
    const { ports, calls } = fakes({ record: updated, versions });
    const plan = await planRollback(ports);
    const order: string[] = [];
    await executeRollback(ports, plan, {
      restoreWorld: async (world, id) => {
        order.push(`restore ${world} ${id}`);
      },
    });
    expect([...order, ...calls]).toEqual([
      `restore Midgard ${COPY.snapshotId}`,
      `promote ${KEY} v1`,
      'setting public hold 100',
    ]);
    const failing = fakes({ record: updated, versions });
    await expect(
      executeRollback(failing.ports, plan, {
        restoreWorld: async () => {
          throw new Error('exit code 4');
        },
      }),
    ).rejects.toThrow('exit code 4');
    expect(failing.calls).toEqual([]);
  });

  it('leaves a world the new build never loaded, and only holds when the tarball is current already', async () => {
    const { ports } = fakes({
      record: updated,
      versions: [{ versionId: 'v1', isLatest: true, build: '100' }],
      world: 'Ashlands',
    });
    const plan = await planRollback(ports);
    expect(plan.world).toBeUndefined();
    expect(plan.install.version).toBeUndefined();
    expect(describeRollback(plan).join('\n')).toContain('World "Ashlands": unchanged');
  });

  it.each([
    ['no record yet', { record: undefined }, 'no game build is recorded yet'],
    ['no update yet', { record: { build: '200', branch: 'public', since: T0 } }, 'no build before'],
    [
      'the previous install is gone',
      { record: updated, versions: [versions[0] as InstallVersion] },
      'is no longer kept',
    ],
    ['the copy is not uploaded yet', { record: updated, versions, complete: false }, 'is not in S3 yet'],
    ['the server runs', { record: updated, versions, running: true }, 'the server is running'],
  ])('refuses with the fix when %s', async (_case, options, problem) => {
    const { ports, calls } = fakes(options);
    const refusal = await planRollback(ports).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RollbackRefused);
    expect((refusal as RollbackRefused).problem).toContain(problem);
    expect((refusal as RollbackRefused).fix.length).toBeGreaterThan(10);
    expect(calls).toEqual([]);
  });
});
