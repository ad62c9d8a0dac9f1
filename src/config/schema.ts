import { z } from 'zod';
import { FEED_KINDS } from '../records/feed.js';
import { BRANCH_PATTERN, PUBLIC_BRANCH } from '../records/game.js';
import { REF_HINT, tryParseRef } from '../records/mod-package.js';
import { AWS_REGIONS, isAwsRegion } from './regions.js';
import { parseWeeklyTime, WEEKLY_TIME_HINT } from './weekly-time.js';

/**
 * Everything a user chooses about their server, in one validated file (valheim.config.json).
 * No secret lives here: the bot token and the server password are SecureString parameters in SSM.
 */

const discordId = (what: string) =>
  z
    .string()
    .regex(
      /^\d{17,20}$/,
      `must be a Discord ${what} ID of 17 to 20 digits (turn on Developer Mode in Discord, then right-click → Copy ID)`,
    );

const steamId = z
  .string()
  .regex(
    /^7656119\d{10}$/,
    'must be a 17-digit SteamID64 starting with 7656119 (see your Steam profile URL)',
  );

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Valid Fargate memory sizes (MiB) for each CPU size (units), from the Fargate task-size table. */
const FARGATE_MEMORY: Record<number, { min: number; max: number; step: number }> = {
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

/** Arguments this project sets from dedicated fields; setting them twice confuses the server. */
const MANAGED_SERVER_ARGS: Record<string, string> = {
  '-name': 'server.name',
  '-world': 'server.world',
  '-password': 'valheim secrets set',
  '-port': 'the fixed game port 2456',
  '-public': 'server.public',
  '-crossplay': 'server.crossplay',
};

const weeklyTime = z.string().refine((text) => parseWeeklyTime(text) !== undefined, {
  message: `is not a weekly time: ${WEEKLY_TIME_HINT}`,
});

const timeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'is not an IANA time zone; use a name such as "Europe/Berlin" or "America/New_York"' },
);

export const serverSchema = z.strictObject({
  /** Name shown in the server browser. */
  name: z
    .string()
    .trim()
    .min(3, 'must have at least 3 characters')
    .max(64, 'must have at most 64 characters'),
  /** World file name on the server (Valheim's -world). */
  world: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{1,64}$/,
      'must be 1 to 64 letters, digits, "_" or "-" (it is the world file name)',
    ),
  /** List the server in the community server browser. */
  public: z.boolean().default(true),
  /** Let Xbox/Game Pass players join (needs the join code; players are then counted from the server log). */
  crossplay: z.boolean().default(false),
  /** Extra arguments for the server, e.g. "-preset casual" or "-modifier raids none". */
  extraArgs: z
    .string()
    .default('')
    .superRefine((args, ctx) => {
      for (const word of args.split(/\s+/)) {
        const field = MANAGED_SERVER_ARGS[word.toLowerCase()];
        if (field)
          ctx.addIssue({ code: 'custom', message: `must not contain ${word}: set it with ${field}` });
      }
    }),
  /** SteamID64s of in-game admins. */
  adminSteamIds: z.array(steamId).default([]),
  /**
   * The Steam branch of the dedicated server a new stack starts with ("public", "default_old",
   * "public-test", …). Later changes go through `valheim game branch` or `/valheim game branch` (no deploy);
   * a deploy never changes the branch of an existing stack.
   */
  gameBranch: z
    .string()
    .trim()
    .toLowerCase()
    .regex(
      BRANCH_PATTERN,
      'must be a Steam branch name of lower-case letters, digits, "_" and "-", e.g. "public", "default_old" or "public-test"',
    )
    .default(PUBLIC_BRANCH),
  /**
   * Release of ghcr.io/community-valheim-tools/valheim-server (1.2.0 or later), that release pinned to its
   * digest ("1.2.0@sha256:…", recommended: a re-pushed tag cannot change what runs), or a bare digest.
   */
  imageTag: z
    .string()
    .default('1.2.0')
    .superRefine((tag, ctx) => {
      // The image is built from git tags v1.2.0 …, but published as 1.2.0 …: there is no "v1.2.0" image.
      if (/^v\d+\.\d+\.\d+(@|$)/.test(tag))
        ctx.addIssue({
          code: 'custom',
          continue: false,
          message: `has a "v", but image tags are the bare version: use "${tag.slice(1)}"`,
        });
    })
    .refine(
      (tag) => {
        // "1.2.0@sha256:…" pins the digest and keeps the release readable.
        const [release, digest] = tag.split('@');
        if (digest !== undefined)
          return isAtLeast(release ?? '', [1, 2, 0]) && /^sha256:[0-9a-f]{64}$/.test(digest);
        return /^sha256:[0-9a-f]{64}$/.test(tag) || isAtLeast(tag, [1, 2, 0]);
      },
      {
        message:
          'must be a release of 1.2.0 or later (e.g. "1.2.0"), optionally pinned as "1.2.0@sha256:…", or a "sha256:…" digest; older images break Valheim 1.0 worlds and "latest" is not pinned',
      },
    ),
});

export const taskSchema = z
  .strictObject({
    /** CPU units (1024 = 1 vCPU). */
    cpu: z.number().int().default(2048),
    /** Memory in MiB. */
    memoryMiB: z.number().int().default(8192),
    /** Run on Fargate Spot (about 70 % cheaper; may be interrupted with two minutes' warning). */
    spot: z.boolean().default(false),
  })
  .superRefine((task, ctx) => {
    const sizes = FARGATE_MEMORY[task.cpu];
    if (!sizes || task.cpu < 2048) {
      ctx.addIssue({
        code: 'custom',
        path: ['cpu'],
        message: `${task.cpu} is not supported; use 2048 (2 vCPU, the minimum for Valheim), 4096, 8192 or 16384`,
      });
      return;
    }
    const { min, max, step } = sizes;
    if (task.memoryMiB < min || task.memoryMiB > max || (task.memoryMiB - min) % step !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['memoryMiB'],
        message: `${task.memoryMiB} is not valid with cpu ${task.cpu}; use ${min} to ${max} in steps of ${step}`,
      });
    }
  });

export const backupSchema = z.strictObject({
  /** When AWS Backup snapshots the world, in the config's time zone. */
  schedule: weeklyTime.default('daily 05:00'),
  /** How long each recovery point is kept. */
  retentionDays: z
    .number()
    .int()
    .min(1, 'must be at least 1 day')
    .max(3650, 'must be at most 3650 days')
    .default(35),
  /**
   * AWS Backup Vault Lock: `governance` (recovery points cannot be deleted before retentionDays, except by
   * someone allowed to remove the lock), `compliance` (nobody can, the root user included, once 3 days have
   * passed; retentionDays can then never be lowered), or `none`.
   */
  vaultLock: z.enum(['governance', 'compliance', 'none']).default('governance'),
});

/**
 * The world snapshots the bot takes by itself to the world bucket: at the end of every session (after the
 * game has stopped and saved) and every few hours of a long one. Manual snapshots are never pruned.
 */
export const snapshotsSchema = z.strictObject({
  /** Also snapshot every this many hours of a running session; 0 = only at the end of a session. */
  everyHours: z
    .number()
    .int()
    .min(0, 'must be 0 (only at the end) or more hours')
    .max(24, 'must be at most 24 hours')
    .default(4),
  /** The newest this many automatic snapshots are always kept, however old. */
  keepCount: z
    .number()
    .int()
    .min(1, 'must keep at least 1 snapshot')
    .max(1000, 'must be at most 1000')
    .default(20),
  /** Automatic snapshots beyond keepCount are deleted once they are older than this many days. */
  keepDays: z
    .number()
    .int()
    .min(1, 'must be at least 1 day')
    .max(3650, 'must be at most 3650 days')
    .default(60),
});

/**
 * The activity feed in the notice channel (opt-in per kind): joins and leaves by character name, deaths,
 * boss kills, raids, the world saved. Deaths, boss kills and raids add log lines to the subscription filter
 * (a few log-Lambda invocations per play-hour, `npm run bench`); operators can mute a kind from Discord.
 */
export const feedSchema = z.strictObject({
  kinds: z
    .array(z.enum(FEED_KINDS, { message: `must be one of ${FEED_KINDS.join(', ')}` }))
    .default([])
    .refine((kinds) => new Set(kinds).size === kinds.length, { message: 'must list each kind once' }),
});

export const scheduleSchema = z.strictObject({
  /** When the server starts by itself, e.g. ["Fri 19:00"]. */
  start: z.array(weeklyTime).default([]),
  /** When the server stops by itself, e.g. ["Sat 02:00"]. */
  stop: z.array(weeklyTime).default([]),
});

export const discordSchema = z.strictObject({
  /** Application ID (Developer Portal → General Information). */
  applicationId: discordId('application'),
  /** Public key (Developer Portal → General Information): 64 hex characters. */
  publicKey: z
    .string()
    .regex(
      /^[0-9a-fA-F]{64}$/,
      'must be the 64 hex characters from Developer Portal → General Information → Public Key',
    ),
  /** The Discord server (guild) the commands are registered in. */
  guildId: discordId('server (guild)'),
  /** Roles allowed to start and stop the server; empty = every member of the guild. */
  operatorRoleIds: z.array(discordId('role')).default([]),
  /** Channel for notices the start reply can't carry (ready after 15 min, idle warnings, stops, crashes). */
  noticeChannelId: discordId('channel').optional(),
  /** Who may see the server password with /valheim password. */
  passwordVisibleTo: z.enum(['members', 'operators']).default('members'),
});

/**
 * Limits of the Discord endpoint. API Gateway cannot tell Discord's signed requests from junk, so these are
 * a trade between how much junk it takes to crowd Discord out and what a flood of junk can cost (README,
 * "What a flood can cost"). Throttled requests are not billed; the rate is the bill's ceiling.
 */
export const endpointSchema = z
  .strictObject({
    /** Requests per second the endpoint accepts (API Gateway stage throttle). */
    rateLimit: z.number().int().min(1).max(10000).default(25),
    /** Requests accepted in a burst above the rate. */
    burstLimit: z.number().int().min(1).max(5000).default(50),
    /**
     * Instances of the interactions Lambda kept for it alone (and the most it may run). Counts against the
     * account's concurrency: Lambda refuses it when it would leave fewer than 10 unreserved (new accounts
     * often have only 10 in all).
     */
    reservedConcurrency: z.number().int().min(1).max(1000).optional(),
  })
  .refine((endpoint) => endpoint.burstLimit >= endpoint.rateLimit, {
    message: 'must be at least rateLimit (API Gateway refuses a burst below the rate)',
    path: ['burstLimit'],
  });

const minutes = (max: number) =>
  z.number().int().min(0, 'must be 0 (off) or more minutes').max(max, `must be at most ${max} minutes`);

export const lifecycleSchema = z.strictObject({
  /** Stop this many minutes after the last player left; 0 = never. */
  idleStopMinutes: minutes(1440).default(15),
  /** Stop this many minutes after the server became joinable if nobody joined; 0 = never. */
  emptyStopMinutes: minutes(1440).default(30),
  /** Warn in Discord this many minutes before any automatic stop (at least 1: it never stops unwarned). */
  warnBeforeMinutes: minutes(60).default(5),
  /** Tell the group when a start takes longer than this; 0 = never. */
  slowStartMinutes: minutes(120).default(15),
  /** Warn (with Keep running), then stop, when the player count stayed unknown this long; 0 = never. */
  unknownLimitMinutes: minutes(1440).default(60),
  /** Warn (with Keep running), then stop, when a session ran this many hours; 0 = never. */
  maxSessionHours: z
    .number()
    .int()
    .min(0, 'must be 0 (off) or more hours')
    .max(168, 'must be at most 168 hours')
    .default(12),
  /** How many hours Keep running adds to a session at its limit. */
  keepRunningHours: z
    .number()
    .int()
    .min(1, 'must be at least 1 hour')
    .max(24, 'must be at most 24 hours')
    .default(2),
});

export const dnsSchema = z
  .strictObject({
    /** Route 53 hosted zone ID (Route 53 console → Hosted zones), e.g. "Z0123456789ABCDEFGHIJ". */
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{1,32}$/, 'must be a Route 53 hosted zone ID such as "Z0123456789ABCDEFGHIJ"'),
    /** The zone's domain, e.g. "example.com". */
    zoneName: z
      .string()
      .regex(/^([a-z0-9-]+\.)+[a-z]{2,}\.?$/i, 'must be a domain name such as "example.com"'),
    /** The record to point at the server, e.g. "valheim.example.com" (TTL 30 s). */
    recordName: z
      .string()
      .regex(/^([a-z0-9-]+\.)+[a-z]{2,}\.?$/i, 'must be a host name such as "valheim.example.com"'),
  })
  .superRefine((dns, ctx) => {
    const zone = dns.zoneName.toLowerCase().replace(/\.$/, '');
    const record = dns.recordName.toLowerCase().replace(/\.$/, '');
    if (record !== zone && !record.endsWith(`.${zone}`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['recordName'],
        message: `"${dns.recordName}" must be inside the zone ${dns.zoneName}`,
      });
    }
  });

export const costSchema = z.strictObject({
  /** Also show the actual spend from Cost Explorer in /valheim cost ($0.01 per request, cached 12 h). */
  costExplorer: z.boolean().default(false),
  /** Size of the world, for estimates. */
  worldSizeGb: z.number().positive('must be more than 0').max(100, 'must be at most 100 GB').default(0.2),
  /**
   * The bot's own budget guard (USD a month, from the session ledger): a warning in Discord at 80 % of it,
   * and /valheim start refused once the month's estimate has passed it (an operator can override one session).
   */
  monthlyLimitUsd: z.number().positive('must be more than 0').max(10000, 'must be at most 10000').optional(),
  /** Create an AWS Budget with this monthly limit (USD) and e-mail alerts. */
  monthlyBudgetUsd: z.number().positive('must be more than 0').max(10000, 'must be at most 10000').optional(),
  /** Where budget alerts go (needed with monthlyBudgetUsd). */
  budgetEmail: z.email('must be an e-mail address').optional(),
});

/** A mod as the config lists it: `Owner-Name-1.2.3` (the CLI writes it; the lockfile pins the rest). */
const modVersion = z.string().refine((text) => tryParseRef(text)?.version !== undefined, {
  message: `is not a Thunderstore package with its version: use ${REF_HINT} (npx valheim mods add writes it)`,
});
const modName = z
  .string()
  .refine((text) => tryParseRef(text) !== undefined && tryParseRef(text)?.version === undefined, {
    message: 'is not a Thunderstore package name: use "Owner-Name" without a version',
  });

/**
 * Thunderstore mods (BepInEx) the server installs at every start, exactly as valheim.mods.lock.json pins them
 * (`npx valheim mods add|remove|update|import` edit both). Empty: a vanilla server.
 */
export const modsSchema = z.strictObject({
  /** The mod list of every world without one of its own (`worlds.<name>.mods`). */
  packages: z.array(modVersion).default([]),
  /** Mods players must not (or need not) install: left out of the profile /valheim mods hands out. */
  serverOnly: z.array(modName).default([]),
  /** Mods only players install (in the profile), which the server does not load. */
  clientOnly: z.array(modName).default([]),
  /** Open UDP 2458 as well, for a mod that listens there (none of the game's own traffic uses it). */
  udpPort2458: z.boolean().default(false),
});

/** Per-world settings kept in the repo (the worlds themselves live in the bot's catalog). */
export const worldConfigSchema = z.strictObject({
  /** This world's own mod list, instead of mods.packages; [] runs it vanilla. */
  mods: z.array(modVersion),
});

export const configSchema = z.strictObject({
  /** Optional JSON schema reference for editors. */
  $schema: z.string().optional(),
  /**
   * CloudFormation stack name; also the cost-allocation tag value and the SSM parameter prefix. At most 51
   * characters because resource names derive from it: the monitor's EventBridge rule `<stackName>-monitor-poll`
   * may hold 64.
   */
  stackName: z
    .string()
    .regex(
      /^[A-Za-z][A-Za-z0-9-]{0,50}$/,
      'must start with a letter and hold only letters, digits and "-" (max 51)',
    )
    .default('valheim-ondemand'),
  /** AWS region to deploy into. */
  region: z
    .string()
    .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, {
      abort: true,
      message: 'must be an AWS region such as "eu-central-1"',
    })
    .refine(isAwsRegion, {
      message: `is not an AWS region; use one of ${AWS_REGIONS.join(', ')}`,
    }),
  /** IANA time zone for schedules, backups and the server's clock. */
  timeZone: timeZone.default('Etc/UTC'),
  server: serverSchema,
  task: taskSchema.default({ cpu: 2048, memoryMiB: 8192, spot: false }),
  backup: backupSchema.default({ schedule: 'daily 05:00', retentionDays: 35, vaultLock: 'governance' }),
  /** Automatic world snapshots to S3 (session ends, long sessions) and how many are kept. */
  snapshots: snapshotsSchema.default({ everyHours: 4, keepCount: 20, keepDays: 60 }),
  /** Optional fixed start/stop times for groups with regular game nights. */
  schedule: scheduleSchema.optional(),
  /** The activity feed in the notice channel: which kinds of news are posted (none by default). */
  feed: feedSchema.default({ kinds: [] }),
  discord: discordSchema,
  /** Throttle of the Discord endpoint and the interactions Lambda's reserved concurrency. */
  endpoint: endpointSchema.default({ rateLimit: 25, burstLimit: 50 }),
  /** Idle stop and start-up notices. */
  lifecycle: lifecycleSchema.default({
    idleStopMinutes: 15,
    emptyStopMinutes: 30,
    warnBeforeMinutes: 5,
    slowStartMinutes: 15,
    unknownLimitMinutes: 60,
    maxSessionHours: 12,
    keepRunningHours: 2,
  }),
  /** Optional DNS name for the server (costs $0.50/month per hosted zone). */
  dns: dnsSchema.optional(),
  /** Cost reporting and an optional budget alert. */
  cost: costSchema
    .default({ costExplorer: false, worldSizeGb: 0.2 })
    .refine((cost) => cost.monthlyBudgetUsd === undefined || cost.budgetEmail !== undefined, {
      message: 'needs budgetEmail when monthlyBudgetUsd is set (where should the alert go?)',
      path: ['budgetEmail'],
    }),
  /** Days to keep logs (a CloudWatch Logs retention value). */
  logRetentionDays: z
    .number()
    .int()
    .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
      message: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
    })
    .default(30),
  /** Thunderstore mods, pinned by valheim.mods.lock.json. */
  mods: modsSchema.default({ packages: [], serverOnly: [], clientOnly: [], udpPort2458: false }),
  /** Settings of individual worlds, by world name: so far their mod lists. */
  worlds: z
    .record(
      z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a world name: 1 to 64 letters, digits, "_" or "-"'),
      worldConfigSchema,
    )
    .default({}),
  /** Extra tags put on every resource (the "project" tag is always set to the stack name). */
  tags: z.record(z.string().regex(/^[\w .:/=+@-]{1,128}$/), z.string().max(256)).default({}),
});

export type ValheimConfig = z.output<typeof configSchema>;
export type ValheimConfigInput = z.input<typeof configSchema>;

/** The cost-allocation tag key put on every resource. */
export const COST_TAG_KEY = 'project';

function isAtLeast(version: string, minimum: readonly [number, number, number]): boolean {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) return false;
  const parts = match.slice(1).map(Number);
  for (let i = 0; i < 3; i++) {
    const a = parts[i] ?? 0;
    const b = minimum[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}
