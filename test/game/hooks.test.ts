import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KNOWN_BRANCHES, steamcmdBranchArguments } from '../../src/game/branch.js';
import { gameBranchHook, PRE_UPDATE_FOLDER, preUpdateCopyHook } from '../../src/game/hooks.js';
import { LOG_FILTER_PATTERN, parseLogLine } from '../../src/players/server-log.js';
import { appManifest } from '../server-cache/synthetic-install.js';
import { filterMatcher } from '../support/cloudwatch-filter.js';

/*
 * The two hooks as the image runs them: test/game/image-updater.sh stands in for valheim-updater (its order:
 * pre-update-check hook, steamcmd, the copy to server/, post-update-check hook, then the server's start),
 * with stand-ins for steamcmd (records its arguments, leaves a build) and supervisorctl (records what the
 * world folder held at the moment the server would load it).
 */

const UPDATER = join(import.meta.dirname, 'image-updater.sh');
const IMAGE_MIRROR = '/work/.mirror/community-valheim-tools+valheim-server-docker/repo';

let root: string;
let config: string;
let install: string;
let events: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'game-hooks-'));
  config = join(root, 'config');
  install = join(root, 'opt-valheim');
  events = join(root, 'events.log');
  const bin = join(root, 'bin');
  for (const dir of [config, install, bin]) mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(bin, 'steamcmd.sh'),
    [
      '#!/bin/sh',
      `echo "steamcmd $*" >> '${events}'`,
      `[ -z "\${FAKE_STEAMCMD_FAIL:-}" ] || exit 8`,
      'mkdir -p "$DL/steamapps"',
      `[ -z "\${FAKE_BUILD:-}" ] || cp "$FAKE_MANIFEST" "$DL/steamapps/appmanifest_896660.acf"`,
      'echo binary > "$DL/valheim_server.x86_64"',
    ].join('\n'),
  );
  // At the server's start: every pre-update copy (complete or partial) and the world's build record.
  writeFileSync(
    join(bin, 'supervisorctl'),
    [
      '#!/bin/sh',
      `echo "server $*" >> '${events}'`,
      `for d in '${config}/${PRE_UPDATE_FOLDER}'/*; do [ -e "$d" ] && echo "copy \${d##*/}: $(cd "$d" && find . -type f | sort | tr '\\n' ' ')" >> '${events}'; done`,
      `for m in '${config}'/worlds_local/*.valheim-build; do [ -e "$m" ] && echo "record \${m##*/} $(cat "$m")" >> '${events}'; done`,
      'exit 0',
    ].join('\n'),
  );
  for (const name of ['steamcmd.sh', 'supervisorctl']) chmodSync(join(bin, name), 0o755);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

interface Start {
  readonly setting?: string;
  /** The build steamcmd leaves (undefined: it writes no manifest). */
  readonly build?: string;
  /** The build the install cache restored. */
  readonly restored?: string;
  readonly env?: Record<string, string>;
  readonly steamcmdFails?: boolean;
}

/** One container start: the updater stand-in with the task's hooks and environment. */
function start(options: Start): { output: string; events: string[] } {
  const dl = join(install, 'dl/server');
  mkdirSync(dl, { recursive: true });
  if (options.restored) {
    mkdirSync(join(install, '.install-cache'), { recursive: true });
    writeFileSync(join(install, '.install-cache/restored-build'), `${options.restored}\n`);
    mkdirSync(join(dl, 'steamapps'), { recursive: true });
    writeFileSync(join(dl, 'steamapps/appmanifest_896660.acf'), appManifest(options.restored));
  }
  const manifest = join(root, 'next-manifest.acf');
  if (options.build) writeFileSync(manifest, appManifest(options.build));
  const paths = { configRoot: config, installRoot: install };
  const result = spawnSync('bash', [UPDATER], {
    encoding: 'utf8',
    env: {
      PATH: `${join(root, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      DL: dl,
      SERVER: join(install, 'server'),
      // As the task sets it: no `validate` (docs/start-time.md).
      STEAMCMD_ARGS: '',
      WORLD_NAME: 'Midgard',
      PRE_UPDATE_CHECK_HOOK: gameBranchHook(paths),
      POST_UPDATE_CHECK_HOOK: preUpdateCopyHook(paths),
      ...(options.setting !== undefined && { GAME_BRANCH: options.setting }),
      ...(options.build && { FAKE_BUILD: options.build, FAKE_MANIFEST: manifest }),
      ...(options.steamcmdFails && { FAKE_STEAMCMD_FAIL: '1' }),
      ...options.env,
    },
  });
  expect(result.status, result.stderr).toBe(0);
  const log = existsSync(events) ? readFileSync(events, 'utf8').trim().split('\n') : [];
  rmSync(events, { force: true });
  return { output: result.stdout + result.stderr, events: log };
}

function world(name: string, files: Record<string, string>, build?: string): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(config, 'worlds_local', name, path, '..'), { recursive: true });
    writeFileSync(join(config, 'worlds_local', name, path), text);
  }
  if (build) writeFileSync(join(config, 'worlds_local', `${name}.valheim-build`), `${build}\n`);
}

const copies = () =>
  existsSync(join(config, PRE_UPDATE_FOLDER)) ? readdirSync(join(config, PRE_UPDATE_FOLDER)) : [];

describe('the branch hook (PRE_UPDATE_CHECK_HOOK)', () => {
  it.each([
    ['public', '+app_update 896660 +quit'],
    ['default_old', '+app_update 896660 -beta default_old +quit'],
    ['default_preml', '+app_update 896660 -beta default_preml +quit'],
    ['public-test', '+app_update 896660 -beta public-test -betapassword yesimadebackups +quit'],
    ['default_old hold 123', '+app_update 896660 -beta default_old +quit'],
  ])('gives steamcmd the arguments for "%s"', (setting, expected) => {
    // Given the branch parameter's value; When the container starts
    const { events: seen } = start({ setting, build: '200' });
    // Then steamcmd got the branch right after app_update, as the image places STEAMCMD_ARGS
    expect(seen[0]).toBe(
      `steamcmd +force_install_dir ${join(install, 'dl/server')} +login anonymous ${expected}`,
    );
  });

  it('selects each known branch exactly as steamcmdBranchArguments says (what the CLI and dry-runs show)', () => {
    for (const branch of KNOWN_BRANCHES) {
      const { events: seen } = start({ setting: branch, build: '200' });
      const args = steamcmdBranchArguments(branch);
      expect(seen[0]).toContain(`+app_update 896660 ${args ? `${args} ` : ''}+quit`);
    }
  });

  it('keeps the public branch when the value is not a branch name, and says so', () => {
    const { events: seen, output } = start({ setting: 'x;rm -rf /', build: '200' });
    expect(seen[0]).toContain('+app_update 896660 +quit');
    expect(output).toContain('is not a Steam branch name; using public');
  });

  it('never prints the test branch password', () => {
    const { output } = start({ setting: 'public-test', build: '200' });
    expect(output).toContain(
      'valheim-ondemand: game branch public-test, steamcmd arguments: -beta public-test -betapassword ***',
    );
    expect(
      output
        .split('\n')
        .filter((line) => line.startsWith('valheim-ondemand:'))
        .join('\n'),
    ).not.toContain('yesimadebackups');
  });

  it('skips the update when the server is held at the build the cache restored', () => {
    // Given a rollback's hold on build 100, which the install cache restored
    const { events: seen, output } = start({ setting: 'public hold 100', restored: '100', build: '200' });
    // Then steamcmd never ran, and the server starts on build 100
    expect(seen.some((line) => line.startsWith('steamcmd'))).toBe(false);
    expect(seen).toContain('server start valheim-server');
    expect(output).toContain('game held at build 100');
    expect(output).toContain('valheim-ondemand: game build 100 on branch public');
  });

  it('updates as usual when the cache does not hold the held build (a start beats a hold)', () => {
    const { events: seen, output } = start({ setting: 'public hold 100', restored: '150', build: '200' });
    expect(seen[0]).toMatch(/^steamcmd /);
    expect(output).toContain('the install cache holds 150: steamcmd updates as usual');
  });
});

describe('the pre-update copy (POST_UPDATE_CHECK_HOOK)', () => {
  it('copies the world before the server starts when steamcmd brought another build', () => {
    // Given a world that last ran on build 100
    world('Midgard', { 'db/chunk-0': 'old chunk', 'Midgard.fwl': 'meta' }, '100');
    // When steamcmd brings build 200
    const { events: seen, output } = start({ build: '200', restored: '100' });
    // Then the copy (the world as build 100 left it, with its record) is complete when the server starts
    const [id] = copies();
    expect(id).toMatch(/^\d{8}T\d{6}Z-pre-update$/);
    const order = seen.map((line) => line.split(' ')[0]);
    expect(order.indexOf('steamcmd')).toBeLessThan(order.indexOf('server'));
    expect(seen).toContain(
      `copy ${id}: ./worlds_local/Midgard.valheim-build ./worlds_local/Midgard/Midgard.fwl ./worlds_local/Midgard/db/chunk-0 `,
    );
    expect(
      readFileSync(join(config, PRE_UPDATE_FOLDER, id ?? '', 'worlds_local/Midgard.valheim-build'), 'utf8'),
    ).toBe('100\n');
    expect(seen).toContain('record Midgard.valheim-build 200');
    expect(output).toContain(`valheim-ondemand: pre-update copy ${id} of world Midgard made in`);
    expect(output).toContain('(build 100 -> 200)');
  });

  it('copies nothing when the build is the one the world last ran on', () => {
    world('Midgard', { 'db/chunk-0': 'chunk' }, '200');
    const { output } = start({ build: '200', restored: '200' });
    expect(copies()).toEqual([]);
    expect(output).toContain('game build 200 on branch public (cached 200; world Midgard last ran on 200)');
  });

  it('falls back on the build the cache restored when the world has no record yet', () => {
    // Given a world from before builds were recorded, and a start that updated the cached install
    world('Midgard', { 'db/chunk-0': 'chunk' });
    start({ build: '200', restored: '100' });
    expect(copies()).toHaveLength(1);
    // And a start without an update records the build without a copy
    rmSync(join(config, PRE_UPDATE_FOLDER), { recursive: true });
    rmSync(join(config, 'worlds_local/Midgard.valheim-build'));
    const { events: seen } = start({ build: '200', restored: '200' });
    expect(copies()).toEqual([]);
    expect(seen).toContain('record Midgard.valheim-build 200');
  });

  it('copies the active world of WORLD_ARGS, legacy .fwl/.db files included, and no other world', () => {
    world('Midgard', { 'db/chunk-0': 'other world' }, '100');
    mkdirSync(join(config, 'worlds_local'), { recursive: true });
    writeFileSync(join(config, 'worlds_local/Ashlands.fwl'), 'meta');
    writeFileSync(join(config, 'worlds_local/Ashlands.db'), 'db');
    writeFileSync(join(config, 'worlds_local/Ashlands.valheim-build'), '100\n');
    mkdirSync(join(config, 'worlds'), { recursive: true });
    writeFileSync(join(config, 'worlds/Ashlands.db'), 'legacy db');
    const { events: seen } = start({
      build: '200',
      restored: '100',
      env: { WORLD_ARGS: '-world Ashlands -preset hard' },
    });
    const [id] = copies();
    expect(seen).toContain(
      `copy ${id}: ./worlds/Ashlands.db ./worlds_local/Ashlands.db ./worlds_local/Ashlands.fwl ./worlds_local/Ashlands.valheim-build `,
    );
    expect(readFileSync(join(config, 'worlds_local/Midgard.valheim-build'), 'utf8')).toBe('100\n');
    expect(readFileSync(join(config, 'worlds_local/Ashlands.valheim-build'), 'utf8')).toBe('200\n');
  });

  it('reports a failed copy, leaves nothing half-copied, and lets the server start', () => {
    world('Midgard', { 'db/chunk-0': 'chunk' }, '100');
    // Given a file where the copies' folder should be: mkdir fails
    writeFileSync(join(config, PRE_UPDATE_FOLDER), 'in the way');
    const { events: seen, output } = start({ build: '200', restored: '100' });
    expect(output).toMatch(
      /valheim-ondemand: pre-update copy of world Midgard failed \(build 100 -> 200\): \S/,
    );
    expect(seen).toContain('server start valheim-server');
  });

  it('does nothing for a world that does not exist yet, but records the build it will be made by', () => {
    const { events: seen } = start({ build: '200', restored: '100' });
    expect(copies()).toEqual([]);
    expect(seen).toContain('record Midgard.valheim-build 200');
  });
});

describe("the hooks' own text in the log", () => {
  it('is never read as an event: the image prints each hook before it evaluates it', () => {
    // Given the lines the image's info() prints ("Running pre update check hook: <the hook>"), one per line
    const forwarded = filterMatcher(LOG_FILTER_PATTERN);
    for (const hook of [gameBranchHook(), preUpdateCopyHook()]) {
      const lines =
        `Dec 01 19:00:00 supervisord: valheim-updater INFO - Running post update check hook: ${hook}`.split(
          '\n',
        );
      // Then none of them becomes a build, a copy or anything else (the echo templates are not numbers)
      for (const line of lines) {
        if (forwarded(line)) expect(parseLogLine(line), line).toBeUndefined();
      }
    }
  });
});

describe('the stand-in itself', () => {
  it.skipIf(!existsSync(IMAGE_MIRROR))(
    "keeps the order of the image's valheim-updater (checked when a copy of the image's scripts is here)",
    () => {
      const script = execFileSync('git', ['-C', IMAGE_MIRROR, 'show', 'HEAD:valheim-updater'], {
        encoding: 'utf8',
      });
      const body = (name: string, text: string) => {
        const start = text.indexOf(`\n${name}() {`);
        return text.slice(start, text.indexOf('\n}\n', start));
      };
      const order = (text: string, names: readonly string[]) =>
        names
          .map((name) => text.indexOf(name))
          .every((at, i, all) => at >= 0 && (i === 0 || at > (all[i - 1] ?? 0)));
      const steps = [
        'pre_update_check_hook',
        'download_valheim',
        'rsync',
        'write_restart_file',
        'post_update_check_hook',
      ];
      const mine = readFileSync(UPDATER, 'utf8');
      expect(order(body('update', script), steps)).toBe(true);
      expect(order(body('update', mine), [...steps.slice(0, 2), 'cp -pR', ...steps.slice(3)])).toBe(true);
      expect(order(body('main', script), ['update', 'check_server_restart'])).toBe(true);
      expect(script).toContain('+app_update 896660 $STEAMCMD_ARGS +quit');
      const defaults = execFileSync('git', ['-C', IMAGE_MIRROR, 'show', 'HEAD:defaults'], {
        encoding: 'utf8',
      });
      expect(defaults).toContain(`STEAMCMD_ARGS=\${STEAMCMD_ARGS-validate}`);
      expect(defaults).toContain('-beta public-test -betapassword yesimadebackups');
    },
  );
});
