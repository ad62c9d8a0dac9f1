import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * How the game task runs mods.sh (see its header): the fetch container runs it from its command, and leaves a
 * copy on the install volume that the game container puts in place of the image's bepinex-updater.
 */
export const MODS_SCRIPT_PATH = fileURLToPath(new URL('./mods.sh', import.meta.url));

/** mods.sh's folder on the install volume (INSTALL_ROOT/.mods). */
export const MODS_STATE_PATH = '/opt/valheim/.mods';

/** The image runs this when BEPINEX=true, after steamcmd (common: bepinex_updater). */
export const IMAGE_BEPINEX_UPDATER = '/usr/local/bin/bepinex-updater';

/**
 * The fetch container's entry point and command: `sh -c '<copy $0 to the volume, run it>' '<mods.sh>'
 * <state dir>`. The script is in the task definition once; the game container runs the copy.
 */
export function modsFetchCommand(): { readonly entryPoint: string[]; readonly command: string[] } {
  return {
    entryPoint: ['/bin/sh', '-c'],
    command: [
      'mkdir -p "$1" && printf \'%s\\n\' "$0" > "$1/mods.sh" && MODE=fetch exec /bin/sh "$1/mods.sh"',
      readFileSync(MODS_SCRIPT_PATH, 'utf8'),
      MODS_STATE_PATH,
    ],
  };
}

/**
 * The game container's PRE_SUPERVISOR_HOOK, which the image evaluates as root right before it starts
 * supervisord, so what it exports reaches every program of the image. Unless the fetch step found that this
 * world runs vanilla, it turns BepInEx on and puts mods.sh in place of the image's bepinex-updater (which would
 * download the latest BepInExPack from Thunderstore). Without the fetched script, the updater it leaves only
 * refuses the start: a modded world never starts vanilla by accident.
 *
 * MODS_STATE and MODS_UPDATER exist for the tests; the task sets neither.
 */
export function modsSupervisorHook(): string {
  const state = `\${MODS_STATE:-${MODS_STATE_PATH}}`;
  const updater = `\${MODS_UPDATER:-${IMAGE_BEPINEX_UPDATER}}`;
  return [
    `if [ ! -e "${state}/vanilla" ]; then`,
    'export BEPINEX=true;',
    `if [ -f "${state}/mods.sh" ]; then cp "${state}/mods.sh" "${updater}";`,
    `else printf '%s\\n' '#!/bin/sh' 'echo "mods: refusing to start: the mods-fetch step never ran, so the locked mods are not here"' 'exit 1' > "${updater}";`,
    `fi; chmod 755 "${updater}";`,
    'fi',
  ].join(' ');
}
