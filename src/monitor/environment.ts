import * as z from 'zod/mini';
import { commaList } from '../config/comma-list.js';
import { nextWeeklyTime } from '../config/weekly-next.js';
import { parseWeeklyTime } from '../config/weekly-time.js';
import { fargatePrices, hourlyServerCost } from '../cost/prices.js';
import { FEED_KINDS, isFeedKind } from '../records/feed.js';
import { DEFAULT_LIFECYCLE } from './decide.js';
import type { MonitorSettings } from './monitor.js';

/** The monitor Lambda's settings, set by the stack from the config file. */
export interface MonitorEnvironment {
  readonly cluster: string;
  readonly service: string;
  readonly stateTable: string;
  readonly pollRuleName: string;
  readonly botTokenParameter: string;
  readonly noticeChannelId?: string;
  readonly dns?: { readonly hostedZoneId: string; readonly recordName: string };
  readonly discordApiUrl?: string;
  /** Task definition family of the world-transfer task, whose events are reported rather than tracked. */
  readonly transferFamily?: string;
  /** The monitor's own snapshots (session ends, long sessions); absent when not wired. */
  readonly snapshots?: MonitorSnapshotSettings;
  /**
   * Why the snapshots are off although some of their variables are set. Logged, never thrown: the idle stop
   * must keep working when only the snapshot settings are wrong.
   */
  readonly snapshotProblems?: readonly string[];
  /** The active world's parameters and the first world; absent on a stack from before worlds. */
  readonly worlds?: {
    readonly nameParameter: string;
    readonly argsParameter: string;
    readonly firstWorld: string;
  };
  readonly settings: MonitorSettings;
}

/** Where the snapshot task runs and how many automatic snapshots are kept. */
export interface MonitorSnapshotSettings {
  readonly taskDefinition: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly bucket: string;
  readonly worldName: string;
  readonly keepCount: number;
  readonly keepDays: number;
}

const flag = z.optional(z.enum(['true', 'false']));
const count = z.optional(z.string().check(z.regex(/^\d{1,5}$/)));
const schema = z.object({
  ECS_CLUSTER: z.string().check(z.minLength(1)),
  ECS_SERVICE: z.string().check(z.minLength(1)),
  STATE_TABLE: z.string().check(z.minLength(1)),
  POLL_RULE_NAME: z.string().check(z.minLength(1)),
  BOT_TOKEN_PARAMETER: z.string().check(z.minLength(1)),
  NOTICE_CHANNEL_ID: z.optional(z.string().check(z.regex(/^(\d{17,20})?$/))),
  DNS_HOSTED_ZONE_ID: z.optional(z.string()),
  DNS_RECORD_NAME: z.optional(z.string()),
  DISCORD_API_URL: z.optional(z.string()),
  TRANSFER_FAMILY: z.optional(z.string()),
  SERVER_PUBLIC: flag,
  CROSSPLAY: flag,
  IDLE_STOP_MINUTES: count,
  EMPTY_STOP_MINUTES: count,
  WARN_BEFORE_MINUTES: count,
  SLOW_START_MINUTES: count,
  UNKNOWN_LIMIT_MINUTES: count,
  MAX_SESSION_HOURS: count,
  KEEP_RUNNING_HOURS: count,
  TASK_CPU: count,
  TASK_MEMORY_MIB: count,
  TASK_SPOT: flag,
  SNAPSHOT_EVERY_HOURS: count,
  SNAPSHOT_KEEP_COUNT: count,
  SNAPSHOT_KEEP_DAYS: count,
  COST_MONTHLY_LIMIT: z.optional(z.string().check(z.regex(/^\d+(\.\d+)?$/))),
  COST_FIXED_MONTHLY: z.optional(z.string().check(z.regex(/^\d+(\.\d+)?$/))),
  FEED_KINDS: z.optional(z.string().check(z.regex(new RegExp(`^((${FEED_KINDS.join('|')})(,|$))*$`)))),
  STATUS_BOARD: z.optional(z.enum(['on', 'off'])),
  WORLD_NAME: z.optional(z.string()),
  /** The scheduled openings (schedule.start, `;`-separated weekly times) and the group's time zone. */
  SCHEDULE_START: z.optional(z.string()),
  TIME_ZONE: z.optional(z.string()),
  WORLD_NAME_PARAMETER: z.optional(z.string().check(z.regex(/^\/[A-Za-z0-9_./-]{1,1010}$/))),
  WORLD_ARGS_PARAMETER: z.optional(z.string().check(z.regex(/^\/[A-Za-z0-9_./-]{1,1010}$/))),
  AWS_REGION: z.optional(z.string()),
});

export function readMonitorEnvironment(env: NodeJS.ProcessEnv): MonitorEnvironment {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
    throw new Error(
      `monitor misconfigured: ${names.map((n) => `${n} is ${env[n] ? 'invalid' : 'not set'}`).join('; ')}`,
    );
  }
  const e = parsed.data;
  const number = (value: string | undefined, fallback: number) =>
    value === undefined ? fallback : Number(value);
  const crossplay = e.CROSSPLAY === 'true';
  const lifecycle = {
    idleStopMinutes: number(e.IDLE_STOP_MINUTES, DEFAULT_LIFECYCLE.idleStopMinutes),
    emptyStopMinutes: number(e.EMPTY_STOP_MINUTES, DEFAULT_LIFECYCLE.emptyStopMinutes),
    warnBeforeMinutes: number(e.WARN_BEFORE_MINUTES, DEFAULT_LIFECYCLE.warnBeforeMinutes),
    slowStartMinutes: number(e.SLOW_START_MINUTES, DEFAULT_LIFECYCLE.slowStartMinutes),
    unknownLimitMinutes: number(e.UNKNOWN_LIMIT_MINUTES, DEFAULT_LIFECYCLE.unknownLimitMinutes),
    maxSessionHours: number(e.MAX_SESSION_HOURS, DEFAULT_LIFECYCLE.maxSessionHours),
    keepRunningHours: number(e.KEEP_RUNNING_HOURS, DEFAULT_LIFECYCLE.keepRunningHours),
    snapshotEveryHours: number(e.SNAPSHOT_EVERY_HOURS, 0),
  };
  const task = {
    cpu: number(e.TASK_CPU, 2048),
    memoryMiB: number(e.TASK_MEMORY_MIB, 8192),
    spot: e.TASK_SPOT === 'true',
  };
  const region = e.AWS_REGION ?? 'us-east-1';
  const feedKinds = commaList(e.FEED_KINDS).filter(isFeedKind);
  const openings = (e.SCHEDULE_START ?? '')
    .split(';')
    .map((text) => parseWeeklyTime(text))
    .filter((time) => time !== undefined);
  const snapshotSettings = readSnapshotSettings(env);
  const snapshots =
    snapshotSettings.settings && e.TRANSFER_FAMILY
      ? {
          taskDefinition: e.TRANSFER_FAMILY,
          ...snapshotSettings.settings,
          keepCount: number(e.SNAPSHOT_KEEP_COUNT, 20),
          keepDays: number(e.SNAPSHOT_KEEP_DAYS, 60),
        }
      : undefined;
  const dns =
    e.DNS_HOSTED_ZONE_ID && e.DNS_RECORD_NAME
      ? { hostedZoneId: e.DNS_HOSTED_ZONE_ID, recordName: e.DNS_RECORD_NAME }
      : undefined;
  const firstWorld = env.WORLD_NAME ?? '';
  const worlds =
    e.WORLD_NAME_PARAMETER && e.WORLD_ARGS_PARAMETER && SNAPSHOT_VARIABLES.WORLD_NAME.test(firstWorld)
      ? { nameParameter: e.WORLD_NAME_PARAMETER, argsParameter: e.WORLD_ARGS_PARAMETER, firstWorld }
      : undefined;
  return {
    cluster: e.ECS_CLUSTER,
    service: e.ECS_SERVICE,
    stateTable: e.STATE_TABLE,
    pollRuleName: e.POLL_RULE_NAME,
    botTokenParameter: e.BOT_TOKEN_PARAMETER,
    ...(e.NOTICE_CHANNEL_ID && { noticeChannelId: e.NOTICE_CHANNEL_ID }),
    ...(dns && { dns }),
    ...(e.DISCORD_API_URL && { discordApiUrl: e.DISCORD_API_URL }),
    ...(e.TRANSFER_FAMILY && { transferFamily: e.TRANSFER_FAMILY }),
    ...(snapshots && { snapshots }),
    ...(worlds && { worlds }),
    ...(snapshotSettings.problems.length > 0 && { snapshotProblems: snapshotSettings.problems }),
    settings: {
      ...(e.COST_FIXED_MONTHLY && { summary: { fixedMonthly: Number(e.COST_FIXED_MONTHLY), region } }),
      ...(e.COST_MONTHLY_LIMIT && {
        budget: {
          monthlyLimitUsd: Number(e.COST_MONTHLY_LIMIT),
          fixedMonthly: Number(e.COST_FIXED_MONTHLY ?? 0),
          region,
        },
      }),
      public: e.SERVER_PUBLIC !== 'false',
      crossplay,
      ...(feedKinds.length > 0 && { feed: { kinds: feedKinds } }),
      ...(e.STATUS_BOARD === 'on' && {
        board: {
          ...(e.WORLD_NAME && { worldName: e.WORLD_NAME }),
          ...(openings.length > 0 && {
            nextOpening: (now: number) => nextWeeklyTime(openings, e.TIME_ZONE ?? 'UTC', now),
          }),
        },
      }),
      lifecycle,
      task,
      notices: {
        crossplay,
        hourlyCost: hourlyServerCost(task, fargatePrices(region).fargate).total,
        idleStopMinutes: lifecycle.idleStopMinutes,
        emptyStopMinutes: lifecycle.emptyStopMinutes,
        unknownLimitMinutes: lifecycle.unknownLimitMinutes,
        maxSessionHours: lifecycle.maxSessionHours,
        ...(dns && { hostName: dns.recordName.replace(/\.$/, '') }),
      },
    },
  };
}

/** The variables of the monitor's snapshots: all set (the stack sets them together), none, or problems. */
const SNAPSHOT_VARIABLES = {
  TRANSFER_SUBNETS: /^subnet-[0-9a-f]{8,17}(,subnet-[0-9a-f]{8,17})*$/,
  TRANSFER_SECURITY_GROUPS: /^sg-[0-9a-f]{8,17}(,sg-[0-9a-f]{8,17})*$/,
  WORLD_BUCKET: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  WORLD_NAME: /^[A-Za-z0-9_-]{1,64}$/,
} as const;

function readSnapshotSettings(env: NodeJS.ProcessEnv): {
  settings?: Omit<MonitorSnapshotSettings, 'taskDefinition' | 'keepCount' | 'keepDays'>;
  problems: string[];
} {
  const names = Object.keys(SNAPSHOT_VARIABLES) as Array<keyof typeof SNAPSHOT_VARIABLES>;
  if (names.every((name) => !env[name])) return { problems: [] };
  const problems = names
    .filter((name) => !SNAPSHOT_VARIABLES[name].test(env[name] ?? ''))
    .map((name) => `${name} is ${env[name] ? 'invalid' : 'not set'}: automatic world snapshots are off`);
  if (problems.length > 0) return { problems };
  return {
    settings: {
      subnets: commaList(env.TRANSFER_SUBNETS),
      securityGroups: commaList(env.TRANSFER_SECURITY_GROUPS),
      bucket: env.WORLD_BUCKET ?? '',
      worldName: env.WORLD_NAME ?? '',
    },
    problems: [],
  };
}
