import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { waitForEndpoint } from '../discord/endpoint-probe.js';
import { DISCORD_API, DiscordRest } from '../discord/rest-client.js';
import {
  formatReport,
  reconcileDiscord,
  report,
  type StepResult,
  unwireDiscord,
  type WiringReport,
  type WiringTarget,
} from '../discord/wire-discord.js';
import { jsonLogger } from '../log.js';
import { answerCloudFormation } from './cloudformation-response.js';

/*
 * CloudFormation custom resource: reconciles Discord (guild commands, Interactions Endpoint URL) at every
 * deploy, and undoes it when the stack is deleted. It always answers SUCCESS, with each step's outcome in
 * the Status attribute (the stack output DiscordSetup), so a Discord problem never blocks or rolls back a
 * deploy or a delete. It answers before its own deadline even when a call hangs.
 */
const ssm = new SSMClient({});

/** The resource's properties (all strings, as CloudFormation sends them). */
interface WiringProperties {
  readonly ApplicationId: string;
  readonly GuildId: string;
  readonly EndpointUrl: string;
  readonly PublicKey: string;
  readonly BotTokenParameter: string;
}

const PHYSICAL_ID = 'discord-wiring';
const RETRY = 'run "npx valheim discord wire"';
/** Answer CloudFormation this long before the Lambda's own timeout. */
const ANSWER_MARGIN_MS = 10_000;
/** Data values CloudFormation accepts are limited (4 KB for the whole response). */
const MAX_STATUS_CHARS = 1500;

export async function handler(event: CloudFormationCustomResourceEvent, context?: Context): Promise<void> {
  const budgetMs = (context?.getRemainingTimeInMillis() ?? 120_000) - ANSWER_MARGIN_MS;
  let result: WiringReport;
  try {
    result = await withDeadline(run(event), budgetMs);
  } catch (error) {
    jsonLogger.error('discord wiring failed unexpectedly', { error });
    result = report([
      { step: 'wiring', ok: false, detail: `failed: ${(error as Error).message}`, fix: RETRY },
    ]);
  }
  await respond(event, result);
}

async function run(event: CloudFormationCustomResourceEvent): Promise<WiringReport> {
  const props = event.ResourceProperties as unknown as WiringProperties;
  const target: WiringTarget = {
    applicationId: props.ApplicationId,
    guildId: props.GuildId,
    endpointUrl: props.EndpointUrl,
    publicKey: props.PublicKey ?? '',
  };
  const token = await readBotToken(props.BotTokenParameter);
  if ('problem' in token) {
    const step = (name: string): StepResult => ({
      step: name,
      ok: false,
      detail: token.problem,
      fix: token.fix,
    });
    return report([step('commands'), step('endpoint')]);
  }
  const rest = new DiscordRest({
    baseUrl: discordApiBase(),
    botToken: async () => token.value,
    timeoutMs: 10_000,
  });
  const deps = { rest, waitForEndpoint: (url: string) => waitForEndpoint(url), log: jsonLogger };
  if (event.RequestType === 'Delete') return unwireDiscord(target, deps);
  const previousGuildId =
    event.RequestType === 'Update'
      ? (event.OldResourceProperties as Partial<WiringProperties>).GuildId
      : undefined;
  return reconcileDiscord(target, deps, previousGuildId);
}

/**
 * Discord's API. The bot token goes nowhere else: the resource's properties (which anyone who can invoke
 * the function controls) cannot change it; only a loopback override in the function's own environment can,
 * which the stack never sets and the tests do.
 */
export function discordApiBase(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.DISCORD_API_URL;
  if (override && URL.canParse(override)) {
    const { hostname, protocol } = new URL(override);
    if (protocol === 'http:' && (hostname === '127.0.0.1' || hostname === 'localhost')) return override;
    jsonLogger.warn('ignoring DISCORD_API_URL: only a loopback URL may replace Discord', { override });
  }
  return DISCORD_API;
}

type TokenRead = { readonly value: string } | { readonly problem: string; readonly fix: string };

/** The bot token, or why it cannot be read: a missing parameter, a denied read and a KMS failure differ. */
async function readBotToken(name: string): Promise<TokenRead> {
  try {
    const result = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const value = result.Parameter?.Value?.trim();
    if (value) return { value };
  } catch (error) {
    jsonLogger.error('cannot read the bot token', { parameter: name, error });
    return tokenReadProblem(error, name);
  }
  return {
    problem: `no bot token is stored in ${name}`,
    fix: `store it with "npx valheim secrets set --only bot-token", then ${RETRY} (or redeploy)`,
  };
}

function tokenReadProblem(error: unknown, name: string): { problem: string; fix: string } {
  const errorName = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message.slice(0, 160) : String(error);
  if (errorName === 'ParameterNotFound') {
    return {
      problem: `no bot token is stored in ${name}`,
      fix: `store it with "npx valheim secrets set --only bot-token", then ${RETRY} (or redeploy)`,
    };
  }
  if (/KMS|InvalidKeyId/i.test(errorName) || /\bKMS\b/i.test(message)) {
    return {
      problem: `the bot token in ${name} cannot be decrypted (${errorName}: ${message})`,
      fix: `store it again with the default key ("npx valheim secrets set --only bot-token"), then ${RETRY}`,
    };
  }
  if (/AccessDenied/i.test(errorName)) {
    return {
      problem: `the wiring function may not read ${name} (${errorName}: ${message})`,
      fix: `check that stackName matches the parameter's path and no SCP or permission boundary blocks ssm:GetParameter, then ${RETRY}`,
    };
  }
  return { problem: `could not read the bot token from ${name} (${errorName}: ${message})`, fix: RETRY };
}

/** The work's result, or a report of the timeout when it takes longer than `ms`. */
async function withDeadline(work: Promise<WiringReport>, ms: number): Promise<WiringReport> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<WiringReport>((resolve) => {
    timer = setTimeout(() => {
      const step: StepResult = {
        step: 'wiring',
        ok: false,
        detail: `Discord did not finish answering within ${Math.round(ms / 1000)} s`,
        fix: RETRY,
      };
      resolve(report([step]));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function respond(event: CloudFormationCustomResourceEvent, result: WiringReport): Promise<void> {
  const status = formatReport(result).slice(0, MAX_STATUS_CHARS);
  await answerCloudFormation(event, {
    status: 'SUCCESS',
    reason: status,
    physicalResourceId: PHYSICAL_ID,
    data: { Status: status },
  });
}
