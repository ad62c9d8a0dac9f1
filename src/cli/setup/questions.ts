import type { z } from 'zod';
import { AWS_REGIONS, isAwsRegion } from '../../config/regions.js';
import { configSchema, discordSchema, serverSchema } from '../../config/schema.js';

/**
 * The wizard's questions as a table, in the manner of a form definition: each row says which flag gives
 * the answer, how it is asked and where to find the value, its default, how it is checked (with the config
 * schema's own rule, so the wizard and the config cannot disagree) and where it lands in the config file.
 * One loop (ask.ts) asks, re-asks and fills them in; SETUP_STEPS puts them in order around the two secrets.
 */

/** The answers, by question id; what ends up in the config file. */
export interface Answers {
  stackName?: string;
  region?: string;
  applicationId?: string;
  publicKey?: string;
  guildId?: string;
  noticeChannelId?: string;
  serverName?: string;
  world?: string;
  operatorRoleIds?: string[];
  timeZone?: string;
}
export type QuestionId = keyof Answers;

export type Parsed<T> = { readonly value: T } | { readonly problem: string };

/** What a default may depend on. */
export interface DefaultsFrom {
  readonly env: NodeJS.ProcessEnv;
  /** This machine's time zone (injected by tests). */
  readonly localTimeZone: string;
}

export interface Question<K extends QuestionId = QuestionId> {
  readonly id: K;
  /** The command-line flag that answers it (and names it in non-interactive errors). */
  readonly flag: string;
  readonly label: string;
  /** Where to find the value; shown before asking and again after a wrong answer. */
  readonly hint: string;
  /** Where the answer lands in the config file, and where a re-run finds the current value. */
  readonly path: readonly [string] | readonly [string, string];
  /** The default when the config file has none. @default - none: an answer is required */
  readonly defaultValue?: (from: DefaultsFrom) => string | undefined;
  /** An empty answer means "none" (the value is left out). @default false */
  readonly optional?: boolean;
  /** Given only as a flag (or kept from the file), never asked. @default false */
  readonly flagOnly?: boolean;
  /** The schema's default: an answer equal to it stays out of the file, which holds only what the user chose. @default - kept whatever it is */
  readonly schemaDefault?: string;
  /** Checks the text; `answers` holds the questions asked before it. */
  readonly parse: (text: string, answers: Answers) => Parsed<NonNullable<Answers[K]>>;
}

/** Any row of the table. */
export type AnyQuestion = { [K in QuestionId]: Question<K> }[QuestionId];

export const DEFAULT_REGION = 'eu-central-1';
export const DEFAULT_WORLD = 'Dedicated';
const DEVELOPER_MODE = 'Discord → User Settings → Advanced → Developer Mode';

/** Checks one field with the config schema's own rule. */
function bySchema<T>(schema: z.ZodType<T>): (text: string) => Parsed<T> {
  return (text) => {
    const result = schema.safeParse(text);
    if (result.success) return { value: result.data };
    return { problem: `"${text}" ${result.error.issues[0]?.message ?? 'is not valid'}` };
  };
}

function roleIds(text: string): Parsed<string[]> {
  const ids = text.split(/[\s,]+/).filter(Boolean);
  const result = discordSchema.shape.operatorRoleIds.safeParse(ids);
  if (result.success) return { value: result.data };
  const issue = result.error.issues[0];
  const bad = typeof issue?.path[0] === 'number' ? ids[issue.path[0]] : text;
  return { problem: `"${bad}" ${issue?.message ?? 'is not valid'}` };
}

/** The schema's default for a field (a value equal to it stays out of the file). */
export function schemaDefault(schema: z.ZodType<string, string | undefined>): string {
  return schema.parse(undefined);
}

export const QUESTIONS = {
  stackName: {
    id: 'stackName',
    flag: '--stack-name',
    label: 'Stack name',
    hint: 'the CloudFormation stack name, also the prefix of the SSM parameters (letters, digits and "-", starting with a letter)',
    path: ['stackName'],
    flagOnly: true,
    schemaDefault: schemaDefault(configSchema.shape.stackName),
    parse: bySchema(configSchema.shape.stackName),
  },
  region: {
    id: 'region',
    flag: '--region',
    label: 'AWS region',
    hint: 'the AWS region code to run the server in, near your players, e.g. eu-central-1 (Frankfurt), eu-west-2 (London), us-east-1 (N. Virginia)',
    path: ['region'],
    // The region the AWS CLI and SDK would use on this machine, when it is one.
    defaultValue: ({ env }) =>
      [env.AWS_REGION, env.AWS_DEFAULT_REGION]
        .map((name) => name?.trim())
        .find((name) => name && isAwsRegion(name)) ?? DEFAULT_REGION,
    parse: (text) => {
      const parsed = bySchema(configSchema.shape.region)(text);
      // Every wrong region gets the list, also one that does not even look like a region code.
      return 'problem' in parsed && !parsed.problem.includes('use one of')
        ? { problem: `${parsed.problem}; use one of ${AWS_REGIONS.join(', ')}` }
        : parsed;
    },
  },
  applicationId: {
    id: 'applicationId',
    flag: '--application-id',
    label: 'Discord application ID',
    hint: 'Developer Portal (https://discord.com/developers/applications) → your app → General Information → Application ID (17 to 20 digits)',
    path: ['discord', 'applicationId'],
    parse: bySchema(discordSchema.shape.applicationId),
  },
  publicKey: {
    id: 'publicKey',
    flag: '--public-key',
    label: 'Discord public key',
    hint: 'Developer Portal → your app → General Information → Public Key (64 hex characters)',
    path: ['discord', 'publicKey'],
    parse: bySchema(discordSchema.shape.publicKey),
  },
  guildId: {
    id: 'guildId',
    flag: '--guild-id',
    label: 'Discord server (guild) ID',
    hint: `${DEVELOPER_MODE}, then right-click the server → Copy Server ID`,
    path: ['discord', 'guildId'],
    parse: (text, answers) =>
      text === answers.applicationId
        ? { problem: 'that is the application ID; the server (guild) ID is a different number' }
        : bySchema(discordSchema.shape.guildId)(text),
  },
  noticeChannelId: {
    id: 'noticeChannelId',
    flag: '--notice-channel',
    label: 'Notice channel ID',
    hint: `the channel for notices such as "ready", idle warnings and stops (Enter for none): ${DEVELOPER_MODE}, then right-click the channel → Copy Channel ID`,
    path: ['discord', 'noticeChannelId'],
    optional: true,
    parse: bySchema(discordSchema.shape.noticeChannelId.unwrap()),
  },
  serverName: {
    id: 'serverName',
    flag: '--server-name',
    label: 'Server name',
    hint: "the name in Valheim's server browser, 3 to 64 characters",
    path: ['server', 'name'],
    parse: bySchema(serverSchema.shape.name),
  },
  world: {
    id: 'world',
    flag: '--world',
    label: 'World name',
    hint: 'the world file name (letters, digits, "_" and "-"): an existing world of that name is loaded, otherwise a new one is generated',
    path: ['server', 'world'],
    defaultValue: () => DEFAULT_WORLD,
    parse: bySchema(serverSchema.shape.world),
  },
  operatorRoleIds: {
    id: 'operatorRoleIds',
    flag: '--operator-role',
    label: 'Operator role IDs',
    hint: `roles allowed to start and stop the server, separated by commas (Enter = every member may): ${DEVELOPER_MODE}, then Server Settings → Roles → right-click a role → Copy Role ID`,
    path: ['discord', 'operatorRoleIds'],
    optional: true,
    parse: roleIds,
  },
  timeZone: {
    id: 'timeZone',
    flag: '--time-zone',
    label: 'Time zone',
    hint: 'an IANA time zone such as Europe/Berlin or America/New_York, for schedules, backups and the server clock',
    path: ['timeZone'],
    defaultValue: ({ localTimeZone }) => localTimeZone,
    schemaDefault: schemaDefault(configSchema.shape.timeZone),
    parse: bySchema(configSchema.shape.timeZone),
  },
} as const satisfies { [K in QuestionId]: Question<K> };

/** A step that is not a config value: the bot token (and the invite), and the server password. */
export type SecretStep = { readonly secret: 'botToken' } | { readonly secret: 'password' };

/**
 * The order the wizard goes in (and `valheim setup --help` describes): the bot token right after the IDs
 * its invite needs, the password after the server name it must not be part of.
 */
export const SETUP_STEPS: readonly (AnyQuestion | SecretStep)[] = [
  QUESTIONS.stackName,
  QUESTIONS.region,
  QUESTIONS.applicationId,
  QUESTIONS.publicKey,
  QUESTIONS.guildId,
  { secret: 'botToken' },
  QUESTIONS.noticeChannelId,
  QUESTIONS.serverName,
  QUESTIONS.world,
  { secret: 'password' },
  QUESTIONS.operatorRoleIds,
  QUESTIONS.timeZone,
];
