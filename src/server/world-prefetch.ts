/** The container that reads the world before the game does (see worldPrefetchCommand). */
export const WORLD_PREFETCH_CONTAINER = 'world-prefetch';

/** Parallel readers: EFS Infrequent Access answers each file's first byte in tens of milliseconds. */
const READERS = 32;
/** A prefetch never holds the start up longer than this; the game then reads what is left itself. */
export const WORLD_PREFETCH_TIMEOUT_SECONDS = 90;

/**
 * The world-prefetch container's shell command: reads every file of the running world (its Valheim 1.0 folder,
 * its legacy `.fwl`/`.db` files) with 32 readers at once, while the install cache is still being restored.
 * After a week unread the world is in EFS Infrequent Access, where each file's first byte takes tens of
 * milliseconds; Valheim loads a chunked world one file after another, so a thousand chunks would add tens of
 * seconds to the start. Read here in parallel, the files are back in Standard and in the task's page cache
 * (the containers of a task share one EFS mount) by the time the game opens them. Other worlds are not
 * touched and stay in IA. Always exits 0: a failed prefetch only means the game reads the files itself.
 * Plain POSIX sh with find, xargs and cat (the game image has them); CONFIG_DIR and WORLD_NAME from the
 * environment.
 */
export function worldPrefetchCommand(): string {
  return [
    'vod_root=$CONFIG_DIR; [ -n "$vod_root" ] || vod_root=/config',
    'cd "$vod_root" 2>/dev/null || { echo "world prefetch: no world directory"; exit 0; }',
    'vod_start=$(date +%s)',
    'set -- "worlds_local/$WORLD_NAME" "worlds_local/$WORLD_NAME".* "worlds/$WORLD_NAME".*',
    'vod_files=$(find "$@" -type f 2>/dev/null | wc -l | tr -d " ")',
    `vod_timeout=''; if command -v timeout >/dev/null 2>&1; then vod_timeout='timeout ${WORLD_PREFETCH_TIMEOUT_SECONDS}'; fi`,
    `find "$@" -type f -print0 2>/dev/null | $vod_timeout xargs -0 -r -P ${READERS} -n 8 cat >/dev/null 2>&1`,
    'echo "world prefetch: read $vod_files files of $WORLD_NAME in $(( $(date +%s) - vod_start )) s"',
    'exit 0',
  ].join('\n');
}
