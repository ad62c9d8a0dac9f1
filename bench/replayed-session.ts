/**
 * A replayed three-hour session of the game's output, as the container prints it before valheim-logfilter:
 * the documented lines of /work's reference (readiness, joins, character spawns, the ten-minute connections
 * line, saves, shutdown) at their documented rates, plus Unity's noise at assumed rates (each Debug.Log line
 * followed by its "(Filename: …)" trailer and an empty line; an asset-unload block every 10 minutes; shader
 * warnings at start; "Look rotation" bursts while players fight). No captured production log was available:
 * the rates of the noise are assumptions, stated here so the measurement can be redone with a real capture.
 */

const TRAILER = '(Filename: ./Runtime/Export/Debug/Debug.bindings.h Line: 35)';

/** Unity prints every Debug.Log line as: the message, the trailer, an empty line. */
function unity(message: string): string[] {
  return [message, TRAILER, ''];
}

export const SESSION_HOURS = 3;

export function replayedSession(): string[] {
  const lines: string[] = [];
  // Start: version, shaders of a headless GPU, world load, Steam logon.
  lines.push(...unity('Valheim version: l-1.0.14 (network version 40)'));
  for (let shader = 0; shader < 120; shader++) {
    lines.push(...unity(`WARNING: Shader Unsupported: 'Custom/Shader${shader}' - All subshaders removed`));
    lines.push(
      ...unity(
        `ERROR: Shader Custom/Shader${shader} shader is not supported on this GPU (none of subshaders/fallbacks are suitable)`,
      ),
    );
  }
  lines.push(...unity('DungeonDB Start 3581'), ...unity('Load world: Midgard (Midgard)'));
  lines.push(...unity('Game server connected'));
  const players = ['76561198000000001', '76561198000000002', '76561198000000003'];
  players.forEach((id, index) => {
    lines.push(...unity(`Got connection SteamID ${id}`));
    lines.push(...unity(`Got character ZDOID from Viking${index} : ${-100 - index}:1`));
  });
  for (let minute = 0; minute < SESSION_HOURS * 60; minute++) {
    if (minute % 10 === 0) {
      lines.push(...unity(` Connections ${players.length} ZDOS:172301  sent:1234 recv:5678`));
      lines.push(...unity('Unloading 6 Unused Serialized files (Serialized files now loaded: 0)'));
      lines.push(...unity('UnloadTime: 1.234567 ms'));
      lines.push(...unity('Unloading 512 unused Assets to reduce memory usage. Loaded Objects now: 412345.'));
      lines.push(
        ...unity(
          'Total: 123.456789 ms (FindLiveObjects: 12.3 ms CreateObjectMapping: 4.5 ms MarkObjects: 98.7 ms  DeleteObjects: 7.8 ms)',
        ),
      );
    }
    if (minute % 20 === 0) lines.push(...unity('World save (5/5) done. Total time [13ms]'));
    // A fight now and then: half of the minutes, ten "Look rotation" lines each.
    if (minute % 2 === 0)
      for (let i = 0; i < 10; i++) lines.push(...unity('Look rotation viewing vector is zero'));
    if (minute === 90)
      lines.push(
        ...unity('Got character ZDOID from Viking1 : 0:0'),
        ...unity('Got character ZDOID from Viking1 : -101:2'),
      );
  }
  for (const id of players) lines.push(...unity(`Closing socket ${id}`));
  lines.push(...unity('Game - OnApplicationQuit'), ...unity('World save (5/5) done. Total time [15ms]'));
  lines.push(...unity('ZNet Shutdown'));
  return lines;
}

/**
 * What valheim-updater prints at each start (steamcmd checking and validating the ~2.4 GB install): it does
 * not go through valheim-logfilter. Assumed: one progress line a second for five minutes.
 */
export function updaterOutput(): string[] {
  const lines = [
    'Steam Console Client (c) Valve Corporation - version 1729806488',
    'Logging in user anonymous to Steam Public...OK',
  ];
  for (let second = 0; second < 300; second++) {
    lines.push(
      ` Update state (0x5) verifying install, progress: ${(second / 3).toFixed(2)} (${second * 8_000_000} / 2444741987)`,
    );
  }
  lines.push("Success! App '896660' fully installed.");
  return lines;
}

/** The prefix the image's syslog forwarding puts before every line. */
export const SYSLOG_PREFIX = 'Nov 23 19:01:13 supervisord: valheim-server 11/23/2026 19:01:13: ';
