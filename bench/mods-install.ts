/**
 * The mods' install step at a start, with the script the task runs (src/mods/mods.sh, MODE=install): the
 * vanilla server hard-linked into a fresh BepInEx tree, the locked zips checked against their SHA-256 and
 * unpacked, each mod laid out. Measured against a yardstick from the same run: the install cache's unpack of
 * the same synthetic install (src/server-cache/install-cache.sh), which every cached start already pays. The
 * fetch from S3 is not measurable here.
 *
 * The mods are synthetic in size and shape: a BepInExPack of about the real one's size (wrapper folder, core,
 * doorstop) and BENCH_MODS (default 20) mods of a plugin DLL, a config and a manifest each
 * (BENCH_MOD_KB, default 300 KB of DLL, incompressible).
 */

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MODS_SCRIPT_PATH } from '../src/mods/mods-script.js';
import { sha256 } from '../src/mods/thunderstore.js';
import { writeSyntheticInstall } from '../test/server-cache/synthetic-install.js';
import { packageZip } from '../test/support/thunderstore.js';
import { measureInstallCache } from './install-cache.js';

export interface ModsInstallFigures {
  readonly mods: number;
  readonly zipBytes: number;
  readonly serverFiles: number;
  /** Wall time of each run of the install step, ms. */
  readonly installMs: readonly number[];
  /** The install cache's unpack of the same install (gzip -1), ms. */
  readonly yardstickMs: number;
}

function modZips(mods: number, modKb: number): Array<{ kind: string; id: string; zip: Uint8Array }> {
  const pack = 'denikson-BepInExPack_Valheim-5.4.2333';
  const packFiles: Record<string, Uint8Array | string> = {
    'BepInExPack_Valheim/BepInEx/core/BepInEx.Preloader.dll': randomBytes(200 * 1024),
    'BepInExPack_Valheim/BepInEx/core/BepInEx.dll': randomBytes(300 * 1024),
    'BepInExPack_Valheim/BepInEx/config/BepInEx.cfg': '[Logging]\n',
    'BepInExPack_Valheim/doorstop_libs/libdoorstop_x64.so': randomBytes(100 * 1024),
    'BepInExPack_Valheim/start_server_bepinex.sh': '#!/bin/sh\n',
  };
  for (let i = 0; i < 30; i++) {
    packFiles[`BepInExPack_Valheim/BepInEx/core/Lib${i}.dll`] = randomBytes(40 * 1024);
    packFiles[`BepInExPack_Valheim/unstripped_corlib/Corlib${i}.dll`] = randomBytes(60 * 1024);
  }
  const zips = [{ kind: 'bepinex', id: pack, zip: packageZip(pack, { files: packFiles }) }];
  for (let i = 0; i < mods; i++) {
    const id = `Author${i}-Mod${i}-1.0.${i}`;
    zips.push({
      kind: 'mod',
      id,
      zip: packageZip(id, {
        files: {
          [`plugins/Mod${i}.dll`]: randomBytes(modKb * 1024),
          [`config/author${i}.mod${i}.cfg`]: `[General]\nEnabled = true\n`,
        },
      }),
    });
  }
  return zips;
}

export function measureModsInstall(mods: number, modKb: number, runs = 3): ModsInstallFigures {
  const root = mkdtempSync(join(tmpdir(), 'bench-mods-'));
  try {
    const server = writeSyntheticInstall(join(root, 'server'), {
      bytes: 64 * 1024 * 1024,
      files: 3000,
      buildId: '20261201',
    });
    writeFileSync(join(root, 'server/valheim_server.x86_64'), 'ELF');
    const state = join(root, '.mods');
    mkdirSync(join(state, 'zips'), { recursive: true });
    const zips = modZips(mods, modKb);
    const lines: string[] = [];
    let zipBytes = 0;
    for (const { kind, id, zip } of zips) {
      const hash = sha256(zip);
      writeFileSync(join(state, 'zips', `${hash}.zip`), zip);
      lines.push(`${kind} ${hash} ${id}`);
      zipBytes += zip.length;
    }
    writeFileSync(join(state, 'plan'), `${lines.join('\n')}\n`);
    const installMs: number[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const result = spawnSync('sh', [MODS_SCRIPT_PATH], {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          MODE: 'install',
          INSTALL_ROOT: root,
          MODS_CONFIG_DIR: join(root, 'config/bepinex'),
          MODS_RECORD_DIR: join(root, 'config/records'),
        },
        encoding: 'utf8',
      });
      installMs.push(performance.now() - started);
      if (result.status !== 0 || !result.stdout.includes(`installed ${mods} mods`)) {
        throw new Error(`mods.sh install did not do its work: ${result.stdout}${result.stderr}`);
      }
    }
    const yardstick = measureInstallCache(64, 3000).levels[0]?.unpack.wallMs ?? Number.NaN;
    return { mods, zipBytes, serverFiles: server.files, installMs, yardstickMs: yardstick };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export function printModsInstall(figures: ModsInstallFigures): void {
  const sorted = [...figures.installMs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  console.log(
    `Mods install (mods.sh MODE=install: BepInExPack + ${figures.mods} mods, ${(figures.zipBytes / 1048576).toFixed(1)} MB of zips, onto a ${figures.serverFiles}-file server)`,
  );
  console.log(
    `  install ${(median / 1000).toFixed(2)} s wall (median of ${sorted.length}); install-cache unpack of the same server (64 MB) ${(figures.yardstickMs / 1000).toFixed(2)} s: ratio ${(median / figures.yardstickMs).toFixed(2)}`,
  );
}

export function measureModsInstallFromEnv(): ModsInstallFigures {
  return measureModsInstall(Number(process.env.BENCH_MODS ?? 20), Number(process.env.BENCH_MOD_KB ?? 300));
}

if (import.meta.url === `file://${process.argv[1]}`) printModsInstall(measureModsInstallFromEnv());
