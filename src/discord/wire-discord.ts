import type { Logger } from '../log.js';
import { COMMAND_NAME, guildCommands } from './commands.js';
import { type DiscordTarget, explainRefusal } from './discord-errors.js';
import { redactEndpointUrl } from './endpoint-path.js';
import { describeProbe, type EndpointProbe } from './endpoint-probe.js';
import { DiscordApiError, type DiscordRest } from './rest-client.js';

/**
 * Reconciles Discord with what the stack wants: the guild's commands (bulk overwrite) and the application's
 * Interactions Endpoint URL. The steps are independent: one failing never skips the other, and each reports
 * its own outcome. Running it again is harmless (the PUT is idempotent; the PATCH is sent only when the URL
 * differs), so the deploy runs it every time and the CLI (`valheim discord wire`) runs the same code.
 * Nothing here throws for a Discord failure: it becomes a step result with the fix.
 */
export interface WiringTarget {
  readonly applicationId: string;
  readonly guildId: string;
  /** The stack's endpoint (DiscordApiUrl + the secret segment); shown only redacted. */
  readonly endpointUrl: string;
  /** discord.publicKey from the config: what the endpoint verifies signatures with. */
  readonly publicKey: string;
}

export interface StepResult {
  /** "commands", "endpoint" or "old guild". */
  readonly step: string;
  readonly ok: boolean;
  /** What was done, or what is wrong. */
  readonly detail: string;
  /** What to do about it (failed steps only). */
  readonly fix?: string;
}

export interface WiringReport {
  readonly ok: boolean;
  readonly steps: readonly StepResult[];
}

export interface WiringDeps {
  readonly rest: DiscordRest;
  /** Probes the endpoint until it verifies signatures or gives up (Discord validates it live). */
  readonly waitForEndpoint: (url: string) => Promise<EndpointProbe>;
  readonly log: Logger;
}

/** What a failed step should tell the user to run once the cause is fixed. */
const RETRY = 'then redeploy or run "npx valheim discord wire"';

/** One line per step: "✓ commands: …" or "✗ endpoint: … — fix". */
export function formatStep(step: StepResult): string {
  return `${step.ok ? '✓' : '✗'} ${step.step}: ${step.detail}${step.fix ? ` — ${step.fix}` : ''}`;
}

/** The whole report on one line (a stack output). */
export function formatReport(report: WiringReport): string {
  return report.steps.map(formatStep).join(' | ');
}

export function report(steps: readonly StepResult[]): WiringReport {
  return { ok: steps.every((step) => step.ok), steps };
}

/**
 * Registers the commands in the guild and points the endpoint URL at the stack. With `previousGuildId`
 * (the guild changed), the command is also removed from the old guild.
 */
export async function reconcileDiscord(
  target: WiringTarget,
  deps: WiringDeps,
  previousGuildId?: string,
): Promise<WiringReport> {
  const steps = [await registerCommands(target, deps), await pointEndpoint(target, deps)];
  if (previousGuildId && previousGuildId !== target.guildId) {
    steps.push(await removeCommand({ ...target, guildId: previousGuildId }, deps, 'old guild'));
  }
  const result = report(steps);
  deps.log[result.ok ? 'info' : 'warn']('discord reconciled', { steps });
  return result;
}

/**
 * Undoes the wiring when the stack is deleted: removes /valheim from the guild, and clears the endpoint URL
 * only while it still points at this stack (it may have been moved to another deployment since).
 */
export async function unwireDiscord(target: WiringTarget, deps: WiringDeps): Promise<WiringReport> {
  const steps = [await removeCommand(target, deps, 'commands'), await clearEndpoint(target, deps)];
  const result = report(steps);
  deps.log[result.ok ? 'info' : 'warn']('discord unwired', { steps });
  return result;
}

async function registerCommands(target: WiringTarget, deps: WiringDeps): Promise<StepResult> {
  const step = 'commands';
  try {
    await deps.rest.putGuildCommands(target.applicationId, target.guildId, guildCommands());
    return { step, ok: true, detail: `/${COMMAND_NAME} registered in Discord server ${target.guildId}` };
  } catch (error) {
    return { step, ok: false, ...explainDiscordError(error, target, 'register the commands') };
  }
}

async function pointEndpoint(target: WiringTarget, deps: WiringDeps): Promise<StepResult> {
  const step = 'endpoint';
  const url = target.endpointUrl;
  // What the report shows (it becomes the stack output DiscordSetup, which every reader of the stack sees).
  const shown = redactEndpointUrl(url);
  try {
    const application = await deps.rest.getCurrentApplication();
    if (application.id !== target.applicationId) return anotherApplication(step, target, application.id);
    const key = target.publicKey.toLowerCase();
    if (key && application.verify_key && application.verify_key !== key) {
      return {
        step,
        ok: false,
        detail: `discord.publicKey in the config is not the public key of application ${target.applicationId}, so the endpoint would reject every Discord request`,
        fix: `copy Developer Portal → General Information → Public Key into discord.publicKey, redeploy (npx valheim deploy)`,
      };
    }
    if (application.interactions_endpoint_url === url) {
      return { step, ok: true, detail: `already set to ${shown}` };
    }
    const probe = await deps.waitForEndpoint(url);
    if (probe.kind !== 'verifies') {
      return {
        step,
        ok: false,
        detail: `the endpoint ${shown} ${describeProbe(probe)}, so Discord would not accept it`,
        fix: `${probe.kind === 'answered' ? 'see the interactions Lambda\'s log ("npx valheim doctor" checks the chain)' : 'check the deploy finished'}, ${RETRY}`,
      };
    }
    await deps.rest.setInteractionsEndpoint(url);
    return { step, ok: true, detail: `set to ${shown}` };
  } catch (error) {
    return { step, ok: false, ...explainDiscordError(error, target, 'set the interactions endpoint URL') };
  }
}

async function removeCommand(target: WiringTarget, deps: WiringDeps, step: string): Promise<StepResult> {
  try {
    const existing = await deps.rest.getGuildCommands(target.applicationId, target.guildId);
    const ours = existing.filter((command) => command.name === COMMAND_NAME);
    for (const command of ours) {
      await deps.rest.deleteGuildCommand(target.applicationId, target.guildId, command.id);
    }
    return {
      step,
      ok: true,
      detail:
        ours.length > 0
          ? `/${COMMAND_NAME} removed from Discord server ${target.guildId}`
          : `/${COMMAND_NAME} was not registered in Discord server ${target.guildId}`,
    };
  } catch (error) {
    const explained = explainDiscordError(error, target, `remove /${COMMAND_NAME}`);
    return {
      step,
      ok: false,
      detail: explained.detail,
      fix: `remove /${COMMAND_NAME} by hand if it is still listed (Server Settings → Integrations → the bot)`,
    };
  }
}

async function clearEndpoint(target: WiringTarget, deps: WiringDeps): Promise<StepResult> {
  const step = 'endpoint';
  try {
    const application = await deps.rest.getCurrentApplication();
    if (application.id !== target.applicationId) return anotherApplication(step, target, application.id);
    if (application.interactions_endpoint_url !== target.endpointUrl) {
      return {
        step,
        ok: true,
        detail: `left alone: it points at ${redactEndpointUrl(application.interactions_endpoint_url || 'nothing')}, not this stack`,
      };
    }
    await deps.rest.setInteractionsEndpoint(null);
    return {
      step,
      ok: true,
      detail: `cleared (it pointed at this stack, ${redactEndpointUrl(target.endpointUrl)})`,
    };
  } catch (error) {
    const explained = explainDiscordError(error, target, 'clear the interactions endpoint URL');
    return {
      step,
      ok: false,
      detail: explained.detail,
      fix: 'clear Developer Portal → General Information → Interactions Endpoint URL by hand',
    };
  }
}

function anotherApplication(step: string, target: WiringTarget, actual: string): StepResult {
  return {
    step,
    ok: false,
    detail: `the bot token belongs to application ${actual}, but discord.applicationId is ${target.applicationId}`,
    fix: `store the bot token of application ${target.applicationId} (npx valheim secrets set --only bot-token) or fix discord.applicationId, ${RETRY}`,
  };
}

/**
 * A failure of the project's Discord client as what is wrong and what to do: no answer is a network
 * problem; an answer is read by the one map of Discord's refusals (discord-errors.ts). `retry` says what to
 * run once the cause is fixed. @default redeploy or `valheim discord wire`
 */
export function explainDiscordError(
  error: unknown,
  target: DiscordTarget,
  action: string,
  retry = RETRY,
): { detail: string; fix: string } {
  if (!(error instanceof DiscordApiError)) {
    return {
      detail: `could not ${action} (${error instanceof Error ? error.message.slice(0, 200) : String(error)})`,
      fix: `check the message, ${retry}`,
    };
  }
  if (error.status === 0) {
    return {
      detail: `could not reach Discord to ${action} (${error.detail})`,
      fix: `check the connection, ${retry}`,
    };
  }
  return explainRefusal(
    { status: error.status, code: error.code, route: error.route, message: discordMessage(error) },
    target,
    action,
    retry,
  );
}

function discordMessage(error: DiscordApiError): string {
  try {
    const message = (JSON.parse(error.detail) as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON
  }
  return error.detail;
}
