import type { BackupClient } from '@aws-sdk/client-backup';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import type { APIApplication } from 'discord-api-types/v10';
import type { ValheimConfig } from '../../config/schema.js';
import type { DiscordRest } from '../../discord/rest-client.js';
import { explainDiscordError } from '../../discord/wire-discord.js';
import type { DeployedStack } from '../stack-outputs.js';

/**
 * One link of the chain `valheim doctor` walks, in the manner of cdk-nag's rules and flutter doctor's
 * validators: a name, what it needs from earlier links, and a probe that returns ✓, or ✗ with the fix.
 * Each check lives in its own file under checks/; checks/index.ts puts them in order and the runner
 * (runner.ts) prints, skips and sums up. Adding a check is one file and one line in that list.
 */
export interface DoctorCheck {
  /** The link's name, printed before its outcome ("AWS credentials", "bot token", …). */
  readonly name: string;
  /** What must hold before the probe can say anything; the first unmet one is the reason for "–". */
  readonly needs?: readonly Requirement[];
  /** Whether the check applies to this config at all (e.g. only with a notice channel). @default always */
  readonly appliesTo?: (config: ValheimConfig) => boolean;
  /** Looks at the link. Records what later checks need in `context.found`. Never throws for a finding. */
  readonly probe: (context: DoctorContext) => Promise<Outcome> | Outcome;
}

export type CheckState = 'ok' | 'fail' | 'skip';

/** What a probe found: ✓ with what it saw, ✗ with what is wrong and the fix, or – when it could not tell. */
export type Outcome =
  | { readonly state: 'ok'; readonly detail: string }
  | { readonly state: 'fail'; readonly detail: string; readonly fix: string }
  | { readonly state: 'skip'; readonly detail: string };

/** One printed line (and one entry of `--json`). */
export interface CheckLine {
  readonly check: string;
  readonly state: CheckState;
  readonly detail: string;
  readonly fix?: string;
}

export const ok = (detail: string): Outcome => ({ state: 'ok', detail });
export const fail = (detail: string, fix: string): Outcome => ({ state: 'fail', detail, fix });
export const skip = (detail: string): Outcome => ({ state: 'skip', detail });

/** What the checks learned so far, for the ones after them. */
export interface Findings {
  account?: string;
  regionOk?: boolean;
  /** A CDKToolkit stack exists in the region (whatever its version). */
  bootstrapped?: boolean;
  stack?: DeployedStack;
  /** The stack's Interactions Endpoint URL, secret segment included: print it only redacted. */
  endpointUrl?: string;
  botToken?: { readonly value: string; readonly source: string };
  application?: APIApplication;
  botUserId?: string;
  botInGuild?: boolean;
}

/** The AWS clients the checks use, in the config's region. */
export interface DoctorAws {
  readonly sts: STSClient;
  readonly ec2: EC2Client;
  readonly cloudFormation: CloudFormationClient;
  readonly iam: IAMClient;
  readonly ssm: SSMClient;
  readonly ecs: ECSClient;
  readonly backup: BackupClient;
  readonly s3: S3Client;
}

export interface DoctorContext {
  readonly config: ValheimConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly aws: DoctorAws;
  /** Discord as the bot (the token in `found.botToken`); only for checks that need NEEDS.botToken. */
  readonly discord: () => DiscordRest;
  readonly found: Findings;
}

/** A precondition shared by several checks; `missing` completes "skipped: needs …". */
export interface Requirement {
  readonly met: (context: DoctorContext) => boolean;
  readonly missing: (context: DoctorContext) => string;
}

/** The preconditions, in the order the chain establishes them. */
export const NEEDS = {
  aws: { met: ({ found }) => found.account !== undefined, missing: () => 'working AWS credentials' },
  region: {
    met: ({ found }) => found.regionOk === true,
    missing: ({ config }) => `the region ${config.region}`,
  },
  bootstrap: { met: ({ found }) => found.bootstrapped === true, missing: () => 'the CDK bootstrap' },
  stack: { met: ({ found }) => found.stack !== undefined, missing: () => 'the deployed stack' },
  endpointOutput: {
    met: ({ found }) => found.endpointUrl !== undefined,
    missing: () => "the stack's endpoint URL (output DiscordApiUrl and its secret path in SSM)",
  },
  botToken: { met: ({ found }) => found.botToken !== undefined, missing: () => 'a working bot token' },
  /** The token works and is the configured application's. */
  application: { met: ({ found }) => found.application !== undefined, missing: () => 'a working bot token' },
  botInGuild: { met: ({ found }) => found.botInGuild === true, missing: () => 'the bot in the server' },
} satisfies Record<string, Requirement>;

/** A Discord failure as ✗ with the fix (the one map of Discord's refusals), for the configured app and server. */
export function discordProblem(error: unknown, config: ValheimConfig, action: string): Outcome {
  const target = { applicationId: config.discord.applicationId, guildId: config.discord.guildId };
  const { detail, fix } = explainDiscordError(error, target, action, 'then run npx valheim doctor again');
  return fail(detail, fix);
}

/** The stack's Discord endpoint (checks that need NEEDS.endpointOutput). */
export function endpointUrlOf(found: Findings): string {
  return found.endpointUrl ?? '';
}

/** Per-request limit for Discord, the endpoint and the image registry. */
export const HTTP_TIMEOUT_MS = 5000;
