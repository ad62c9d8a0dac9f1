import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { worldBackups } from '../../src/cli/commands/world-backups.js';
import { worldRestore } from '../../src/cli/commands/world-restore.js';
import { formatManifest } from '../../src/worlds/manifest.js';
import type { LocalS3 } from '../support/s3rver.js';
import { type FakeWorldStack, useFakeWorldStack } from '../worlds/fake-world-stack.js';
import { writeConfig } from './helpers.js';

let s3: LocalS3;
let fake: FakeWorldStack;
useFakeWorldStack((stack, server) => {
  fake = stack;
  s3 = server;
  fake.worldsLocal = new Map([['Dedicated/_main.0.fwl2', 'current']]);
});

/** What the monitor's snapshot task leaves after a session (world-transfer.sh's snapshot mode). */
const SESSION_END = '20261123T211000Z-session-end';

describe("a session's end state, restored with one command", () => {
  it('is listed by world backups and restored by world restore snapshot:<id>', async () => {
    // Given the snapshot the monitor took when the session's task stopped
    const put = (Key: string, Body: string) =>
      s3.client.send(new PutObjectCommand({ Bucket: fake.bucket, Key, Body }));
    await put(`snapshots/${SESSION_END}/worlds_local/Dedicated/_main.0.fwl2`, 'end of session');
    await put(
      `snapshots/${SESSION_END}/manifest.json`,
      formatManifest({
        version: 1,
        id: SESSION_END,
        world: 'Dedicated',
        created: '2026-11-23T21:10:00Z',
        reason: 'session-end',
        format: 'folder',
        fileCount: 1,
        totalBytes: 14,
        worlds: ['Dedicated'],
      }),
    );
    const config = writeConfig();

    // When the backups are listed
    const listing = fake.deps();
    await worldBackups({ config, zips: false }, listing);
    // Then the session's end is there, with the id restore takes
    expect(listing.term.stdout.find((line) => line.includes(`snapshot:${SESSION_END}`))).toContain(
      '(session-end)',
    );

    // When it is restored
    await worldRestore({ config, id: `snapshot:${SESSION_END}`, yes: true }, fake.deps());
    // Then the transfer task restores from that snapshot (after saving the current world)
    expect(fake.runs).toEqual([
      expect.objectContaining({ MODE: 'restore', SOURCE_PREFIX: `snapshots/${SESSION_END}` }),
    ]);
  });
});
