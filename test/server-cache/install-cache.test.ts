import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  INSTALL_CACHE_KEY,
  INSTALL_CACHE_SCRIPT_PATH,
  installCacheCommand,
} from '../../src/server-cache/install-cache.js';
import { createTransferSandbox, SHELL, type TransferSandbox } from '../worlds/fake-aws-cli.js';
import { appManifest, writeSyntheticInstall } from './synthetic-install.js';

/* The cache script on real files with real tar and gzip: a temp folder stands for the install volume
 * (/opt/valheim), the stub `aws` of the world-transfer tests maps s3 cp to a folder standing for the bucket. */

let box: TransferSandbox;
let install: string;
let source: string;
beforeEach(() => {
  box = createTransferSandbox();
  install = mkdtempSync(join(tmpdir(), 'install-cache-'));
  source = mkdtempSync(join(tmpdir(), 'install-source-'));
});
afterEach(() => {
  box.dispose();
  rmSync(install, { recursive: true, force: true });
  rmSync(source, { recursive: true, force: true });
});

type Mode = 'fetch' | 'unpack' | 'pack' | 'upload';
const run = (mode: Mode, env: Record<string, string> = {}) =>
  box.runCommand([SHELL, INSTALL_CACHE_SCRIPT_PATH], {
    MODE: mode,
    INSTALL_ROOT: install,
    CACHE_KEY: INSTALL_CACHE_KEY,
    POLL_SECONDS: '0.05',
    ...env,
  });

const cached = () => join(box.bucket, INSTALL_CACHE_KEY);

/** A tarball of a small synthetic install (build `buildId`) in the fake bucket, as pack/upload make it. */
function putCache(buildId: string): void {
  writeSyntheticInstall(source, { bytes: 400_000, files: 40, buildId });
  mkdirSync(dirname(cached()), { recursive: true });
  const tar = spawnSync('tar', ['-czf', cached(), '-C', source, '.']);
  expect(tar.status).toBe(0);
}

/** Every file below root as { relative path: size }. */
function sizes(root: string): Record<string, number> {
  const result: Record<string, number> = {};
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else result[relative(root, path)] = statSync(path).size;
    }
  };
  walk(root);
  return result;
}

const withoutSteamapps = (files: Record<string, number>) =>
  Object.fromEntries(Object.entries(files).filter(([path]) => !path.startsWith('steamapps/')));

/** What the image's steamcmd does on an update: a new build in place, then the update-check hook. */
function steamcmdUpdates(buildId: string, stateFlags = '4'): void {
  writeFileSync(
    join(install, 'dl/server/steamapps/appmanifest_896660.acf'),
    appManifest(buildId, stateFlags),
  );
  mkdirSync(join(install, '.install-cache'), { recursive: true });
  writeFileSync(join(install, '.install-cache/update-checked'), '');
}

describe('install-cache.sh', () => {
  it('is POSIX sh (sh -n)', () => {
    expect(spawnSync(SHELL, ['-n', INSTALL_CACHE_SCRIPT_PATH]).status).toBe(0);
  });

  it('runs as the task definition runs it (sh -c with the script as its argument)', () => {
    putCache('100');
    const { entryPoint, command } = installCacheCommand();
    const result = box.runCommand([...entryPoint, ...command], {
      MODE: 'fetch',
      INSTALL_ROOT: install,
      CACHE_KEY: INSTALL_CACHE_KEY,
    });
    expect(result.status).toBe(0);
    expect(existsSync(join(install, '.install-cache/server.tar.gz'))).toBe(true);
  });

  describe('restore (fetch, then unpack)', () => {
    it('puts the cached install where steamcmd installs and hard-links the folder the game runs from', () => {
      // Given a cached install of build 100
      putCache('100');

      // When the two start-up containers run
      const fetched = run('fetch');
      const unpacked = run('unpack');

      // Then steamcmd's folder holds the install, the game's folder the same files (without steamapps) as
      // hard links, the restored build is recorded and the tarball is gone
      expect([fetched.status, unpacked.status]).toEqual([0, 0]);
      expect(unpacked.stdout).toMatch(/install-cache: restored build 100 in \d+ s/);
      expect(sizes(join(install, 'dl/server'))).toEqual(sizes(source));
      expect(sizes(join(install, 'server'))).toEqual(withoutSteamapps(sizes(source)));
      const binary = 'valheim_server.x86_64';
      expect(statSync(join(install, 'server', binary)).ino).toBe(
        statSync(join(install, 'dl/server', binary)).ino,
      );
      expect(readFileSync(join(install, '.install-cache/restored-build'), 'utf8').trim()).toBe('100');
      expect(existsSync(join(install, '.install-cache/server.tar.gz'))).toBe(false);
    });

    it('falls back to the full download when there is no cache yet', () => {
      // Given an empty bucket
      // When the start-up containers run
      const fetched = run('fetch');
      const unpacked = run('unpack');

      // Then both succeed, say so, and leave the install volume as the image expects it without a cache
      expect([fetched.status, unpacked.status]).toEqual([0, 0]);
      expect(fetched.stdout).toContain('no usable cache (none in s3://');
      expect(fetched.stdout).toContain('this start downloads the game from Steam');
      expect(unpacked.stdout).toContain('nothing fetched');
      expect(existsSync(join(install, 'dl/server'))).toBe(false);
      expect(existsSync(join(install, 'server'))).toBe(false);
      expect(readdirSync(join(install, '.install-cache'))).toEqual([]);
    });

    it('falls back when S3 fails, leaving no partial download behind', () => {
      putCache('100');
      const fetched = run('fetch', { FAKE_AWS_FAIL_MATCH: 's3 cp' });
      expect(fetched.status).toBe(0);
      expect(fetched.stdout).toContain('no usable cache (download failed: fake aws: injected failure');
      expect(readdirSync(join(install, '.install-cache'))).toEqual([]);
    });

    it.each([
      ['truncated', (data: Buffer) => data.subarray(0, Math.floor(data.length / 2))],
      ['garbage', () => Buffer.from('not a tarball at all')],
      [
        'bit-flipped',
        (data: Buffer) =>
          Buffer.concat([data.subarray(0, 2000), Buffer.alloc(64, 0xff), data.subarray(2064)]),
      ],
    ])('falls back on a %s tarball and removes what it unpacked', (_kind, damage) => {
      // Given a damaged tarball in the bucket
      putCache('100');
      writeFileSync(cached(), damage(readFileSync(cached())));

      // When the start-up containers run
      run('fetch');
      const unpacked = run('unpack');

      // Then the volume is empty again (the image downloads in full) and the start goes on
      expect(unpacked.status).toBe(0);
      expect(unpacked.stdout).toContain('no usable cache (corrupt tarball:');
      expect(readdirSync(install).sort()).toEqual(['.install-cache', 'dl']);
      expect(readdirSync(join(install, 'dl'))).toEqual([]);
      expect(existsSync(join(install, '.install-cache/restored-build'))).toBe(false);
    });

    it('falls back on a tarball that holds no complete install (no app manifest)', () => {
      putCache('100');
      rmSync(join(source, 'steamapps'), { recursive: true });
      spawnSync('tar', ['-czf', cached(), '-C', source, '.']);
      run('fetch');
      const unpacked = run('unpack');
      expect(unpacked.stdout).toContain('no usable cache (the tarball holds no complete server install)');
      expect(existsSync(join(install, 'dl/server'))).toBe(false);
    });
  });

  describe('refresh (pack, then upload)', () => {
    it('packs and uploads the install after a game update, and the next start restores the new build', () => {
      // Given a start restored from the cache of build 100, and steamcmd updated it to build 101
      putCache('100');
      run('fetch');
      run('unpack');
      steamcmdUpdates('101');

      // When the pack and upload containers run
      const packed = run('pack');
      const uploaded = run('upload');

      // Then the bucket holds build 101, and a later start restores it
      expect([packed.status, uploaded.status]).toEqual([0, 0]);
      expect(packed.stdout).toContain('packing build 101 (cached: 100)');
      expect(uploaded.stdout).toMatch(/uploaded build 101: \d+ MB in \d+ s/);
      expect(box.calls().filter((call) => call.startsWith('s3 cp /'))).toHaveLength(1);
      rmSync(install, { recursive: true });
      mkdirSync(install);
      run('fetch');
      expect(run('unpack').stdout).toContain('restored build 101');
      expect(sizes(join(install, 'dl/server'))).toEqual(sizes(source));
    });

    it('packs after a start without a cache (the first start fills it)', () => {
      // Given the image downloaded build 100 itself
      writeSyntheticInstall(join(install, 'dl/server'), { bytes: 200_000, files: 20, buildId: '100' });
      steamcmdUpdates('100');

      // When pack and upload run
      expect(run('pack').stdout).toContain('packing build 100 (cached: none)');
      run('upload');

      // Then the bucket has a tarball that restores
      expect(existsSync(cached())).toBe(true);
      rmSync(join(install, 'dl'), { recursive: true });
      run('fetch');
      expect(run('unpack').stdout).toContain('restored build 100');
    });

    it('keeps one tarball per branch, and tags each upload with its build and branch', () => {
      // Given public's cache of build 100, and a start on default_old (no cache of its own yet) that
      // downloaded build 90
      putCache('100');
      const publicTarball = readFileSync(cached());
      const branch = { GAME_BRANCH: 'default_old' };
      expect(run('fetch', branch).stdout).toContain('no usable cache (none in s3://');
      run('unpack', branch);
      writeSyntheticInstall(join(install, 'dl/server'), { bytes: 200_000, files: 20, buildId: '90' });
      steamcmdUpdates('90');

      // When pack and upload run on that branch
      run('pack', branch);
      box.resetCalls();
      run('upload', branch);

      // Then default_old has its own tarball (with its build and branch as metadata), public's is untouched,
      // and the next default_old start restores build 90
      const branchKey = INSTALL_CACHE_KEY.replace(/\/([^/]+)$/, '/branches/default_old/$1');
      expect(box.calls()).toEqual([
        expect.stringMatching(
          new RegExp(`^s3 cp \\S+ s3://\\S+/${branchKey} --metadata build=90,branch=default_old `),
        ),
      ]);
      expect(readFileSync(cached())).toEqual(publicTarball);
      rmSync(install, { recursive: true });
      mkdirSync(install);
      run('fetch', { GAME_BRANCH: 'default_old hold 90' });
      expect(run('unpack').stdout).toContain('restored build 90');
    });

    it('uploads nothing when the game did not change', () => {
      putCache('100');
      run('fetch');
      run('unpack');
      steamcmdUpdates('100');
      box.resetCalls();

      const packed = run('pack');
      const uploaded = run('upload');

      expect(packed.stdout).toContain('cache is current (build 100)');
      expect(uploaded.status).toBe(0);
      expect(box.calls()).toEqual([]);
    });

    it('does not cache an install steamcmd left half-updated', () => {
      putCache('100');
      run('fetch');
      run('unpack');
      steamcmdUpdates('101', '1026');
      box.resetCalls();

      expect(run('pack').stdout).toContain('not caching: steamcmd did not leave a complete install');
      run('upload');
      expect(box.calls()).toEqual([]);
    });

    it('waits for the image to finish its update check before looking at the install', async () => {
      // Given a restored install and a pack container already running
      putCache('100');
      run('fetch');
      run('unpack');
      const child = spawn(SHELL, [INSTALL_CACHE_SCRIPT_PATH], {
        env: { ...process.env, MODE: 'pack', INSTALL_ROOT: install, POLL_SECONDS: '0.05' },
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk;
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

      // When steamcmd is still updating, pack has said nothing; after the image's hook it decides
      await new Promise((resolve) => setTimeout(resolve, 300));
      const beforeHook = output;
      steamcmdUpdates('101');

      // Then it packs the new build
      expect(await exited).toBe(0);
      expect(beforeHook).toBe('');
      expect(output).toContain('packing build 101 (cached: 100)');
    });

    it('keeps the old cache when the upload fails', () => {
      putCache('100');
      const before = readFileSync(cached());
      run('fetch');
      run('unpack');
      steamcmdUpdates('101');
      run('pack');

      const uploaded = run('upload', { FAKE_AWS_FAIL_MATCH: 's3 cp' });

      expect(uploaded.status).toBe(0);
      expect(uploaded.stdout).toContain('upload failed; the cache stays as it was');
      expect(readFileSync(cached()).equals(before)).toBe(true);
    });
  });
});
