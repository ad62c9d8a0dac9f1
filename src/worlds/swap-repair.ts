/**
 * The game container's first step (the image's PRE_BOOTSTRAP_HOOK, which its bootstrap runs with `eval`
 * before the server can read a world): when a restore was killed between its two renames, worlds_local is
 * missing and the previous world waits in worlds_local.previous-<time>. Valheim would create an empty world
 * there; this puts the newest previous world back first, as the next transfer would (world-transfer.sh,
 * recover_interrupted_swap). Plain POSIX sh; its variables carry a prefix so that they cannot clash with
 * the bootstrap script's own.
 */
export function swapRepairHook(configRoot = '/config'): string {
  const live = `${configRoot}/worlds_local`;
  return [
    `if [ ! -e '${live}' ] && [ ! -L '${live}' ]; then`,
    `  vod_previous='';`,
    `  for vod_entry in '${live}'.previous-*; do if [ -d "$vod_entry" ]; then vod_previous=$vod_entry; fi; done;`,
    `  if [ -n "$vod_previous" ] && mv "$vod_previous" '${live}'; then`,
    `    echo "valheim-ondemand: worlds_local was missing after an interrupted restore; put \${vod_previous##*/} back";`,
    '  fi;',
    '  unset vod_previous vod_entry;',
    'fi',
  ].join('\n');
}
