import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { RunTaskCommand } from '@aws-sdk/client-ecs';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { worldImport } from '../../src/cli/commands/world-import.js';
import { worldList } from '../../src/cli/commands/world-manage.js';
import { errorLines } from '../../src/cli/errors.js';
import { listObjects } from '../../src/worlds/snapshots.js';
import type { LocalS3 } from '../support/s3rver.js';
import { type FakeWorldStack, useFakeWorldStack } from '../worlds/fake-world-stack.js';
import { writeConfig } from './helpers.js';

let s3: LocalS3;
let fake: FakeWorldStack;
useFakeWorldStack((stack, server) => {
  fake = stack;
  s3 = server;
  // The example config's world is "Dedicated"; the server holds it in the legacy format, and another world.
  fake.worldsLocal = new Map([
    ['Dedicated.fwl', 'old fwl'],
    ['Dedicated.db', 'old db'],
    ['Other.fwl', 'other fwl'],
    ['Other.db', 'other db'],
  ]);
});

function folder(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'world-import-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const newWorld = { 'Dedicated/_main.0.fwl2': 'new meta', 'Dedicated/chunk.0.0.fwl2': 'new chunk' };

describe('valheim world import', () => {
  it('shows the world, asks, uploads it, and restores it after a snapshot of the current one', async () => {
    // Given a Valheim 1.0 world on this PC
    const path = join(folder(newWorld), 'Dedicated');
    const deps = fake.deps(['y']);

    // When importing it and answering yes
    await worldImport({ config: writeConfig(), path }, deps);

    // Then it asked after saying what it found
    expect(deps.term.stdout[0]).toBe(
      `Found world "Dedicated" in ${path}: Valheim 1.0 folder, 2 files, 17 B.`,
    );
    expect(deps.promptLine).toHaveBeenCalledWith(
      'Put it on the server as "Dedicated" (replacing a world of that name there)? The server\'s worlds are saved as a snapshot first. [y/N] ',
    );
    // …uploaded the world below imports/<id>/ with its manifest…
    const importPrefix = 'imports/20261124T080001Z-import';
    expect((await listObjects(s3.client, fake.bucket, `${importPrefix}/`)).map((o) => o.key)).toEqual([
      `${importPrefix}/manifest.json`,
      `${importPrefix}/worlds_local/Dedicated/_main.0.fwl2`,
      `${importPrefix}/worlds_local/Dedicated/chunk.0.0.fwl2`,
    ]);
    // …and ran the restore from it, which snapshotted the old world first
    expect(fake.runs).toEqual([
      {
        MODE: 'restore',
        BUCKET: fake.bucket,
        SNAPSHOT_ID: '20261124T080003Z-pre-import',
        WORLD_NAME: 'Dedicated',
        SOURCE_PREFIX: importPrefix,
        GAME_CLUSTER: 'valheim-ondemand',
        GAME_SERVICE: 'valheim-ondemand-server',
      },
    ]);
    expect(Object.fromEntries(fake.worldsLocal)).toEqual({
      ...newWorld,
      'Other.fwl': 'other fwl',
      'Other.db': 'other db',
    });
    expect(deps.term.stdout.slice(1)).toEqual([
      `The server's world "Dedicated" is now the one from ${importPrefix}. Start the server to play it.`,
      'The world it replaced is saved as snapshot:20261124T080003Z-pre-import; to undo: npx valheim world restore snapshot:20261124T080003Z-pre-import',
    ]);
    expect(deps.term.stderr).toContain('Uploading Dedicated: 17 B of 17 B (100%)');
    expect(deps.term.stderr).toContain('World transfer task feedc0ffee: stopped');
  });

  it("imports the image's backup zip without asking when --yes is given", async () => {
    // Given a zip as the server image writes it
    const zip = join(folder({}), 'worlds-20261123-190500.zip');
    writeFileSync(
      zip,
      zipSync({
        'worlds_local/Dedicated.fwl': strToU8('zip fwl'),
        'worlds_local/Dedicated.db': strToU8('zip db'),
      }),
    );
    const deps = fake.deps();

    // When
    await worldImport({ config: writeConfig(), path: zip, yes: true }, deps);

    // Then
    expect(deps.promptLine).not.toHaveBeenCalled();
    expect(fake.worldsLocal.get('Dedicated.db')).toBe('zip db');
  });

  it('refuses while the server runs, before reading or uploading anything', async () => {
    fake.game = { desiredCount: 1, runningCount: 1 };
    const deps = fake.deps(['y']);
    const error = await worldImport({ config: writeConfig(), path: folder(newWorld) }, deps).catch(
      (e: unknown) => e,
    );
    expect(errorLines(error, false)).toEqual([
      'valheim: the server is running, and the world must not change under it — stop it first (/valheim stop in Discord, or npx valheim stop), then try again',
    ]);
    expect(await listObjects(s3.client, fake.bucket, 'imports/')).toEqual([]);
    expect(fake.ecsMock).not.toHaveReceivedCommand(RunTaskCommand);
  });

  it('imports a world with a new name as a new world beside the others, and lists it', async () => {
    // Given a world from a PC that the server does not have
    const path = folder({ 'Midgard.fwl': 'f', 'Midgard.db': 'd' });
    const deps = fake.deps();

    // When
    await worldImport({ config: writeConfig(), path, yes: true }, deps);

    // Then it is on the server beside the others, which are untouched, and it is a world of its own
    expect(fake.runs[0]).toMatchObject({ MODE: 'restore', WORLD_NAME: 'Midgard' });
    expect(Object.fromEntries(fake.worldsLocal)).toEqual({
      'Dedicated.fwl': 'old fwl',
      'Dedicated.db': 'old db',
      'Other.fwl': 'other fwl',
      'Other.db': 'other db',
      'Midgard.fwl': 'f',
      'Midgard.db': 'd',
    });
    expect(deps.term.stdout.at(-1)).toBe(
      '"Midgard" is a new world on this server. To play it: npx valheim world switch Midgard',
    );
    const listed = fake.deps();
    await worldList({ config: writeConfig() }, listed);
    expect(listed.term.stdout.slice(1, 3).map((line) => line.split(/\s{2,}/)[0])).toEqual([
      'Dedicated',
      'Midgard',
    ]);
    // The active world did not change
    expect(fake.parameters.get('/valheim-ondemand/world/name')).toBe('Dedicated');
  });

  it('checks the path and the name on this computer before asking AWS anything (issue 17)', async () => {
    // Given a typo in the path / a world named differently from --world
    const missing = join(folder({}), 'Dedicatd');
    const other = folder({ 'Midgard.fwl': 'f', 'Midgard.db': 'd' });
    const deps = fake.deps();

    // Then each is reported at once
    await expect(worldImport({ config: writeConfig(), path: missing }, deps)).rejects.toThrow(
      `${missing} does not exist — check the path`,
    );
    const error = await worldImport({ config: writeConfig(), path: other, world: 'Dedicated' }, deps).catch(
      (e: unknown) => e,
    );
    expect(errorLines(error, false)).toEqual([
      `valheim: ${other} is the world "Midgard", not "Dedicated" — import it under its own name (leave out --world Dedicated), or rename the world's files to Dedicated first`,
    ]);
    // …and AWS was never asked (not even where the stack is)
    expect(fake.ecsMock.calls()).toEqual([]);
    expect(fake.ssmMock.calls()).toEqual([]);
  });

  it('changes nothing when the answer is not yes', async () => {
    const deps = fake.deps(['n']);
    await expect(worldImport({ config: writeConfig(), path: folder(newWorld) }, deps)).rejects.toThrow(
      'cancelled — nothing was changed; add --yes to skip the question',
    );
    expect(await listObjects(s3.client, fake.bucket, 'imports/')).toEqual([]);
    expect(fake.worldsLocal.get('Dedicated.db')).toBe('old db');
  });

  it('says what a path without a world should be', async () => {
    const path = folder({ 'readme.txt': 'hi' });
    await expect(worldImport({ config: writeConfig(), path }, fake.deps(['y']))).rejects.toThrow(
      `no world found in ${path} — point at <World>.fwl + <World>.db, a Valheim 1.0 world folder <World>/`,
    );
  });

  it('reports a failed restore task in one line, with the world unchanged', async () => {
    fake.nextExitCode = 1;
    const error = await worldImport(
      { config: writeConfig(), path: folder(newWorld), yes: true },
      fake.deps(),
    ).catch((e: unknown) => e);
    expect(errorLines(error, false)[0]).toMatch(
      /^valheim: the restore of Dedicated from imports\/\S+ failed \(exit code 1\) — the world on the server is unchanged; the log of task feedc0ffee \(CloudWatch\) has the details; try again$/,
    );
    expect(fake.worldsLocal.get('Dedicated.db')).toBe('old db');
  });
});
