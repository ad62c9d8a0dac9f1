/**
 * What the game server's log may drop before it reaches CloudWatch (which bills ingestion per GB, plus 26
 * bytes per event). The image pipes the game's output through its valheim-logfilter, configured by
 * environment variables: `VALHEIM_LOG_FILTER_CONTAINS_<Name>="text"` removes every line containing the text
 * (the image's defaults already remove empty lines, lines of one space and Unity's "(Filename: …)" trailers).
 * Only Unity's headless chatter is listed: nothing `valheim logs` readers or the bot (server-log.ts) need.
 */
export const SERVER_LOG_NOISE: Readonly<Record<string, string>> = {
  // Unity's asset garbage collection, a block of lines each time the game unloads a zone's assets.
  UnloadSerialized: 'Unused Serialized files',
  UnloadTime: 'UnloadTime:',
  UnloadAssets: 'unused Assets to reduce memory usage',
  UnloadTotals: '(FindLiveObjects:',
  // A headless server has no GPU: every shader warns once at start.
  ShaderUnsupported: 'Shader Unsupported',
  ShaderGpu: 'is not supported on this GPU',
  // Printed many times a second by some creatures' AI.
  LookRotation: 'Look rotation viewing vector is zero',
};

/** The task-definition environment that turns the filters on. */
export function logFilterEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(SERVER_LOG_NOISE).map(([name, text]) => [`VALHEIM_LOG_FILTER_CONTAINS_${name}`, text]),
  );
}

/** CloudWatch Logs bills each event's message plus this much metadata. */
export const CLOUDWATCH_EVENT_OVERHEAD_BYTES = 26;

/** The image's default filters (its `defaults` file): set whatever we configure. */
const IMAGE_DEFAULT_MATCH = [' '];
const IMAGE_DEFAULT_STARTS_WITH = [
  '(Filename:',
  'src/steamnetworkingsockets/clientlib/steamnetworkingsockets_lowlevel.cpp',
];

/**
 * Whether valheim-logfilter lets a line of the game's output through, with the image's defaults and the
 * given contains-filters: the same rules as its Go source (empty, exact, prefix, substring).
 */
export function imageKeepsLine(line: string, contains: readonly string[]): boolean {
  if (line.length === 0) return false;
  if (IMAGE_DEFAULT_MATCH.includes(line)) return false;
  if (IMAGE_DEFAULT_STARTS_WITH.some((prefix) => line.startsWith(prefix))) return false;
  return !contains.some((text) => line.includes(text));
}

/** Bytes CloudWatch bills for these lines, as the image's syslog forwarding stores them (one event each). */
export function ingestedBytes(lines: readonly string[], prefix: string): number {
  let bytes = 0;
  for (const line of lines) {
    bytes += Buffer.byteLength(prefix + line, 'utf8') + CLOUDWATCH_EVENT_OVERHEAD_BYTES;
  }
  return bytes;
}
