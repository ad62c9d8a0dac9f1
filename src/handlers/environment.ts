import * as z from 'zod/mini';
import { commaList } from '../config/comma-list.js';
import { parseWeeklyTime, type WeeklyTime } from '../config/weekly-time.js';
import { DEFAULT_LIFECYCLE } from '../monitor/decide.js';
import { FEED_KINDS, type FeedKind, isFeedKind } from '../records/feed.js';
import { type DecodedModList, decodeModList, MODS_LIST_VARIABLE } from '../records/mod-list.js';

/**
 * The interactions endpoint's settings, read from environment variables by both the Lambda and
 * `valheim serve`. Only the public key is needed to answer Discord at all; the rest is needed for commands,
 * so a missing ECS name becomes a readable reply rather than a broken endpoint.
 */
export interface InteractionsEnvironment {
  readonly publicKeyHex: string;
  /** Present when every command setting is valid; otherwise `problems` says what is wrong. */
  readonly commands?: CommandSettings;
  readonly problems: readonly string[];
}

export interface CommandSettings {
  readonly guildId: string;
  readonly cluster: string;
  readonly service: string;
  readonly operatorRoleIds: readonly string[];
  readonly budgetMs: number;
  /** DynamoDB table shared with the monitor; without it commands work from ECS alone. */
  readonly stateTable?: string;
  /** SSM parameter with the server password, for /valheim password. */
  readonly passwordParameter?: string;
  readonly passwordVisibleTo: 'members' | 'operators';
  readonly idleStopMinutes: number;
  readonly emptyStopMinutes: number;
  /** For /valheim cost: the always-on items per month (estimated at synth) and the cost tag for Cost Explorer. */
  readonly costFixedMonthly?: number;
  readonly costTag?: { readonly key: string; readonly value: string };
  /** The budget guard's monthly limit (USD): /valheim start is refused past it. */
  readonly costMonthlyLimit?: number;
  /** For /valheim backup (and the start check): the world-transfer task; absent when not set up. */
  readonly worldTransfer?: WorldTransferSettings;
  /** Why /valheim backup is off although some of its variables are set (one line per variable). */
  readonly worldTransferProblems?: readonly string[];
  /** The game branch parameter, for /valheim game branch and the Roll back… button; absent on older stacks. */
  readonly gameBranchParameter?: string;
  /** The scheduled openings (schedule.start) and the group's time zone, for `/valheim schedule`. */
  readonly schedule?: { readonly start: readonly WeeklyTime[]; readonly timeZone: string };
  /** The activity feed's kinds (feed.kinds in the config), for `/valheim feed`. */
  readonly feedKinds?: readonly FeedKind[];
  /** The server log's subscription filter, which `/valheim feed` narrows to the kinds not muted. */
  readonly logFilter?: LogFilterTarget;
  /** For /valheim world …: where the active world is kept; absent on a stack from before worlds. */
  readonly worlds?: WorldsSettings;
  /** What /valheim mods lists (MODS_LIST); absent for a vanilla server. */
  readonly mods?: DecodedModList;
  /** The configured world (WORLD_NAME), for its own mod list. */
  readonly worldName?: string;
  /** For /valheim access: the prefix of the lists' parameters (`/<prefix>/players/…`); absent on older stacks. */
  readonly playerListsPrefix?: string;
}

/** From WORLD_NAME_PARAMETER, WORLD_ARGS_PARAMETER, WORLD_NAME (the first world) and WORLD_IDLE_USD_PER_GB. */
export interface WorldsSettings {
  readonly nameParameter: string;
  readonly argsParameter: string;
  /** server.world: the stack's first world (owner of ledger rows without a world). */
  readonly firstWorld: string;
  /** What a world costs a month per GB while nobody plays (estimated at synth). */
  readonly idleUsdPerGb?: number;
}

/** What PutSubscriptionFilter needs to replace the filter the stack made. */
export interface LogFilterTarget {
  readonly logGroupName: string;
  readonly filterName: string;
  readonly destinationArn: string;
}

/** How to run the world-transfer task in snapshot mode, from the TRANSFER_* and WORLD_* variables. */
export interface WorldTransferSettings {
  /** Task definition family (latest ACTIVE revision), `family:revision` or ARN. */
  readonly taskDefinition: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly bucket: string;
  readonly worldName: string;
}

/** Time allowed for AWS calls before answering anyway: Discord's 3 s minus network and start-up. */
export const DEFAULT_BUDGET_MS = 2000;
/**
 * COMMAND_BUDGET_MS bounds. The largest keeps the 3 s deadline: budget + recording the interaction id
 * (CLAIM_BUDGET_MS, 400 ms) + a cold start and the network (~600 ms).
 */
export const MIN_BUDGET_MS = 300;
export const MAX_BUDGET_MS = 2000;

const snowflake = z.string().check(z.regex(/^\d{17,20}$/));
const commandSchema = z.object({
  DISCORD_GUILD_ID: snowflake,
  ECS_CLUSTER: z.string().check(z.minLength(1)),
  ECS_SERVICE: z.string().check(z.minLength(1)),
  OPERATOR_ROLE_IDS: z.optional(z.string().check(z.regex(/^(\d{17,20}(,\d{17,20})*)?$/))),
  COMMAND_BUDGET_MS: z.optional(
    z.string().check(
      z.regex(/^\d{3,4}$/),
      z.refine((ms) => Number(ms) >= MIN_BUDGET_MS && Number(ms) <= MAX_BUDGET_MS),
    ),
  ),
  STATE_TABLE: z.optional(z.string()),
  SERVER_PASSWORD_PARAMETER: z.optional(z.string()),
  PASSWORD_VISIBLE_TO: z.optional(z.enum(['members', 'operators'])),
  IDLE_STOP_MINUTES: z.optional(z.string().check(z.regex(/^\d{1,5}$/))),
  EMPTY_STOP_MINUTES: z.optional(z.string().check(z.regex(/^\d{1,5}$/))),
  COST_FIXED_MONTHLY: z.optional(z.string().check(z.regex(/^\d+(\.\d+)?$/))),
  COST_EXPLORER_TAG: z.optional(z.string().check(z.regex(/^[^=]+=.+$/))),
  COST_MONTHLY_LIMIT: z.optional(z.string().check(z.regex(/^\d+(\.\d+)?$/))),
  GAME_BRANCH_PARAMETER: z.optional(z.string().check(z.regex(/^\/[A-Za-z0-9_./-]{1,1010}$/))),
  FEED_KINDS: z.optional(z.string().check(z.regex(new RegExp(`^((${FEED_KINDS.join('|')})(,|$))*$`)))),
  PLAYER_LISTS_PREFIX: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,200}$/))),
  SCHEDULE_START: z.optional(
    z
      .string()
      .check(z.refine((text) => text.split(';').every((time) => parseWeeklyTime(time) !== undefined))),
  ),
  TIME_ZONE: z.optional(z.string().check(z.minLength(1))),
  LOG_GROUP_NAME: z.optional(z.string().check(z.minLength(1))),
  LOG_FILTER_NAME: z.optional(z.string().check(z.minLength(1))),
  LOG_DESTINATION_ARN: z.optional(z.string().check(z.minLength(1))),
});

/** The worlds' variables: all valid, or /valheim world … is off (the other commands work either way). */
const worldsSchema = z.object({
  WORLD_NAME_PARAMETER: z.string().check(z.regex(/^\/[A-Za-z0-9_./-]{1,1010}$/)),
  WORLD_ARGS_PARAMETER: z.string().check(z.regex(/^\/[A-Za-z0-9_./-]{1,1010}$/)),
  WORLD_NAME: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  WORLD_IDLE_USD_PER_GB: z.optional(z.string().check(z.regex(/^\d+(\.\d+)?$/))),
});

/** All set: backups from Discord on. None set: off (an older stack). Some: a problem per missing one. */
const TRANSFER_VARIABLES = [
  'TRANSFER_TASK_DEFINITION',
  'TRANSFER_SUBNETS',
  'TRANSFER_SECURITY_GROUPS',
  'WORLD_BUCKET',
  'WORLD_NAME',
] as const;

const commaListOf = (item: string) =>
  z.string().check(z.regex(new RegExp(`^\\s*${item}\\s*(,\\s*${item}\\s*)*$`)));
const transferSchema = z.object({
  TRANSFER_TASK_DEFINITION: z
    .string()
    .check(z.regex(/^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/)?[A-Za-z0-9_-]{1,255}(:\d+)?$/)),
  TRANSFER_SUBNETS: commaListOf('subnet-[0-9a-f]{8,17}'),
  TRANSFER_SECURITY_GROUPS: commaListOf('sg-[0-9a-f]{8,17}'),
  WORLD_BUCKET: z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/)),
  WORLD_NAME: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/)),
});

const HINTS: Record<string, string> = {
  DISCORD_GUILD_ID: 'the Discord server ID (17–20 digits)',
  ECS_CLUSTER: 'the ECS cluster name (stack output ClusterName)',
  ECS_SERVICE: 'the ECS service name (stack output ServiceName)',
  OPERATOR_ROLE_IDS: 'comma-separated role IDs, or empty',
  COMMAND_BUDGET_MS: `milliseconds from ${MIN_BUDGET_MS} to ${MAX_BUDGET_MS} (Discord wants an answer within 3 s)`,
  PASSWORD_VISIBLE_TO: '"members" or "operators"',
  IDLE_STOP_MINUTES: 'whole minutes',
  EMPTY_STOP_MINUTES: 'whole minutes',
  COST_FIXED_MONTHLY: 'US dollars, e.g. 0.80',
  COST_EXPLORER_TAG: 'key=value, e.g. project=valheim-ondemand',
  COST_MONTHLY_LIMIT: 'US dollars a month, e.g. 5',
  GAME_BRANCH_PARAMETER: 'the SSM parameter of the game branch, e.g. /valheim-ondemand/game/branch',
  FEED_KINDS: `comma-separated kinds of ${FEED_KINDS.join(', ')}`,
  PLAYER_LISTS_PREFIX: 'the stack name, e.g. valheim-ondemand (the lists are /<it>/players/…)',
  SCHEDULE_START: 'weekly times separated by ";", e.g. Fri 19:00;Sat 18:00',
  TIME_ZONE: 'an IANA time zone, e.g. Europe/Berlin',
  LOG_GROUP_NAME: 'the game server log group name',
  LOG_FILTER_NAME: 'the name of its subscription filter',
  LOG_DESTINATION_ARN: 'the ARN of the server log Lambda',
  WORLD_NAME_PARAMETER: 'the SSM parameter of the active world, e.g. /valheim-ondemand/world/name',
  WORLD_ARGS_PARAMETER:
    "the SSM parameter of the active world's arguments, e.g. /valheim-ondemand/world/args",
  WORLD_IDLE_USD_PER_GB: 'US dollars a month per GB, e.g. 0.175',
  TRANSFER_TASK_DEFINITION: 'the world-transfer task definition family, e.g. valheim-ondemand-world-transfer',
  TRANSFER_SUBNETS:
    'comma-separated subnet IDs, e.g. subnet-0123456789abcdef0 (stack output TransferSubnets)',
  TRANSFER_SECURITY_GROUPS:
    'comma-separated security group IDs, e.g. sg-0123456789abcdef0 (stack output TransferSecurityGroup)',
  WORLD_BUCKET: 'the world bucket name (stack output WorldBucket)',
  WORLD_NAME: 'the world name: letters, digits, "_" or "-"',
};

export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

export function readInteractionsEnvironment(env: NodeJS.ProcessEnv): InteractionsEnvironment {
  const publicKeyHex = env.DISCORD_PUBLIC_KEY?.trim() ?? '';
  if (!/^[0-9a-fA-F]{64}$/.test(publicKeyHex)) {
    throw new EnvironmentError(
      publicKeyHex
        ? 'DISCORD_PUBLIC_KEY must be 64 hex characters (Developer Portal → General Information → Public Key)'
        : 'DISCORD_PUBLIC_KEY is not set; set it to the application public key from the Discord Developer Portal',
    );
  }
  const parsed = commandSchema.safeParse(env);
  if (!parsed.success) {
    return { publicKeyHex, problems: problemLines(parsed.error.issues, env) };
  }
  const settings = parsed.data;
  const transfer = readWorldTransfer(env);
  // A list that does not read is no reason to refuse the other commands: /valheim mods then says "vanilla".
  const mods = decodeModList(env[MODS_LIST_VARIABLE]);
  return {
    publicKeyHex,
    problems: [],
    commands: {
      guildId: settings.DISCORD_GUILD_ID,
      cluster: settings.ECS_CLUSTER,
      service: settings.ECS_SERVICE,
      operatorRoleIds: settings.OPERATOR_ROLE_IDS ? settings.OPERATOR_ROLE_IDS.split(',') : [],
      budgetMs: settings.COMMAND_BUDGET_MS ? Number(settings.COMMAND_BUDGET_MS) : DEFAULT_BUDGET_MS,
      ...(settings.STATE_TABLE && { stateTable: settings.STATE_TABLE }),
      ...(settings.SERVER_PASSWORD_PARAMETER && { passwordParameter: settings.SERVER_PASSWORD_PARAMETER }),
      passwordVisibleTo: settings.PASSWORD_VISIBLE_TO ?? 'members',
      idleStopMinutes: settings.IDLE_STOP_MINUTES
        ? Number(settings.IDLE_STOP_MINUTES)
        : DEFAULT_LIFECYCLE.idleStopMinutes,
      emptyStopMinutes: settings.EMPTY_STOP_MINUTES
        ? Number(settings.EMPTY_STOP_MINUTES)
        : DEFAULT_LIFECYCLE.emptyStopMinutes,
      ...(settings.COST_FIXED_MONTHLY && { costFixedMonthly: Number(settings.COST_FIXED_MONTHLY) }),
      ...(settings.COST_EXPLORER_TAG && { costTag: splitTag(settings.COST_EXPLORER_TAG) }),
      ...(settings.COST_MONTHLY_LIMIT && { costMonthlyLimit: Number(settings.COST_MONTHLY_LIMIT) }),
      ...(settings.PLAYER_LISTS_PREFIX && { playerListsPrefix: settings.PLAYER_LISTS_PREFIX }),
      ...(settings.GAME_BRANCH_PARAMETER && { gameBranchParameter: settings.GAME_BRANCH_PARAMETER }),
      ...(settings.FEED_KINDS && { feedKinds: commaList(settings.FEED_KINDS).filter(isFeedKind) }),
      ...(settings.SCHEDULE_START && {
        schedule: {
          start: settings.SCHEDULE_START.split(';').flatMap((time) => parseWeeklyTime(time) ?? []),
          timeZone: settings.TIME_ZONE ?? 'UTC',
        },
      }),
      ...(settings.LOG_GROUP_NAME &&
        settings.LOG_FILTER_NAME &&
        settings.LOG_DESTINATION_ARN && {
          logFilter: {
            logGroupName: settings.LOG_GROUP_NAME,
            filterName: settings.LOG_FILTER_NAME,
            destinationArn: settings.LOG_DESTINATION_ARN,
          },
        }),
      ...transfer,
      ...readWorlds(env),
      ...(mods && { mods }),
      ...(env.WORLD_NAME?.trim() && { worldName: env.WORLD_NAME.trim() }),
    },
  };
}

/** One line per variable that is missing or invalid, naming it and what it should be. */
function problemLines(
  issues: ReadonlyArray<{ readonly path: readonly PropertyKey[] }>,
  env: NodeJS.ProcessEnv,
) {
  const names = [...new Set(issues.map((issue) => String(issue.path[0])))];
  return names.map(
    (name) => `${name} is ${env[name] ? 'invalid' : 'not set'}: expected ${HINTS[name] ?? 'a value'}`,
  );
}

/**
 * The world-transfer settings. They only switch /valheim backup on or off: a problem with them leaves the
 * other commands working and is reported by /valheim backup.
 */
function readWorldTransfer(
  env: NodeJS.ProcessEnv,
): Pick<CommandSettings, 'worldTransfer' | 'worldTransferProblems'> {
  if (TRANSFER_VARIABLES.every((name) => !env[name]?.trim())) return {};
  const parsed = transferSchema.safeParse(env);
  if (!parsed.success) return { worldTransferProblems: problemLines(parsed.error.issues, env) };
  const e = parsed.data;
  return {
    worldTransfer: {
      taskDefinition: e.TRANSFER_TASK_DEFINITION,
      subnets: commaList(e.TRANSFER_SUBNETS),
      securityGroups: commaList(e.TRANSFER_SECURITY_GROUPS),
      bucket: e.WORLD_BUCKET,
      worldName: e.WORLD_NAME,
    },
  };
}

/** The worlds' settings, when the stack passes them all (a stack from before worlds passes none). */
function readWorlds(env: NodeJS.ProcessEnv): Pick<CommandSettings, 'worlds'> {
  const parsed = worldsSchema.safeParse(env);
  if (!parsed.success) return {};
  const e = parsed.data;
  return {
    worlds: {
      nameParameter: e.WORLD_NAME_PARAMETER,
      argsParameter: e.WORLD_ARGS_PARAMETER,
      firstWorld: e.WORLD_NAME,
      ...(e.WORLD_IDLE_USD_PER_GB && { idleUsdPerGb: Number(e.WORLD_IDLE_USD_PER_GB) }),
    },
  };
}

function splitTag(text: string): { key: string; value: string } {
  const at = text.indexOf('=');
  return { key: text.slice(0, at), value: text.slice(at + 1) };
}
