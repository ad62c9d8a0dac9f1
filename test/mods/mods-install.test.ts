import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCKFILE_VERSION, type ModsLock } from '../../src/mods/lockfile.js';
import { MODS_SCRIPT_PATH, modsFetchCommand, modsSupervisorHook } from '../../src/mods/mods-script.js';
import {
  configArchive,
  configKey,
  installPlans,
  packageKey,
  planKey,
  plansVariable,
} from '../../src/mods/plan.js';
import { sha256 } from '../../src/mods/thunderstore.js';
import { noticeFor } from '../../src/monitor/notices.js';
import { LOG_FILTER_PATTERN, parseLogLine } from '../../src/players/server-log.js';
import { appManifest } from '../server-cache/synthetic-install.js';
import { filterMatcher } from '../support/cloudwatch-filter.js';
import { packageZip } from '../support/thunderstore.js';
import { createTransferSandbox, SHELL, type TransferSandbox } from '../worlds/fake-aws-cli.js';

/*
 * mods.sh as the task runs it, on real files: the fetch container's `sh -c` command (the bucket is a folder
 * behind the stub aws), the game container's PRE_SUPERVISOR_HOOK under bash (as the image evaluates it), then
 * the updater the hook put in place, as the image runs bepinex-updater after steamcmd. The zips have the
 * layouts Thunderstore serves: BepInExPack wrapped in BepInExPack_Valheim/, plugins/, patchers/, config/, a
 * DLL at the root.
 */

const NOTICE_CONTEXT = { crossplay: false, idleStopMinutes: 15, emptyStopMinutes: 30 };

const PACK = 'denikson-BepInExPack_Valheim-5.4.2333';
const JOTUNN = 'ValheimModding-Jotunn-2.20.0';
const PATCHER = 'Someone-EarlyPatch-1.0.0';
const LOOSE = 'Oldie-LooseDll-0.9.1';

const ZIPS: Record<string, Uint8Array> = {
  [PACK]: packageZip(PACK, {
    files: {
      'BepInExPack_Valheim/BepInEx/core/BepInEx.Preloader.dll': 'MZ preloader',
      'BepInExPack_Valheim/BepInEx/core/BepInEx.dll': 'MZ bepinex',
      'BepInExPack_Valheim/BepInEx/config/BepInEx.cfg': 'pack default\n',
      'BepInExPack_Valheim/doorstop_libs/libdoorstop_x64.so': 'ELF doorstop',
      'BepInExPack_Valheim/doorstop_config.ini': '[UnityDoorstop]\n',
      'BepInExPack_Valheim/start_server_bepinex.sh': '#!/bin/sh\n',
    },
  }),
  [JOTUNN]: packageZip(JOTUNN, {
    files: {
      'plugins/Jotunn.dll': 'MZ jotunn',
      'plugins/Translations/English/jotunn.json': '{}',
      'config/com.jotunn.jotunn.cfg': 'jotunn default\n',
      'config/Shared.cfg': 'jotunn shared default\n',
    },
  }),
  [PATCHER]: packageZip(PATCHER, { files: { 'patchers/EarlyPatch.dll': 'MZ patcher' } }),
  [LOOSE]: packageZip(LOOSE, { files: { 'LooseDll.dll': 'MZ loose' } }),
};

const VANILLA = {
  'valheim_server.x86_64': 'ELF valheim',
  'UnityPlayer.so': 'ELF unity',
  'valheim_server_Data/Managed/assembly_valheim.dll': 'MZ valheim',
  'linux64/steamclient.so': 'ELF steam',
};

let box: TransferSandbox;
let work: string;
let root: string;
let configDir: string;
let recordDir: string;
let repoConfig: string;
let updater: string;
beforeEach(() => {
  box = createTransferSandbox();
  work = mkdtempSync(join(tmpdir(), 'mods-install-'));
  root = join(work, 'opt-valheim');
  configDir = join(work, 'config', 'bepinex');
  recordDir = join(work, 'config', '.valheim-ondemand', 'mods');
  repoConfig = join(work, 'repo', 'mods', 'config');
  updater = join(work, 'bin', 'bepinex-updater');
  mkdirSync(dirname(updater), { recursive: true });
  writeVanillaServer('100');
});
afterEach(() => {
  box.dispose();
  rmSync(work, { recursive: true, force: true });
});

/** The image's two copies of the server: steamcmd's (with its manifest) and the one it runs from. */
function writeVanillaServer(build: string): void {
  for (const [path, content] of Object.entries(VANILLA)) {
    for (const base of ['dl/server', 'server']) {
      mkdirSync(dirname(join(root, base, path)), { recursive: true });
      writeFileSync(join(root, base, path), content);
    }
  }
  mkdirSync(join(root, 'dl/server/steamapps'), { recursive: true });
  writeFileSync(join(root, 'dl/server/steamapps/appmanifest_896660.acf'), appManifest(build));
}

function lockOf(sets: { default: string[]; worlds?: Record<string, string[]> }): ModsLock {
  const packages: ModsLock['packages'] = {};
  for (const id of Object.keys(ZIPS)) {
    const bytes = ZIPS[id] as Uint8Array;
    packages[id] = {
      sha256: sha256(bytes),
      size: bytes.length,
      url: '',
      dependencies: [],
      side: 'both',
      categories: [],
      deprecated: false,
    };
  }
  const set = (ids: string[]) => ({
    requested: ids,
    packages: ids,
    ...(ids.length > 0 && { bepinexPack: '5.4.2333' }),
  });
  return {
    lockfileVersion: LOCKFILE_VERSION,
    packages,
    sets: {
      default: set(sets.default),
      worlds: Object.fromEntries(Object.entries(sets.worlds ?? {}).map(([world, ids]) => [world, set(ids)])),
    },
  };
}

/** What a deploy puts in the bucket for `lock` (src/mods/upload.ts does the same with S3); returns MODS_PLANS. */
function deploy(lock: ModsLock): string {
  const config = configArchive(repoConfig);
  const put = (key: string, bytes: Uint8Array | string) => {
    mkdirSync(dirname(join(box.bucket, key)), { recursive: true });
    writeFileSync(join(box.bucket, key), bytes);
  };
  const assignments = installPlans(lock, config);
  for (const { plan } of assignments) {
    if (!plan) continue;
    put(planKey(plan.sha256), plan.text);
    for (const entry of plan.entries) {
      if (entry.kind === 'config' && config) put(configKey(entry.sha256), config.bytes);
      else put(packageKey(entry.sha256), ZIPS[entry.id] as Uint8Array);
    }
  }
  return plansVariable(assignments);
}

/** A start: fetch (the container's own command line), the hook (bash, as the image), the updater. */
function start(plans: string, world = 'Midgard', options: { skipFetch?: boolean } = {}) {
  const { entryPoint, command } = modsFetchCommand();
  const fetched = options.skipFetch
    ? undefined
    : box.runCommand([...entryPoint, command[0] as string, command[1] as string, join(root, '.mods')], {
        INSTALL_ROOT: root,
        MODS_PLANS: plans,
        WORLD_NAME: world,
      });
  const hook = spawnSync('bash', ['-c', `${modsSupervisorHook()}\nprintf 'BEPINEX=%s\\n' "\${BEPINEX:-}"`], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', MODS_STATE: join(root, '.mods'), MODS_UPDATER: updater },
  });
  const modded = hook.stdout.includes('BEPINEX=true');
  const installed = modded
    ? box.runCommand(['bash', updater], {
        INSTALL_ROOT: root,
        MODS_CONFIG_DIR: configDir,
        MODS_RECORD_DIR: recordDir,
        just_started: 'true',
      })
    : undefined;
  return { fetched, hook, modded, installed };
}

/** Files below `dir` (links not followed), relative. */
function files(dir: string): string[] {
  const found: string[] = [];
  const walk = (folder: string): void => {
    if (!existsSync(folder)) return;
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else found.push(relative(dir, path));
    }
  };
  walk(dir);
  return found.sort();
}

const read = (path: string) => readFileSync(path, 'utf8');
const tree = () => join(root, 'bepinex');

describe('mods.sh', () => {
  it('is POSIX sh (sh -n)', () => {
    expect(spawnSync(SHELL, ['-n', MODS_SCRIPT_PATH]).status).toBe(0);
  });

  it('installs exactly the locked files: the vanilla server, the pack unwrapped, each mod in its own folder', () => {
    // Given a deploy of four packages and a repo config
    mkdirSync(join(repoConfig, 'sub'), { recursive: true });
    writeFileSync(join(repoConfig, 'com.jotunn.jotunn.cfg'), 'from the repo\n');
    writeFileSync(join(repoConfig, 'sub', 'extra.yml'), 'a: 1\n');
    const plans = deploy(lockOf({ default: [PACK, JOTUNN, PATCHER, LOOSE] }));

    // When the server starts
    const { fetched, modded, installed } = start(plans);

    // Then the fetch checked and kept every zip, the hook turned BepInEx on, the install says what it did
    expect(fetched?.stdout).toMatch(/^mods: fetched 5 zips \(\d+ MB\) for world Midgard in \d+ s$/m);
    expect(modded).toBe(true);
    expect(installed?.status).toBe(0);
    expect(installed?.stdout).toMatch(
      /^mods: installed 3 mods \(BepInExPack 5\.4\.2333, plan [0-9a-f]{12}\) in \d+ s$/m,
    );

    // And the tree holds the vanilla files and exactly the locked ones, nothing else
    expect(files(tree())).toEqual(
      [
        ...Object.keys(VANILLA),
        'BepInEx/config',
        'BepInEx/core/BepInEx.Preloader.dll',
        'BepInEx/core/BepInEx.dll',
        'BepInEx/patchers/Someone-EarlyPatch/EarlyPatch.dll',
        'BepInEx/plugins/Oldie-LooseDll/LooseDll.dll',
        'BepInEx/plugins/Oldie-LooseDll/icon.png',
        'BepInEx/plugins/Oldie-LooseDll/manifest.json',
        'BepInEx/plugins/Someone-EarlyPatch/icon.png',
        'BepInEx/plugins/Someone-EarlyPatch/manifest.json',
        'BepInEx/plugins/ValheimModding-Jotunn/Jotunn.dll',
        'BepInEx/plugins/ValheimModding-Jotunn/Translations/English/jotunn.json',
        'BepInEx/plugins/ValheimModding-Jotunn/icon.png',
        'BepInEx/plugins/ValheimModding-Jotunn/manifest.json',
        'doorstop_config.ini',
        'doorstop_libs/libdoorstop_x64.so',
        'start_server_bepinex.sh',
      ].sort(),
    );
    // The vanilla files are links to the copy the image keeps, not a second 2 GB copy, and were not written to
    const binary = 'valheim_server.x86_64';
    expect(statSync(join(tree(), binary)).ino).toBe(statSync(join(root, 'server', binary)).ino);
    expect(read(join(root, 'server', binary))).toBe(VANILLA[binary]);
    // BepInEx/config is the persistent folder on EFS: pack and mod defaults where none existed, the repo's on top
    expect(readlinkSync(join(tree(), 'BepInEx/config'))).toBe(configDir);
    expect(read(join(configDir, 'BepInEx.cfg'))).toBe('pack default\n');
    expect(read(join(configDir, 'com.jotunn.jotunn.cfg'))).toBe('from the repo\n');
    expect(read(join(configDir, 'Shared.cfg'))).toBe('jotunn shared default\n');
    expect(read(join(configDir, 'sub/extra.yml'))).toBe('a: 1\n');
  });

  it('keeps what the mods wrote in their config folder, and never overwrites it with a default', () => {
    mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, 'Shared.cfg'), 'tuned by the admin\n');
    writeFileSync(join(configDir, 'ServerCharacters.data'), 'player data\n');
    start(deploy(lockOf({ default: [PACK, JOTUNN] })));
    expect(read(join(configDir, 'Shared.cfg'))).toBe('tuned by the admin\n');
    expect(read(join(configDir, 'ServerCharacters.data'))).toBe('player data\n');
  });

  it('removes a mod that left the lock at the next start', () => {
    expect(start(deploy(lockOf({ default: [PACK, JOTUNN, LOOSE] }))).installed?.status).toBe(0);
    expect(existsSync(join(tree(), 'BepInEx/plugins/Oldie-LooseDll'))).toBe(true);

    const second = start(deploy(lockOf({ default: [PACK, JOTUNN] })));

    expect(second.installed?.stdout).toContain('mods: installed 1 mods');
    expect(existsSync(join(tree(), 'BepInEx/plugins/Oldie-LooseDll'))).toBe(false);
    expect(readdirSync(join(tree(), 'BepInEx/plugins'))).toEqual(['ValheimModding-Jotunn']);
    expect(existsSync(join(root, 'bepinex.old'))).toBe(false);
  });

  it('refuses a zip whose hash does not match, and the game never starts (not even vanilla)', () => {
    // Given a bucket where Jotunn's zip was replaced after the lock was written
    const plans = deploy(lockOf({ default: [PACK, JOTUNN] }));
    writeFileSync(
      join(box.bucket, packageKey(sha256(ZIPS[JOTUNN] as Uint8Array))),
      ZIPS[LOOSE] as Uint8Array,
    );

    const { fetched, modded, installed } = start(plans);

    // Then the fetch says why, the hook still turns BepInEx on, and the updater fails, so the image starts nothing
    expect(fetched?.status).toBe(0);
    expect(fetched?.stdout).toContain(
      `mods: refusing to start: ${JOTUNN}: the zip in the bucket has SHA-256 ${sha256(ZIPS[LOOSE] as Uint8Array)}, the lockfile says ${sha256(ZIPS[JOTUNN] as Uint8Array)}`,
    );
    expect(modded).toBe(true);
    expect(installed?.status).toBe(1);
    expect(installed?.stdout).toContain(
      `mods: refusing to start: ${JOTUNN}: the zip in the bucket has SHA-256`,
    );
    expect(existsSync(tree())).toBe(false);

    // And the line it printed is what the bot announces in Discord (the log filter forwards it, the parser reads it)
    const line = (fetched?.stdout ?? '').split('\n').find((l) => l.includes('refusing to start')) ?? '';
    expect(filterMatcher(LOG_FILTER_PATTERN)(line)).toBe(true);
    const event = parseLogLine(line);
    expect(event?.kind).toBe('mods-refused');
    const detail = event?.kind === 'mods-refused' ? event.detail : '';
    const notice = noticeFor({ type: 'announce-mods-refused', detail }, NOTICE_CONTEXT, Date.now());
    expect(notice?.content).toContain('The mods could not be installed, so the server will not start');
    expect(notice?.content).toContain(
      `${JOTUNN}: the zip in the bucket has SHA-256 ${sha256(ZIPS[LOOSE] as Uint8Array)}`,
    );
  });

  it('refuses a zip changed on the volume between fetch and install', () => {
    const plans = deploy(lockOf({ default: [PACK, JOTUNN] }));
    const { entryPoint, command } = modsFetchCommand();
    box.runCommand([...entryPoint, command[0] as string, command[1] as string, join(root, '.mods')], {
      INSTALL_ROOT: root,
      MODS_PLANS: plans,
      WORLD_NAME: 'Midgard',
    });
    writeFileSync(join(root, '.mods/zips', `${sha256(ZIPS[JOTUNN] as Uint8Array)}.zip`), 'tampered');
    const { installed } = start(plans, 'Midgard', { skipFetch: true });
    expect(installed?.status).toBe(1);
    expect(installed?.stdout).toContain(
      `mods: refusing to start: ${JOTUNN}: the zip has SHA-256 ${sha256('tampered')}`,
    );
  });

  it('refuses when a zip is missing from the bucket, and says to deploy', () => {
    const plans = deploy(lockOf({ default: [PACK, JOTUNN] }));
    rmSync(join(box.bucket, packageKey(sha256(ZIPS[JOTUNN] as Uint8Array))));
    const { fetched, installed } = start(plans);
    expect(fetched?.stdout).toMatch(
      new RegExp(`mods: refusing to start: ${JOTUNN} is missing from s3://.*; run npx valheim deploy`),
    );
    expect(installed?.status).toBe(1);
  });

  it('refuses when the fetch step never ran, instead of starting vanilla', () => {
    const { modded, installed } = start(deploy(lockOf({ default: [PACK, JOTUNN] })), 'Midgard', {
      skipFetch: true,
    });
    expect(modded).toBe(true);
    expect(installed?.status).toBe(1);
    expect(installed?.stdout).toContain('mods: refusing to start: the mods-fetch step never ran');
  });

  it('starts a world whose own list is empty vanilla, and another world with the default list', () => {
    const plans = deploy(lockOf({ default: [PACK, JOTUNN], worlds: { Hardcore: [] } }));
    expect(plans).toMatch(/^\*=[0-9a-f]{64} Hardcore=vanilla$/);

    const vanilla = start(plans, 'Hardcore');
    expect(vanilla.fetched?.stdout).toContain('mods: world Hardcore runs without mods');
    expect(vanilla.modded).toBe(false);
    expect(existsSync(updater)).toBe(false);

    const modded = start(plans, 'Midgard');
    expect(modded.modded).toBe(true);
    expect(modded.installed?.status).toBe(0);
  });

  it('says when Valheim changed since this mod set last ran (a game update the mods may not support yet)', () => {
    const plans = deploy(lockOf({ default: [PACK, JOTUNN] }));
    expect(start(plans).installed?.stdout).not.toContain('Valheim changed');
    expect(start(plans).installed?.stdout).not.toContain('Valheim changed');
    writeVanillaServer('200');
    expect(start(plans).installed?.stdout).toContain(
      'mods: Valheim changed from build 100 to build 200 since these mods last ran',
    );
  });

  it('leaves BepInEx/config a link even where the pack shipped a folder', () => {
    start(deploy(lockOf({ default: [PACK] })));
    expect(lstatSync(join(tree(), 'BepInEx/config')).isSymbolicLink()).toBe(true);
  });
});
