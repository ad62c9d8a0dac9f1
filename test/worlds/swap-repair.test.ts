import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { swapRepairHook } from '../../src/worlds/swap-repair.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'swap-repair-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const world = (dir: string, tag: string) => {
  mkdirSync(join(root, dir, 'Midgard'), { recursive: true });
  writeFileSync(join(root, dir, 'Midgard', '_main.0.fwl2'), tag);
};
/** Runs the hook the way the image does: eval'd by a shell that has variables of its own. */
const runHook = (shell = 'sh') =>
  spawnSync(shell, ['-c', `vod_keep=mine; set -e; eval "$HOOK"; echo "still here: $vod_keep"`], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOOK: swapRepairHook(root) },
  });

describe('swap repair before the game starts', () => {
  it('puts the newest previous world back when a restore died between its renames', () => {
    // Given no worlds_local and two worlds set aside by restores
    world('worlds_local.previous-20261124T070000Z', 'older');
    world('worlds_local.previous-20261124T080000Z', 'newest');
    // When the game container starts
    const run = runHook();
    // Then the newest one is the live world again, before the server could create an empty one
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(join(root, 'worlds_local', 'Midgard', '_main.0.fwl2'), 'utf8')).toBe('newest');
    expect(run.stdout).toContain('put worlds_local.previous-20261124T080000Z back');
    expect(run.stdout).toContain('still here: mine');
  });

  it('leaves an existing world alone', () => {
    world('worlds_local', 'live');
    world('worlds_local.previous-20261124T080000Z', 'previous');
    expect(runHook().status).toBe(0);
    expect(readFileSync(join(root, 'worlds_local', 'Midgard', '_main.0.fwl2'), 'utf8')).toBe('live');
    expect(existsSync(join(root, 'worlds_local.previous-20261124T080000Z'))).toBe(true);
  });

  it('does nothing on a server that has no world yet', () => {
    const run = runHook();
    expect(run.status).toBe(0);
    expect(existsSync(join(root, 'worlds_local'))).toBe(false);
  });

  it('works in bash too (the image runs its hooks from bash)', () => {
    world('worlds_local.previous-20261124T080000Z', 'previous');
    expect(runHook('bash').status).toBe(0);
    expect(existsSync(join(root, 'worlds_local', 'Midgard'))).toBe(true);
  });
});
