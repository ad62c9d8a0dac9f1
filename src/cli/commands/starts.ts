import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Command, Option } from 'commander';
import { sdkDocuments } from '../../aws/sdk-dynamodb.js';
import { loadConfig } from '../../config/load.js';
import { formatBytes, formatDuration, medianMs } from '../../monitor/start-phases.js';
import type { SessionRecord } from '../../records/session.js';
import { START_PHASES } from '../../records/session.js';
import type { CommandContext } from '../command-context.js';
import { CliError } from '../errors.js';
import type { Terminal } from '../io.js';

/** Environment variable naming the state table (the stack output StateTable); else it is looked up. */
export const STATE_TABLE_ENV = 'VALHEIM_STATE_TABLE';
export const DEFAULT_STARTS = 10;
/** How far back the ledger is read. */
const LOOKBACK_DAYS = 365;

export interface StartsOptions {
  readonly config: string;
  /** How many recent starts to list. @default 10 */
  readonly last?: string | number;
  readonly json?: boolean;
}

export interface StartsDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly term: Terminal;
  /** @default - a DynamoDBClient in the config's region (loaded only by this command) */
  readonly dynamodb?: (region: string) => DynamoDBClient;
  readonly now?: () => number;
}

/**
 * The stack's state table: from VALHEIM_STATE_TABLE, else the one table whose CloudFormation-generated name
 * starts with `<stack>-State` (ListTables, so the CLI needs no CloudFormation client).
 */
export async function findStateTable(
  client: DynamoDBClient,
  stackName: string,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const fromEnv = env[STATE_TABLE_ENV]?.trim();
  if (fromEnv) return fromEnv;
  const { ListTablesCommand } = await import('@aws-sdk/client-dynamodb');
  const names: string[] = [];
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    names.push(...(page.TableNames ?? []));
    start = page.LastEvaluatedTableName;
  } while (start);
  const matches = names.filter((name) => name.startsWith(`${stackName}-State`));
  if (matches.length === 1 && matches[0]) return matches[0];
  throw new CliError(
    matches.length === 0
      ? `no state table of stack "${stackName}" was found`
      : `several tables could be the state table of stack "${stackName}": ${matches.join(', ')}`,
    `set ${STATE_TABLE_ENV} to the stack output StateTable (or deploy the stack first: npm run deploy)`,
  );
}

/**
 * One line per start: when, total, time per phase, cache and download; and the world it ran once the ledger
 * names worlds (rows from before: `firstWorld`, server.world). A world's size shows in its loading time.
 */
export function startLines(sessions: readonly SessionRecord[], firstWorld = '–'): string[] {
  const timed = sessions.filter((session) => session.start);
  if (timed.length === 0)
    return ['No timed starts in the ledger yet (they are recorded from this version on).'];
  const worlds = timed.some((session) => session.world !== undefined);
  const header = [
    'started (UTC)',
    ...(worlds ? ['world'] : []),
    'total',
    ...START_PHASES,
    'cache',
    'download',
  ];
  const rows = timed.map((session) => {
    const start = session.start as NonNullable<SessionRecord['start']>;
    return [
      session.sessionId.slice(0, 16).replace('T', ' '),
      ...(worlds ? [session.world ?? firstWorld] : []),
      formatDuration(start.totalMs),
      ...START_PHASES.map((phase) =>
        start.phases[phase] === undefined ? '–' : formatDuration(start.phases[phase] ?? 0),
      ),
      start.cache ?? '–',
      start.downloadBytes === undefined ? '–' : formatBytes(start.downloadBytes),
    ];
  });
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const format = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const median = medianMs(timed.map((session) => session.start?.totalMs ?? 0)) ?? 0;
  return [format(header), ...rows.map(format), `median of these ${timed.length}: ${formatDuration(median)}`];
}

/** `valheim starts`: recent starts from the ledger, with the time each phase took. */
export async function starts(options: StartsOptions, deps: StartsDeps): Promise<void> {
  const last = Number(options.last ?? DEFAULT_STARTS);
  if (!Number.isInteger(last) || last < 1 || last > 1000) {
    throw new CliError(`--last "${options.last}" is not a whole number from 1 to 1000`, 'e.g. --last 20');
  }
  const config = loadConfig(options.config);
  const client =
    deps.dynamodb?.(config.region) ??
    new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient({ region: config.region });
  const table = await findStateTable(client, config.stackName, deps.env);
  const now = (deps.now ?? Date.now)();
  const { StateStore } = await import('../../monitor/state-store.js');
  const sessions = await new StateStore(sdkDocuments(client), table).sessions(
    new Date(now - LOOKBACK_DAYS * 86_400_000),
    new Date(now),
  );
  const recent = sessions.filter((session) => session.start).slice(-last);
  if (options.json) {
    deps.term.out(
      JSON.stringify(
        recent.map(({ sessionId, start, world }) => ({
          sessionId,
          world: world ?? config.server.world,
          ...start,
        })),
      ),
    );
    return;
  }
  for (const line of startLines(recent, config.server.world)) deps.term.out(line);
}

/** Adds `valheim starts` to the program. */
/** `valheim starts`. */
export function startsCommand({ deps, configOption }: CommandContext<StartsDeps>): Command {
  return new Command('starts')
    .description('List recent server starts and how long each phase took')
    .addOption(new Option('--last <n>', 'how many starts').default(String(DEFAULT_STARTS)))
    .option('--json', 'print one JSON array')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Reads the ledger in the bot's state table (found by the stack name, or ${STATE_TABLE_ENV}). Phases:
placing the task, pulling the image, restoring the game files (install cache), updating the game
(steamcmd), loading the world. See docs/start-time.md.

Examples:
  npx valheim starts
  npx valheim starts --last 30 --json`,
    )
    .action(async (options: StartsOptions) => {
      await starts(options, deps);
    });
}
