import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tree, write } from '../support/file-tree.js';
import { createTransferSandbox, type TransferSandbox } from './fake-aws-cli.js';

/*
 * The transfer lock of world-transfer.sh (a lease on one item of the state table), run as built: the real
 * script against dynalite through the `aws` stub, with wrong wall clocks (a `date` stand-in), failing or lost
 * lock writes (the stand-in's faults), stops at chosen calls and kills. One test per way the file-system lock
 * of 4e2eada let two transfers hold it at once (issue 16); transfer-lock-harness.test.ts runs them at random.
 */

/** A lease of 1 s renewed every 0.2 s: the same rules, a hundred times faster than the task's defaults. */
const FAST = { LOCK_LEASE_SECONDS: '1', LOCK_RENEW_SECONDS: '0.2' };
const TEN_MINUTES = 600;
const renewalsFail = (from: string) => JSON.stringify({ fail: { 'update-item': from } });

const snapshot = (id: string, extra: Record<string, string> = {}) => ({
  MODE: 'snapshot',
  SNAPSHOT_ID: `20261123T1905${id}Z-manual`,
  WORLD_NAME: 'Midgard',
  ...extra,
});

const world = (tag: string) => ({
  'Midgard/_main.0.fwl2': `meta ${tag}`,
  'Midgard/chunk.0.0.fwl2': `chunk ${tag}`,
});
const manifestOf = (box: TransferSandbox, id: string) =>
  join(box.bucket, 'snapshots', `20261123T1905${id}Z-manual`, 'manifest.json');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A sandbox of its own (the tests run at the same time) with a world on the server. */
function sandbox(): TransferSandbox {
  const box = createTransferSandbox();
  onTestFinished(() => box.dispose());
  write(join(box.config, 'worlds_local'), world('old'));
  return box;
}

// Each test waits on leases and stops: they run at the same time.
describe.concurrent('the transfer lock', () => {
  it('is an item of the state table while a transfer runs, and gone after it', async () => {
    const box = sandbox();
    // Given a snapshot paused in its upload
    const a = box.process('a');
    const running = box.start(snapshot('01', { ...a.env, FAKE_AWS_PAUSE_MATCH: 's3 sync' }));
    await a.paused();
    // Then the lock names it, with its owner token and a version
    expect(box.lock()).toMatchObject({
      owner: expect.stringMatching(/^[0-9a-f]{16}$/),
      holder: expect.stringMatching(/^snapshot 20261123T190501Z-manual since \d{4}-\d\d-\d\dT/),
    });
    // And when it ends, the lock is released
    a.resume();
    expect((await running).status).toBe(0);
    expect(box.lock()).toBeUndefined();
  });

  it('refuses to run without its table or with a renewal period longer than a quarter lease (exit 2)', () => {
    const box = sandbox();
    expect(box.run(snapshot('01', { LOCK_TABLE: '' }))).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('LOCK_TABLE must name the state table'),
    });
    expect(box.run(snapshot('01', { LOCK_LEASE_SECONDS: '1', LOCK_RENEW_SECONDS: '0.5' }))).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('at most a quarter of LOCK_LEASE_SECONDS (1)'),
    });
    expect(box.run(snapshot('01', { LOCK_LEASE_SECONDS: '2m' })).stderr).toContain(
      'LOCK_LEASE_SECONDS must be a number of seconds like 120 or 0.5, not "2m"',
    );
  });

  // Found 1: a lock between its mkdir and its first heartbeat write was judged abandoned and taken over.
  it('keeps a lock whose holder stalls right after taking it, before any renewal', async () => {
    const box = sandbox();
    // Given a snapshot stopped right after it took the lock (its first call after it), never renewed
    const a = box.process('a');
    const first = box.start(snapshot('01', { ...a.env, FAKE_AWS_PAUSE_MATCH: 's3 ls' }));
    await a.paused();
    // When a second snapshot starts / Then it is refused at once
    const second = box.run(snapshot('02'));
    expect(second.status, second.stderr).toBe(6);
    expect(second.stderr).toContain(
      'another world snapshot or restore is running (snapshot 20261123T190501Z',
    );
    a.resume();
    expect((await first).status).toBe(0);
    expect(existsSync(manifestOf(box, '02'))).toBe(false);
  });

  it('never lets a transfer that stalled at its first clock read work alongside the one that went ahead', async () => {
    const box = sandbox();
    // Given a snapshot stopped at its first clock read (on 4e2eada: between mkdir and the heartbeat) …
    const a = box.process('a');
    const b = box.process('b');
    const first = box.start(snapshot('01', { ...a.env, FAKE_DATE_PAUSE_AT: '1' }));
    await a.paused();
    // … and a second one that went ahead and now sits in its upload
    const second = box.start(snapshot('02', { ...b.env, FAKE_AWS_PAUSE_MATCH: 's3 sync' }));
    await b.paused();
    // When the first one goes on
    a.resume();
    // Then it is refused, and the second completes
    const refused = await first;
    expect(refused.status, refused.stdout).toBe(6);
    expect(a.calls().filter((call) => call.startsWith('s3 sync'))).toEqual([]);
    b.resume();
    expect((await second).status).toBe(0);
  });

  // Found 2: one failed heartbeat write ended the heartbeat loop for good; 300 s later anyone took over.
  it('keeps renewing after failed renewals, so a long transfer keeps its lock', async () => {
    const box = sandbox();
    // Given a snapshot whose first two renewals fail, paused in its upload for more than two leases
    const a = box.process('a');
    const first = box.start(
      snapshot('01', {
        ...FAST,
        ...a.env,
        FAKE_AWS_PAUSE_MATCH: 's3 sync',
        FAKE_DYNAMO_CLIENT: 'a',
        FAKE_DYNAMO_FAULTS: JSON.stringify({ fail: { 'update-item': [1, 2] } }),
      }),
    );
    await a.paused();
    const before = box.lock()?.version;
    await sleep(2500);
    // Then the lock was renewed since (after the failures) …
    expect(box.lock()?.version).not.toBe(before);
    // … and another snapshot is refused, with no takeover
    const second = box.run(snapshot('02', FAST));
    expect(second.status, second.stdout).toBe(6);
    expect(second.stdout).not.toContain('took over');
    a.resume();
    expect((await first).status).toBe(0);
  });

  it('takes over the lock of a killed transfer, once it has watched it unchanged for a whole lease', async () => {
    const box = sandbox();
    // Given a snapshot killed (SIGKILL, no clean-up) while it held the lock
    const a = box.process('a');
    const killed = box.launch(snapshot('01', { ...FAST, ...a.env, FAKE_AWS_PAUSE_MATCH: 's3 sync' }));
    await a.paused();
    await killed.kill();
    a.resume();
    expect(box.lock()).toBeDefined();
    // When another snapshot runs, even with a clock 10 minutes behind (the lock looks renewed in the future)
    const started = Date.now();
    const next = box.run(snapshot('02', { ...FAST, FAKE_CLOCK_OFFSET: String(-TEN_MINUTES) }));
    // Then it takes the lock over after one lease, completes and releases it
    expect(next.status, next.stderr).toBe(0);
    expect(next.stdout).toContain('took over the lock of a transfer that stopped renewing it');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(existsSync(manifestOf(box, '02'))).toBe(true);
    expect(box.lock()).toBeUndefined();
  });

  // Found 3: release was not checked against the owner: the overtaken holder removed the new holder's lock.
  it('lets only the owner release it: a transfer that was taken over leaves the new holder its lock', async () => {
    const box = sandbox();
    // Given a snapshot whose renewals all fail, paused in its upload …
    const a = box.process('a');
    const b = box.process('b');
    const first = box.start(
      snapshot('01', {
        ...FAST,
        ...a.env,
        FAKE_AWS_PAUSE_MATCH: 's3 sync',
        FAKE_DYNAMO_CLIENT: 'a',
        FAKE_DYNAMO_FAULTS: renewalsFail('1+'),
      }),
    );
    await a.paused();
    // … taken over by a second one (its clock 10 minutes ahead), which then sits in its own upload
    const second = box.start(
      snapshot('02', {
        ...FAST,
        ...b.env,
        FAKE_AWS_PAUSE_MATCH: 's3 sync',
        FAKE_CLOCK_OFFSET: String(TEN_MINUTES),
      }),
    );
    await b.paused();
    expect(box.lock()?.holder).toContain('snapshot 20261123T190502Z-manual');
    // When the first one goes on
    a.resume();
    const overtaken = await first;
    // Then it stops before making its snapshot valid, and the lock is still the second one's
    expect(overtaken.status).toBe(7);
    expect(overtaken.stderr).toContain(
      'stopped before writing the manifest of snapshot 20261123T190501Z-manual',
    );
    expect(existsSync(manifestOf(box, '01'))).toBe(false);
    expect(box.lock()?.holder).toContain('snapshot 20261123T190502Z-manual');
    // And a third is refused while the second runs
    expect(box.run(snapshot('03', FAST)).status).toBe(6);
    b.resume();
    expect((await second).status).toBe(0);
    expect(existsSync(manifestOf(box, '02'))).toBe(true);
  });

  // Found 4: a contender whose clock was 300 s ahead took over a live lock with a 1-second-old heartbeat.
  it.each([
    ['ahead', TEN_MINUTES, 0],
    ['behind', -TEN_MINUTES, 0],
    ['ahead of a holder whose own clock is behind', TEN_MINUTES, -TEN_MINUTES],
  ])(
    'never takes over a live lock from a contender whose clock is 10 minutes %s',
    async (_, contender, holder) => {
      const box = sandbox();
      // Given a snapshot renewing its lock, paused in its upload
      const a = box.process('a');
      const first = box.start(
        snapshot('01', {
          ...FAST,
          ...a.env,
          FAKE_AWS_PAUSE_MATCH: 's3 sync',
          FAKE_CLOCK_OFFSET: String(holder),
        }),
      );
      await a.paused();
      // When a snapshot with a wrong clock comes
      const second = box.run(snapshot('02', { ...FAST, FAKE_CLOCK_OFFSET: String(contender) }));
      // Then it is refused
      expect(second.status, second.stdout).toBe(6);
      expect(existsSync(manifestOf(box, '02'))).toBe(false);
      a.resume();
      expect((await first).status).toBe(0);
    },
  );

  // Found 5: a snapshot took over while a restore sat between its two renames and "repaired" the folder; the
  // restore then moved its download *into* the repaired worlds_local and said "done: world restored".
  it('leaves one whole world when a restore is overtaken while stalled between its two renames', async () => {
    const box = sandbox();
    // Given an import, and a restore stalled in its second rename, worlds_local moved aside (a stall longer
    // than the guard allows, right after its last lease check: what the lock alone cannot exclude) …
    write(join(box.bucket, 'imports/20261124T075900Z-import/worlds_local'), world('new'));
    write(join(box.bucket, 'imports/20261124T075900Z-import'), { 'manifest.json': '{}' });
    const r = box.process('r');
    const faults = join(box.config, '..', 'faults.json');
    const restore = box.start({
      ...FAST,
      ...r.env,
      MODE: 'restore',
      SNAPSHOT_ID: '20261124T080000Z-pre-restore',
      WORLD_NAME: 'Midgard',
      SOURCE_PREFIX: 'imports/20261124T075900Z-import',
      FAKE_MV_PAUSE_AT: '2',
      FAKE_DYNAMO_FAULTS: `@${faults}`,
    });
    await r.paused();
    expect(existsSync(join(box.config, 'worlds_local'))).toBe(false);
    // … where its renewals now fail (the task is frozen), and a snapshot with a clock 10 minutes ahead comes
    writeFileSync(faults, JSON.stringify({ failRate: 1, ops: ['update-item'] }));
    const overtaking = box.run(snapshot('02', { ...FAST, FAKE_CLOCK_OFFSET: String(TEN_MINUTES) }));
    // Then the snapshot takes over only after the lease, puts the old world back and saves it
    expect(overtaking.status, overtaking.stderr).toBe(0);
    expect(overtaking.stdout).toContain('putting worlds_local.previous-');
    expect(tree(join(box.bucket, 'snapshots/20261123T190502Z-manual/worlds_local'))).toEqual(world('old'));
    // When the restore goes on
    r.resume();
    const stopped = await restore;
    // Then its rename fails instead of moving the download into the repaired folder (mv -T), it does not say
    // "restored", and one whole world is left: the old one, nothing nested, nothing beside it
    expect(stopped.status, stopped.stdout).toBe(1);
    expect(stopped.stdout).not.toContain('done: world');
    expect(stopped.stderr).toContain('could not move the new world into place');
    expect(tree(join(box.config, 'worlds_local'))).toEqual(world('old'));
    expect(readdirSync(box.config)).toEqual(['worlds_local']);
  });

  it('stops a restore that lost its lease before the swap (found 5), with the live world untouched', async () => {
    const box = sandbox();
    // Given a restore waiting at its last check before the swap, whose renewals now fail
    write(join(box.bucket, 'imports/20261124T075900Z-import/worlds_local'), world('new'));
    write(join(box.bucket, 'imports/20261124T075900Z-import'), { 'manifest.json': '{}' });
    const r = box.process('r');
    const faults = join(box.config, '..', 'faults.json');
    const restore = box.start({
      ...FAST,
      ...r.env,
      MODE: 'restore',
      SNAPSHOT_ID: '20261124T080000Z-pre-restore',
      WORLD_NAME: 'Midgard',
      SOURCE_PREFIX: 'imports/20261124T075900Z-import',
      GAME_CLUSTER: 'valheim-ondemand',
      GAME_SERVICE: 'valheim-ondemand-server',
      FAKE_AWS_PAUSE_MATCH: `sync s3://${box.bucketName}/imports`,
      FAKE_DYNAMO_FAULTS: `@${faults}`,
    });
    await r.paused();
    writeFileSync(faults, JSON.stringify({ failRate: 1, ops: ['update-item'] }));
    // When a snapshot takes the lock over meanwhile and completes
    const overtaking = box.run(snapshot('02', { ...FAST, FAKE_CLOCK_OFFSET: String(TEN_MINUTES) }));
    expect(overtaking.status, overtaking.stderr).toBe(0);
    r.resume();
    // Then the restore stops before the swap (its guard finds another owner), and the world is the old one
    const stopped = await restore;
    expect(stopped.status, stopped.stdout).toBe(7);
    expect(stopped.stderr).toMatch(
      /stopped before the swap: (another transfer took the transfer lock over|the transfer lock could not be renewed)/,
    );
    expect(tree(join(box.config, 'worlds_local'))).toEqual(world('old'));
    expect(readdirSync(box.config)).toEqual(['worlds_local']);
  });
});
