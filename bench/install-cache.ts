/**
 * The install cache's own work, on this machine, with the script the task runs (src/server-cache/
 * install-cache.sh): `pack` (tar | gzip of the install, after a game update) and `unpack` (gunzip | tar onto
 * task storage, at every cached start). The S3 copy is not measurable here; docs/start-time.md budgets it.
 *
 * The install is synthetic (test/server-cache/synthetic-install.ts): the file count of the real one, scaled
 * down in bytes (BENCH_INSTALL_MB, default 256; 2048 is the real size) so the bench stays short on a shared
 * two-core machine. tar and gzip are linear in bytes, so figures are also given per GB.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { INSTALL_CACHE_SCRIPT_PATH } from '../src/server-cache/install-cache.js';
import { writeSyntheticInstall } from '../test/server-cache/synthetic-install.js';

export interface InstallCacheFigures {
  readonly files: number;
  readonly installBytes: number;
  readonly levels: ReadonlyArray<{
    readonly level: number;
    readonly pack: Timing;
    readonly tarballBytes: number;
    readonly unpack: Timing;
  }>;
}

interface Timing {
  readonly wallMs: number;
  /** CPU time of the script and its children (tar, gzip): what two dedicated vCPUs would need. */
  readonly cpuMs: number;
}

/** `times` (POSIX) reports the children's CPU time on its second line, e.g. "0m1.230s 0m0.120s". */
function childCpuMs(timesOutput: string): number {
  const line = timesOutput.trim().split('\n').at(-1) ?? '';
  return [...line.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (sum, [, minutes, seconds]) => sum + (Number(minutes) * 60 + Number(seconds)) * 1000,
    0,
  );
}

function runScript(root: string, mode: string, env: Record<string, string> = {}): Timing {
  const started = performance.now();
  const result = spawnSync('sh', ['-c', 'sh "$0" >&2; times', INSTALL_CACHE_SCRIPT_PATH], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MODE: mode, INSTALL_ROOT: root, ...env },
    encoding: 'utf8',
  });
  const wallMs = performance.now() - started;
  if (result.status !== 0 || !/packed build|restored build/.test(result.stderr)) {
    throw new Error(`install-cache ${mode} did not do its work: ${result.stderr}`);
  }
  return { wallMs, cpuMs: childCpuMs(result.stdout) };
}

export function measureInstallCache(megabytes: number, files: number): InstallCacheFigures {
  const root = mkdtempSync(join(tmpdir(), 'bench-install-'));
  try {
    const state = join(root, '.install-cache');
    const written = writeSyntheticInstall(join(root, 'dl/server'), {
      bytes: megabytes * 1024 * 1024,
      files,
      buildId: '20261201',
    });
    const levels = [];
    for (const level of [1, 6]) {
      mkdirSync(state, { recursive: true });
      writeFileSync(join(state, 'update-checked'), '');
      rmSync(join(state, 'restored-build'), { force: true });
      // Files just written sit in the page cache; so do the real ones right after steamcmd wrote them.
      const pack = runScript(root, 'pack', { GZIP_LEVEL: String(level) });
      const tarballBytes = statSync(join(state, 'out/server.tar.gz')).size;
      renameSync(join(state, 'out/server.tar.gz'), join(state, 'server.tar.gz'));
      const unpack = runScript(root, 'unpack');
      levels.push({ level, pack, tarballBytes, unpack });
    }
    return { files: written.files, installBytes: written.bytes, levels };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export function printInstallCache(figures: InstallCacheFigures): void {
  const mb = (bytes: number) => bytes / 1024 / 1024;
  const gb = figures.installBytes / 1024 ** 3;
  const time = (t: Timing) =>
    `${(t.wallMs / 1000).toFixed(1)} s wall, ${(t.cpuMs / 1000).toFixed(1)} s CPU (${(t.cpuMs / 1000 / gb).toFixed(1)} s CPU/GB)`;
  console.log(
    `Install cache (install-cache.sh on a synthetic install: ${figures.files} files, ${mb(figures.installBytes).toFixed(0)} MB)`,
  );
  for (const { level, pack, tarballBytes, unpack } of figures.levels) {
    console.log(
      `  gzip -${level}: tarball ${mb(tarballBytes).toFixed(0)} MB (${((100 * tarballBytes) / figures.installBytes).toFixed(0)} % of the install)`,
    );
    console.log(`    pack              ${time(pack)}`);
    console.log(`    unpack + hard-link ${time(unpack)}`);
  }
}

/** The synthetic install's size: BENCH_INSTALL_MB (default 256) and BENCH_INSTALL_FILES (default 3000). */
export function measureInstallCacheFromEnv(): InstallCacheFigures {
  return measureInstallCache(
    Number(process.env.BENCH_INSTALL_MB ?? 256),
    Number(process.env.BENCH_INSTALL_FILES ?? 3000),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) printInstallCache(measureInstallCacheFromEnv());
