import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The server-install cache (install-cache.sh): the Valheim dedicated server's files kept between sessions as
 * one tarball in the world bucket. See docs/start-time.md for why a tarball in S3 rather than an image in ECR.
 */
export const INSTALL_CACHE_SCRIPT_PATH = fileURLToPath(new URL('./install-cache.sh', import.meta.url));

/** Where the image keeps the server: steamcmd installs to dl/server, the game runs from server. */
export const INSTALL_PATH = '/opt/valheim';

/** The world bucket's folder for the cache (its old versions expire after a day). */
export const INSTALL_CACHE_PREFIX = 'server-install';

/** The tarball's key: one object, replaced after each game update. */
export const INSTALL_CACHE_KEY = `${INSTALL_CACHE_PREFIX}/valheim-server-896660.tar.gz`;

/**
 * The image's POST_UPDATE_CHECK_HOOK: runs after steamcmd and the copy to /opt/valheim/server are done, which
 * is when the pack container may look at the install.
 */
export const UPDATE_CHECKED_HOOK = `touch ${INSTALL_PATH}/.install-cache/update-checked`;

export type InstallCacheMode = 'fetch' | 'unpack' | 'pack' | 'upload';

/**
 * Entry point and command of a cache container: `sh -c '<script>'` (about 7 kB in the task definition).
 * Both images have a POSIX sh: the AWS CLI image (fetch, upload) and the game image (unpack, pack: tar, gzip).
 */
export function installCacheCommand(): { readonly entryPoint: string[]; readonly command: string[] } {
  return { entryPoint: ['/bin/sh', '-c'], command: [readFileSync(INSTALL_CACHE_SCRIPT_PATH, 'utf8')] };
}
