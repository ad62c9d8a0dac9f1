import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { worldPrefetchCommand } from '../../src/server/world-prefetch.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A /config with a 1.0 world folder, a legacy pair of the same world and another world. */
function configDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'prefetch-'));
  roots.push(root);
  const world = join(root, 'worlds_local', 'Dedicated');
  mkdirSync(world, { recursive: true });
  for (const name of ['_main.3.fwl2', '_main.3.db2', '_main.3.chunks', '_main.3.ok', '1e_1e__1_7.chunk']) {
    writeFileSync(join(world, name), 'x'.repeat(1000));
  }
  writeFileSync(join(root, 'worlds_local', 'Dedicated.fwl'), 'fwl');
  writeFileSync(join(root, 'worlds_local', 'Dedicated.db'), 'db');
  mkdirSync(join(root, 'worlds_local', 'Other'));
  writeFileSync(join(root, 'worlds_local', 'Other', '_main.1.db2'), 'other');
  return root;
}

function run(environment: Record<string, string>) {
  return spawnSync('sh', ['-c', worldPrefetchCommand()], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...environment },
  });
}

describe('world prefetch (the container that reads the world before the game)', () => {
  it('reads every file of the running world, in both formats, and no other world', () => {
    // Given a world folder with five files, the legacy pair, and another world
    const root = configDir();
    // When the command runs as the container runs it
    const result = run({ CONFIG_DIR: root, WORLD_NAME: 'Dedicated' });
    // Then it exits 0 and says it read the seven files of Dedicated (not Other's)
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^world prefetch: read 7 files of Dedicated in \d+ s$/m);
  });

  it('exits 0 when there is no world yet or no /config at all', () => {
    const root = mkdtempSync(join(tmpdir(), 'prefetch-empty-'));
    roots.push(root);
    expect(run({ CONFIG_DIR: root, WORLD_NAME: 'Dedicated' })).toMatchObject({
      status: 0,
      stdout: expect.stringMatching(/read 0 files of Dedicated/),
    });
    expect(run({ CONFIG_DIR: join(root, 'missing'), WORLD_NAME: 'Dedicated' })).toMatchObject({
      status: 0,
      stdout: 'world prefetch: no world directory\n',
    });
  });

  it('exits 0 even when reading fails (the game then reads the files itself)', () => {
    // Given a cat that fails like a read error on EFS
    const root = configDir();
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'cat'), '#!/bin/sh\necho "cat: Input/output error" >&2\nexit 1\n', {
      mode: 0o755,
    });
    // When the command runs with it first on the PATH
    const result = spawnSync('sh', ['-c', worldPrefetchCommand()], {
      encoding: 'utf8',
      env: {
        PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        CONFIG_DIR: root,
        WORLD_NAME: 'Dedicated',
      },
    });
    // Then it still finishes with 0 and its line
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/read 7 files of Dedicated/);
  });
});
