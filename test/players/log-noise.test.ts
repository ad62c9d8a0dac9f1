import { describe, expect, it } from 'vitest';
import { measureLogVolume } from '../../bench/log-volume.js';
import { replayedSession } from '../../bench/replayed-session.js';
import { LOG_GB_PER_HOUR } from '../../src/cost/estimate.js';
import {
  imageKeepsLine,
  ingestedBytes,
  logFilterEnvironment,
  SERVER_LOG_NOISE,
} from '../../src/players/log-noise.js';
import { LOG_FILTER_PATTERN, parseLogLine } from '../../src/players/server-log.js';

const NOISE = Object.values(SERVER_LOG_NOISE);

/** Lines the bot reads (valheim-log-lines.md), in each documented form. */
const NEEDED = [
  'Game server connected',
  'Session "Vikings" registered with join code 012345',
  'Session "Vikings" with join code 012345 and IP 3.120.45.67:2456 is active with 2 player(s)',
  'Got connection SteamID 76561198000000001',
  'Closing socket 76561198000000001',
  'Got character ZDOID from Ragnar : -12345:1',
  ' Connections 2 ZDOS:172301  sent:1234 recv:5678',
  'World saved ( 1956.263ms )',
  'Saved 269116 zdos',
  'ZNet Shutdown',
  'Game - OnApplicationQuit',
  'Error saving world! Access to the path "/config/worlds_local/Midgard.db" is denied',
];

describe('log filters at the source (VALHEIM_LOG_FILTER_CONTAINS_*)', () => {
  it('sets one image filter variable per noise pattern', () => {
    expect(logFilterEnvironment()).toEqual({
      VALHEIM_LOG_FILTER_CONTAINS_UnloadSerialized: 'Unused Serialized files',
      VALHEIM_LOG_FILTER_CONTAINS_UnloadTime: 'UnloadTime:',
      VALHEIM_LOG_FILTER_CONTAINS_UnloadAssets: 'unused Assets to reduce memory usage',
      VALHEIM_LOG_FILTER_CONTAINS_UnloadTotals: '(FindLiveObjects:',
      VALHEIM_LOG_FILTER_CONTAINS_ShaderUnsupported: 'Shader Unsupported',
      VALHEIM_LOG_FILTER_CONTAINS_ShaderGpu: 'is not supported on this GPU',
      VALHEIM_LOG_FILTER_CONTAINS_LookRotation: 'Look rotation viewing vector is zero',
    });
  });

  it('keeps every line the bot and `valheim logs` readers need', () => {
    for (const line of NEEDED) expect(imageKeepsLine(line, NOISE), line).toBe(true);
    // And every line of the replay the bot understands survives too
    for (const line of replayedSession().filter((l) => parseLogLine(l) !== undefined)) {
      expect(imageKeepsLine(line, NOISE), line).toBe(true);
    }
    // And no filter text is one of the subscription filter's terms
    const terms = [...LOG_FILTER_PATTERN.matchAll(/\?"([^"]+)"/g)].map((match) => match[1] ?? '');
    for (const text of NOISE)
      for (const term of terms) expect(text.includes(term) || term.includes(text)).toBe(false);
  });

  it('drops what the image drops by default: empty lines, single spaces and Unity trailers', () => {
    expect(imageKeepsLine('', [])).toBe(false);
    expect(imageKeepsLine(' ', [])).toBe(false);
    expect(imageKeepsLine('(Filename: ./Runtime/Export/Debug/Debug.bindings.h Line: 35)', [])).toBe(false);
    expect(imageKeepsLine('  (Filename: indented)', [])).toBe(true);
  });

  it('bills 26 bytes of metadata per event on top of the prefixed line', () => {
    expect(ingestedBytes(['abc', 'é'], 'p: ')).toBe(6 + 26 + 5 + 26);
  });

  it('measures the replayed session below the per-hour figure the estimate uses', () => {
    // Given the replayed three-hour session, When it is filtered as the task definition configures
    const volume = measureLogVolume();
    // Then the filters remove most of what the image's defaults let through
    expect(volume.filteredBytesPerHour).toBeLessThan(volume.imageDefaultsBytesPerHour / 3);
    // And the estimate's per-hour figure covers the measurement, with room for noise the replay lacks
    expect(volume.filteredBytesPerHour).toBeLessThan(LOG_GB_PER_HOUR * 1e9);
    expect(volume.filteredBytesPerHour * 10).toBeGreaterThan(LOG_GB_PER_HOUR * 1e9);
  });
});
