import * as z from 'zod/mini';
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
  readonly settings: MonitorSettings;
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
  };
  const dns =
    e.DNS_HOSTED_ZONE_ID && e.DNS_RECORD_NAME
      ? { hostedZoneId: e.DNS_HOSTED_ZONE_ID, recordName: e.DNS_RECORD_NAME }
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
    settings: {
      public: e.SERVER_PUBLIC !== 'false',
      crossplay,
      lifecycle,
      task: {
        cpu: number(e.TASK_CPU, 2048),
        memoryMiB: number(e.TASK_MEMORY_MIB, 8192),
        spot: e.TASK_SPOT === 'true',
      },
      notices: {
        crossplay,
        idleStopMinutes: lifecycle.idleStopMinutes,
        emptyStopMinutes: lifecycle.emptyStopMinutes,
        unknownLimitMinutes: lifecycle.unknownLimitMinutes,
        maxSessionHours: lifecycle.maxSessionHours,
        ...(dns && { hostName: dns.recordName.replace(/\.$/, '') }),
      },
    },
  };
}
