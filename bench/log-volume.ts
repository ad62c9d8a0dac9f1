/**
 * `node --import tsx bench/log-volume.ts`: CloudWatch ingestion of the replayed session, with the image's
 * default filters only and with SERVER_LOG_NOISE on top, per hour of play (the start's steamcmd output
 * included, spread over the session).
 */
import { imageKeepsLine, ingestedBytes, SERVER_LOG_NOISE } from '../src/players/log-noise.js';
import { replayedSession, SESSION_HOURS, SYSLOG_PREFIX, updaterOutput } from './replayed-session.js';

export function measureLogVolume() {
  const session = replayedSession();
  // The updater's output bypasses the filter: it counts in full in every figure.
  const updater = ingestedBytes(updaterOutput(), SYSLOG_PREFIX);
  const perHour = (lines: string[]) => (ingestedBytes(lines, SYSLOG_PREFIX) + updater) / SESSION_HOURS;
  const defaults = session.filter((line) => imageKeepsLine(line, []));
  const filtered = session.filter((line) => imageKeepsLine(line, Object.values(SERVER_LOG_NOISE)));
  return {
    rawLinesPerHour: session.length / SESSION_HOURS,
    unfilteredBytesPerHour: perHour(session),
    imageDefaultsBytesPerHour: perHour(defaults),
    filteredBytesPerHour: perHour(filtered),
    filteredLinesPerHour: (filtered.length + updaterOutput().length) / SESSION_HOURS,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = measureLogVolume();
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(`replayed session: ${Math.round(result.rawLinesPerHour)} lines an hour before any filter`);
  console.log(`  no filter:               ${kb(result.unfilteredBytesPerHour)} an hour`);
  console.log(`  image defaults:          ${kb(result.imageDefaultsBytesPerHour)} an hour`);
  console.log(
    `  + SERVER_LOG_NOISE:      ${kb(result.filteredBytesPerHour)} an hour (${Math.round(result.filteredLinesPerHour)} lines)`,
  );
}
