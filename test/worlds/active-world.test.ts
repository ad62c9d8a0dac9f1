import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatWorldArgs, parseWorldArgs, worldArgsHook } from '../../src/worlds/active-world.js';

/**
 * Runs the hook as the image does: valheim-server (bash, `set -u` here for good measure) `eval`s it inside a
 * function right before it builds the command line from WORLD_NAME and SERVER_ARGS.
 */
function runHook(env: Record<string, string>): { status: number | null; line: string; stdout: string } {
  const script = [
    'set -u',
    `WORLD_NAME=\${WORLD_NAME:-Dedicated}`,
    `SERVER_ARGS=\${SERVER_ARGS:-}`,
    'pre_server_run_hook() { eval "$PRE_SERVER_RUN_HOOK"; }',
    'pre_server_run_hook',
    // The image's own command line, as its words: one per line
    'printf "%s\\n" -world "$WORLD_NAME" $SERVER_ARGS',
  ].join('\n');
  const run = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PRE_SERVER_RUN_HOOK: worldArgsHook(), ...env },
  });
  const lines = run.stdout.trim().split('\n');
  return { status: run.status, line: lines.slice(lines.indexOf('-world')).join(' '), stdout: run.stdout };
}

describe('the active world in the game task', () => {
  it("takes the world and its flags from WORLD_ARGS, after the config's own arguments", () => {
    const run = runHook({
      WORLD_NAME: 'Dedicated',
      SERVER_ARGS: '-crossplay -saveinterval 600',
      WORLD_ARGS: formatWorldArgs({ name: 'Ashlands', args: '-resetmodifiers -preset hard' }),
    });
    expect(run.status).toBe(0);
    expect(run.line).toBe('-world Ashlands -crossplay -saveinterval 600 -resetmodifiers -preset hard');
    expect(run.stdout).toContain('valheim-ondemand: world Ashlands');
  });

  it('the args parameter wins over a WORLD_NAME from another switch (one parameter is read atomically)', () => {
    const run = runHook({ WORLD_NAME: 'Midgard', WORLD_ARGS: '-world Ashlands' });
    expect(run.line).toBe('-world Ashlands');
  });

  it('changes nothing without WORLD_ARGS or with one of another form', () => {
    expect(runHook({ WORLD_NAME: 'Midgard', SERVER_ARGS: '-crossplay' }).line).toBe(
      '-world Midgard -crossplay',
    );
    expect(runHook({ WORLD_NAME: 'Midgard', WORLD_ARGS: '-preset hard' }).line).toBe('-world Midgard');
  });

  it('parses what it formats, and nothing else', () => {
    expect(parseWorldArgs('-world Ashlands -preset hard')).toEqual({
      name: 'Ashlands',
      args: '-preset hard',
    });
    expect(parseWorldArgs(formatWorldArgs({ name: 'Midgard', args: '' }))).toEqual({
      name: 'Midgard',
      args: '',
    });
    expect(parseWorldArgs('-preset hard')).toBeUndefined();
    expect(parseWorldArgs('-world ../x')).toBeUndefined();
  });
});
