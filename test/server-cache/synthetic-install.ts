import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A stand-in for the Valheim dedicated server install (app 896660) with its shape: a few big binaries, a
 * Unity data folder of many asset bundles (heavy-tailed sizes), a few hundred managed DLLs, and steamcmd's app
 * manifest. Content is half random, half repetitive, so it compresses about as much as game assets do
 * (assumption; see docs/start-time.md).
 */
export interface SyntheticInstall {
  readonly files: number;
  readonly bytes: number;
}

export interface SyntheticInstallOptions {
  /** Total size to aim for. */
  readonly bytes: number;
  /** Number of files (at least 10). */
  readonly files: number;
  readonly buildId: string;
  /** steamcmd's StateFlags: 4 = fully installed. @default '4' */
  readonly stateFlags?: string;
}

export function appManifest(buildId: string, stateFlags = '4'): string {
  return [
    '"AppState"',
    '{',
    '\t"appid"\t\t"896660"',
    '\t"name"\t\t"Valheim Dedicated Server"',
    `\t"StateFlags"\t\t"${stateFlags}"`,
    '\t"installdir"\t\t"server"',
    `\t"buildid"\t\t"${buildId}"`,
    '}',
    '',
  ].join('\n');
}

/** Writes `size` bytes: random halves and repeated-text halves in 64 KiB blocks. */
function content(size: number, seed: number): Buffer {
  const block = 64 * 1024;
  const text = Buffer.from(`m_Name: Prefab_${seed} m_Component: Transform MeshRenderer `.repeat(2000));
  const parts: Buffer[] = [];
  for (let at = 0, i = 0; at < size; at += block, i++) {
    const length = Math.min(block, size - at);
    parts.push(i % 2 === 0 ? randomBytes(length) : text.subarray(0, length));
  }
  return Buffer.concat(parts, size);
}

export function writeSyntheticInstall(root: string, options: SyntheticInstallOptions): SyntheticInstall {
  const put = (path: string, data: Buffer | string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), data);
  };
  const big = [
    ['valheim_server.x86_64', 0.0004],
    ['UnityPlayer.so', 0.015],
    ['linux64/steamclient.so', 0.02],
    ['valheim_server_Data/resources.assets', 0.06],
    ['valheim_server_Data/globalgamemanagers', 0.005],
  ] as const;
  let written = 0;
  for (const [path, share] of big) {
    const size = Math.round(options.bytes * share);
    put(path, content(size, written));
    written += size;
  }
  const manifest = appManifest(options.buildId, options.stateFlags);
  put('steamapps/appmanifest_896660.acf', manifest);
  written += manifest.length;

  // The rest: asset bundles and DLLs whose sizes follow a Pareto-like curve (many small, few large).
  const count = Math.max(4, options.files - big.length - 1);
  const weights = Array.from({ length: count }, (_, i) => 1 / (1 + i) ** 1.1);
  const total = weights.reduce((sum, w) => sum + w, 0);
  const remaining = Math.max(0, options.bytes - written);
  weights.forEach((weight, i) => {
    const size = Math.max(1, Math.round((remaining * weight) / total));
    const path =
      i % 7 === 0
        ? `valheim_server_Data/Managed/Assembly${i}.dll`
        : `valheim_server_Data/StreamingAssets/bundles/b${i % 40}/asset${i}.bundle`;
    put(path, content(size, i));
    written += size;
  });
  return { files: count + big.length + 1, bytes: written };
}
