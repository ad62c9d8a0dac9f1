import type {
  CloudWatchLogsClient,
  FilteredLogEvent,
  FilterLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { serverLogGroupName } from '../../config/names.js';
import { type CommandContext, shutdownSignal } from '../command-context.js';
import { awsFailure, CliError } from '../errors.js';
import type { Terminal } from '../io.js';
import { realSleep, type Sleep } from './start-stop.js';

export const DEFAULT_SINCE = '30m';
/** How often --follow asks for new lines. */
export const FOLLOW_INTERVAL_MS = 2000;

export interface LogsOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
  /** Keep printing new lines until interrupted. */
  readonly follow?: boolean;
  /** How far back to start, e.g. "10m", "2h", "1d". @default 30m */
  readonly since?: string;
}

export interface LogsDeps {
  readonly term: Terminal;
  /** @default - a CloudWatchLogsClient in the config's region */
  readonly logs?: (region: string) => CloudWatchLogsClient;
  /** @default setTimeout from node:timers/promises */
  readonly sleep?: Sleep;
  /** @default Date.now */
  readonly now?: () => number;
  /** Ends --follow (Ctrl-C). */
  readonly signal?: AbortSignal;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "45s", "10m", "2h", "1d", "1w" → milliseconds; a one-line error otherwise. */
export function parseSince(text: string): number {
  const match = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  const amount = Number(match?.[1]);
  const unit = UNIT_MS[match?.[2] ?? ''];
  if (!match || !unit || amount <= 0) {
    throw new CliError(
      `--since "${text}" is not a duration`,
      'use a number with s, m, h, d or w, e.g. 10m, 2h or 1d',
    );
  }
  return amount * unit;
}

/** "2026-11-23 20:00:00" in the config's time zone (the server's clock). */
export function timeFormatter(timeZone: string): (epochMs: number) => string {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  return (epochMs) => {
    const part = Object.fromEntries(format.formatToParts(new Date(epochMs)).map((p) => [p.type, p.value]));
    return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second}`;
  };
}

/** `valheim logs`: the game container's log lines since --since; with --follow, new ones as they come. */
export async function logs(options: LogsOptions, deps: LogsDeps): Promise<void> {
  const config = loadConfig(options.config);
  const sinceMs = parseSince(options.since ?? DEFAULT_SINCE);
  const region = config.region;
  const logGroupName = serverLogGroupName(config.stackName);
  // The SDK is loaded only when logs are read, to keep the other commands quick to start.
  const sdk = await import('@aws-sdk/client-cloudwatch-logs');
  const client = deps.logs?.(region) ?? new sdk.CloudWatchLogsClient({ region });
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const signal = deps.signal;
  const time = timeFormatter(config.timeZone);

  let cursor = now() - sinceMs;
  /** Events already printed at or after the cursor (they come again: startTime is inclusive). */
  const seen = new Map<string, number>();
  let printed = 0;

  const print = (event: FilteredLogEvent): void => {
    const id = event.eventId ?? `${event.logStreamName}/${event.timestamp}/${event.message}`;
    if (seen.has(id)) return;
    const timestamp = event.timestamp ?? cursor;
    seen.set(id, timestamp);
    cursor = Math.max(cursor, timestamp);
    printed++;
    deps.term.out(`${time(timestamp)}  ${(event.message ?? '').replace(/\s+$/, '')}`);
  };

  /** All pages from the cursor on; false when interrupted. */
  const fetchNew = async (): Promise<boolean> => {
    const startTime = cursor;
    let nextToken: string | undefined;
    do {
      let page: FilterLogEventsCommandOutput;
      try {
        page = await client.send(
          new sdk.FilterLogEventsCommand({ logGroupName, startTime, ...(nextToken && { nextToken }) }),
          signal ? { abortSignal: signal } : {},
        );
      } catch (error) {
        if (signal?.aborted) return false;
        if (error instanceof Error && error.name === 'ResourceNotFoundException') {
          // The stack creates the log group when it is deployed and deletes it with itself, so its absence
          // means no stack here — not a server that has not run yet (that is an empty log).
          throw new CliError(
            `the stack ${config.stackName} is not deployed in ${region} (no log group ${logGroupName}, which it creates)`,
            'run npm run deploy (or check stackName and region in the config)',
          );
        }
        throw awsFailure(error, {
          action: `read the server log (${logGroupName})`,
          permission: `logs:FilterLogEvents on ${logGroupName}`,
          region,
        });
      }
      for (const event of page.events ?? []) print(event);
      nextToken = page.nextToken;
    } while (nextToken);
    for (const [id, timestamp] of seen) if (timestamp < cursor) seen.delete(id);
    return true;
  };

  if (!(await fetchNew())) return;
  if (!options.follow) {
    if (printed === 0) {
      deps.term.err(
        `valheim: no log lines in the last ${options.since ?? DEFAULT_SINCE} (the server has not run since then; --since 1d looks further back)`,
      );
    }
    return;
  }
  deps.term.err(`Following ${logGroupName} (Ctrl-C to stop)…`);
  while (!signal?.aborted) {
    try {
      await sleep(FOLLOW_INTERVAL_MS, signal);
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
    if (!(await fetchNew())) return;
  }
}

/** `valheim logs`. */
export function logsCommand({
  deps,
  configOption,
}: CommandContext<LogsDeps & { readonly untilShutdown: () => Promise<string> }>): Command {
  return new Command('logs')
    .description("Print the game server's log (CloudWatch Logs); --follow for new lines as they come")
    .option('-f, --follow', 'keep printing new lines (every 2 s) until Ctrl-C')
    .option('--since <duration>', 'how far back to start: 45s, 10m, 2h, 1d, 1w', DEFAULT_SINCE)
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Reads the log group ${serverLogGroupName('<stackName>')}, kept for logRetentionDays (config). Times are in the
config's timeZone.

Examples:
  npx valheim logs --since 2h
  npx valheim logs --follow`,
    )
    .action(async (options: { follow?: boolean; since: string; config: string }) => {
      const signal = options.follow ? shutdownSignal(deps) : undefined;
      await logs({ ...options }, { ...deps, ...(signal && { signal }) });
    });
}
