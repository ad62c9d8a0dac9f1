import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { waitForEndpoint } from '../../discord/endpoint-probe.js';
import { DiscordRest } from '../../discord/rest-client.js';
import { formatStep, reconcileDiscord } from '../../discord/wire-discord.js';
import { silentLogger } from '../../log.js';
import type { CommandContext } from '../command-context.js';
import { discordApiUrl, resolveBotToken } from '../discord-client.js';
import { awsFailure, CliError } from '../errors.js';
import type { Terminal } from '../io.js';
import { describeStack, EndpointUrlUnavailable, stackEndpointUrl } from '../stack-outputs.js';
import { checkEndpointUrl } from './discord-endpoint.js';

export interface WireOptions {
  readonly config: string;
  /** The endpoint URL; by default the stack's (output DiscordApiUrl and the secret path in SSM). */
  readonly url?: string;
  readonly allowHttp?: boolean;
}

export interface WireDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly term: Terminal;
  readonly ssm: (region: string) => SSMClient;
  /** @default - a CloudFormationClient in the config's region */
  readonly cloudFormation?: (region: string) => CloudFormationClient;
}

/** How long the CLI waits for the endpoint to verify signatures before asking Discord to save it. */
const ENDPOINT_WAIT_MS = 15_000;

/**
 * `valheim discord wire`: the deploy's reconcile, from here (after inviting the bot or storing the token,
 * when the deploy could not). Prints one line per step; resolves with the exit code (1 when a step failed).
 */
export async function discordWire(options: WireOptions, deps: WireDeps): Promise<number> {
  const config = loadConfig(options.config);
  // The stack's own output needs no checking; a URL typed by hand does.
  for (const warning of options.url ? checkEndpointUrl(options.url, options.allowHttp) : []) {
    deps.term.err(`valheim: warning: ${warning}`);
  }
  const url = options.url ?? (await endpointOfStack(config.stackName, config.region, deps));
  const token = await resolveBotToken(deps.env, () => config, deps.ssm);
  const rest = new DiscordRest({
    baseUrl: `${discordApiUrl(deps.env)}/v10`,
    botToken: async () => token.token,
    timeoutMs: 10_000,
  });
  const result = await reconcileDiscord(
    {
      applicationId: config.discord.applicationId,
      guildId: config.discord.guildId,
      endpointUrl: url,
      publicKey: config.discord.publicKey,
    },
    {
      rest,
      waitForEndpoint: (endpoint) =>
        waitForEndpoint(endpoint, { timeoutMs: ENDPOINT_WAIT_MS, intervalMs: 1000 }),
      log: silentLogger,
    },
  );
  for (const step of result.steps) deps.term.out(formatStep(step));
  if (result.ok) {
    deps.term.out(
      "Discord is wired: type /valheim in your server. (The stack output DiscordSetup keeps the last deploy's result until the next deploy.)",
    );
  }
  return result.ok ? 0 : 1;
}

async function endpointOfStack(stackName: string, region: string, deps: WireDeps): Promise<string> {
  const cloudFormation = deps.cloudFormation?.(region) ?? new CloudFormationClient({ region });
  let stack: Awaited<ReturnType<typeof describeStack>>;
  try {
    stack = await describeStack(cloudFormation, stackName);
  } catch (error) {
    throw awsFailure(error, {
      action: `read the outputs of the stack ${stackName}`,
      permission: 'cloudformation:DescribeStacks',
      region,
    });
  }
  if (!stack) {
    throw new CliError(
      `the stack ${stackName} is not deployed in ${region}`,
      'deploy it first (npx valheim deploy), or pass the endpoint with --url',
    );
  }
  try {
    return await stackEndpointUrl(stack, stackName, deps.ssm(region));
  } catch (error) {
    if (error instanceof EndpointUrlUnavailable) throw new CliError(error.message, error.fix);
    throw error;
  }
}

/** `valheim discord wire`. */
export function discordWireCommand({ deps, configOption, setExitCode }: CommandContext<WireDeps>): Command {
  return new Command('wire')
    .description(
      'Reconcile Discord with the stack: register /valheim in the server and set the Interactions Endpoint URL, each step on its own',
    )
    .option('--url <url>', "the endpoint (default: the stack's, from its output DiscordApiUrl and SSM)")
    .option('--allow-http', 'accept an http:// URL')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
What every deploy does, from here: run it after inviting the bot or storing the token when the stack
output DiscordSetup shows a ✗. Prints one line per step, exits 1 when one failed.

Environment:
  DISCORD_BOT_TOKEN  bot token to use instead of the one stored in SSM by "valheim secrets set"
  DISCORD_API_URL    Discord API base URL without version (tests point it at a local fake)`,
    )
    .action(async (options: { url?: string; allowHttp?: boolean; config: string }) => {
      setExitCode(await discordWire(options, deps));
    });
}
