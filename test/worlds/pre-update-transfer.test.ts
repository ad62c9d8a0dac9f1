import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTransferSandbox, type TransferSandbox } from './fake-aws-cli.js';

/*
 * The pre-update copies the game task leaves on the file system (src/game/hooks.ts) become snapshots: the
 * transfer script's pre-update mode uploads them, and every snapshot uploads the ones still waiting first.
 * Real files, the stub `aws` (test/worlds/fake-aws.sh) and the DynamoDB stand-in for the lock.
 */

let box: TransferSandbox;
beforeEach(() => {
  box = createTransferSandbox();
});
afterEach(() => box.dispose());

const COPY = '20261201T190000Z-pre-update';

function write(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

const copyOf = (id: string) => join(box.config, '.pre-update', id);
const manifestOf = (id: string) =>
  JSON.parse(readFileSync(join(box.bucket, 'snapshots', id, 'manifest.json'), 'utf8')) as Record<
    string,
    unknown
  >;

describe('pre-update copies', () => {
  beforeEach(() => {
    // Given the live world (already migrated by the new build) and the copy taken before it loaded
    write(join(box.config, 'worlds_local'), {
      'Midgard/db/chunk': 'new build',
      'Midgard.valheim-build': '200\n',
    });
    write(copyOf(COPY), {
      'worlds_local/Midgard/db/chunk': 'old build',
      'worlds_local/Midgard.valheim-build': '100\n',
      'worlds/Midgard.db': 'legacy',
    });
  });

  it('uploads a copy as the snapshot of its id (marked pre-update), then removes it', () => {
    const run = box.run({ MODE: 'pre-update', SNAPSHOT_ID: COPY });
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(join(box.bucket, 'snapshots', COPY, 'worlds_local/Midgard/db/chunk'), 'utf8')).toBe(
      'old build',
    );
    expect(readFileSync(join(box.bucket, 'snapshots', COPY, 'worlds/Midgard.db'), 'utf8')).toBe('legacy');
    expect(manifestOf(COPY)).toMatchObject({
      id: COPY,
      world: 'Midgard',
      reason: 'pre-update',
      worlds: ['Midgard'],
    });
    expect(existsSync(copyOf(COPY))).toBe(false);
    // And the live world was not touched
    expect(readFileSync(join(box.config, 'worlds_local/Midgard/db/chunk'), 'utf8')).toBe('new build');
  });

  it('keeps the copy when the upload fails, and a later run finishes it (over the files already there)', () => {
    const failed = box.run({ MODE: 'pre-update', SNAPSHOT_ID: COPY, FAKE_AWS_FAIL_MATCH: 'worlds_local' });
    expect(failed.status).toBe(1);
    expect(existsSync(join(box.bucket, 'snapshots', COPY, 'manifest.json'))).toBe(false);
    expect(existsSync(copyOf(COPY))).toBe(true);
    const again = box.run({ MODE: 'pre-update', SNAPSHOT_ID: COPY });
    expect(again.status, again.stderr).toBe(0);
    expect(manifestOf(COPY)).toMatchObject({ reason: 'pre-update' });
    expect(existsSync(copyOf(COPY))).toBe(false);
  });

  it('goes with the next snapshot when no pre-update task uploaded it, and never holds that snapshot up', () => {
    const SESSION = '20261201T230000Z-session-end';
    const run = box.run({ MODE: 'snapshot', SNAPSHOT_ID: SESSION, WORLD_NAME: 'Midgard' });
    expect(run.status, run.stderr).toBe(0);
    expect(manifestOf(COPY)).toMatchObject({ reason: 'pre-update' });
    expect(manifestOf(SESSION)).toMatchObject({ reason: 'session-end' });
    expect(readdirSync(join(box.config, '.pre-update'))).toEqual([]);
    // A copy that cannot be uploaded does not cost the session's snapshot
    write(copyOf('20261202T190000Z-pre-update'), { 'worlds_local/Midgard/db/chunk': 'x' });
    const next = box.run({
      MODE: 'snapshot',
      SNAPSHOT_ID: '20261202T230000Z-session-end',
      WORLD_NAME: 'Midgard',
      FAKE_AWS_FAIL_MATCH: '20261202T190000Z-pre-update/worlds_local',
    });
    expect(next.status, next.stderr).toBe(0);
    expect(next.stdout).toContain('warning: a pre-update copy could not be uploaded');
    expect(manifestOf('20261202T230000Z-session-end')).toMatchObject({ reason: 'session-end' });
  });

  it('leaves a copy the game task is still writing (.partial) alone', () => {
    write(copyOf(`${COPY}x.partial`), { 'worlds_local/Midgard/db/chunk': 'half' });
    expect(box.run({ MODE: 'pre-update' }).status).toBe(0);
    expect(existsSync(copyOf(`${COPY}x.partial`))).toBe(true);
  });

  it('says so when the copy it was asked for is neither here nor uploaded', () => {
    const run = box.run({ MODE: 'pre-update', SNAPSHOT_ID: '20261130T190000Z-pre-update' });
    expect(run.status).toBe(3);
    expect(run.stderr).toContain('there is no pre-update copy 20261130T190000Z-pre-update');
  });
});
