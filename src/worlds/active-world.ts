import { isWorldName } from './world-settings.js';

/*
 * How the active world reaches the game task. Not through the task definition: the next deploy would reset
 * it. ECS resolves container `secrets` from SSM parameters at every task launch (as it does for SERVER_PASS),
 * so two plain String parameters, written by a switch and never by a deploy (the stack only creates them
 * when they are missing), carry it:
 *
 *   /<stack>/world/name  → WORLD_NAME   e.g. "Ashlands"
 *   /<stack>/world/args  → WORLD_ARGS   e.g. "-world Ashlands -resetmodifiers -preset hard"
 *
 * The args parameter names its world, and the game container's PRE_SERVER_RUN_HOOK (which the image `eval`s
 * in valheim-server's own shell right before it runs the server with `-world "$WORLD_NAME" … $SERVER_ARGS`)
 * takes the world and its flags from it alone: one parameter is read atomically, so the server never gets
 * one world's name with another's settings, whatever order a switch's two writes are seen in. WORLD_NAME
 * (the image's other scripts and its log lines read it) follows the same switch. SSM refuses empty values;
 * "-world <name>" never is one.
 */

export interface ActiveWorld {
  readonly name: string;
  /** The world's settings as server flags (world-settings.ts); empty without settings. */
  readonly args: string;
}

export interface WorldParameterNames {
  readonly name: string;
  readonly args: string;
}

export function worldParameterNames(stackName: string): WorldParameterNames {
  return { name: `/${stackName}/world/name`, args: `/${stackName}/world/args` };
}

/** The value of the args parameter: "-world <name>" and the world's flags. */
export function formatWorldArgs(world: ActiveWorld): string {
  return [`-world ${world.name}`, world.args.trim()].filter(Boolean).join(' ');
}

/** The world an args parameter names, and its flags; undefined when it is not one written by formatWorldArgs. */
export function parseWorldArgs(value: string): ActiveWorld | undefined {
  const match = /^-world (\S+)(?: (.*))?$/.exec(value.trim());
  const name = match?.[1];
  if (!name || !isWorldName(name)) return undefined;
  return { name, args: (match?.[2] ?? '').trim() };
}

/**
 * The game container's PRE_SERVER_RUN_HOOK: sets WORLD_NAME from WORLD_ARGS and appends the world's flags
 * to SERVER_ARGS (which keeps the config's own arguments: -crossplay, server.extraArgs). Without a
 * WORLD_ARGS of the expected form it changes nothing, so the template's WORLD_NAME stands. Variables carry
 * a prefix so that they cannot clash with the image's own; `set -u` safe. A world name holds no spaces, so
 * the first word after "-world " is the name.
 */
export function worldArgsHook(): string {
  return [
    `case "\${WORLD_ARGS:-}" in`,
    '  "-world "?*)',
    `    vod_world="\${WORLD_ARGS#-world }";`,
    `    WORLD_NAME="\${vod_world%% *}";`,
    `    case "$vod_world" in *" "*) SERVER_ARGS="\${SERVER_ARGS:+$SERVER_ARGS }\${vod_world#* }";; esac;`,
    `    echo "valheim-ondemand: world $WORLD_NAME\${SERVER_ARGS:+, server arguments $SERVER_ARGS}";`,
    '    unset vod_world;;',
    'esac',
  ].join('\n');
}
