import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Command } from 'commander';
import type { APIApplication, APIChannel, APIGuild, APIGuildMember } from 'discord-api-types/v10';
import { sdkEcs } from '../../aws/sdk-ecs.js';
import { loadConfig } from '../../config/load.js';
import { gameServiceNames } from '../../config/names.js';
import { secretParameterNames } from '../../config/parameters.js';
import type { ValheimConfig } from '../../config/schema.js';
import { channelPermissions, missingForPosting } from '../../discord/channel-permissions.js';
import { COMMAND_NAME, guildCommands } from '../../discord/commands.js';
import { describeProbe, probeEndpoint } from '../../discord/endpoint-probe.js';
import { DiscordApiError, DiscordRest } from '../../discord/rest-client.js';
import { botInviteUrl, explainDiscordError } from '../../discord/wire-discord.js';
import { serviceActivity } from '../../server/service-activity.js';
import type { CommandContext } from '../command-context.js';
import { discordApiUrl } from '../discord-client.js';
import { awsFailure, networkErrorCode } from '../errors.js';
import type { Terminal } from '../io.js';
import { type DeployedStack, describeStack } from '../stack-outputs.js';

/**
 * `valheim doctor`: walks the chain a game night depends on, from AWS credentials to the game service, and
 * prints one line per link — ✓, or ✗ with the fix; a link that cannot be checked because an earlier one
 * failed is skipped (–). Exits 1 on any ✗.
 */
export interface DoctorOptions {
  readonly config: string;
  readonly json?: boolean;
}

export interface DoctorDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly term: Terminal;
  readonly ssm: (region: string) => SSMClient;
  readonly ecs: (region: string) => ECSClient;
}

export type CheckState = 'ok' | 'fail' | 'skip';

export interface CheckLine {
  readonly check: string;
  readonly state: CheckState;
  readonly detail: string;
  readonly fix?: string;
}

/** The game image's registry (GHCR); VALHEIM_REGISTRY_URL points tests at a fake. */
const REGISTRY_URL = 'https://ghcr.io';
const IMAGE_REPOSITORY = 'community-valheim-tools/valheim-server';
/** The CDK bootstrap version the pinned CDK needs at least (new-style synthesis with asset checks). */
const MIN_BOOTSTRAP_VERSION = 6;
const HTTP_TIMEOUT_MS = 5000;

const SYMBOL: Record<CheckState, string> = { ok: '✓', fail: '✗', skip: '–' };

export function formatCheck(line: CheckLine): string {
  return `${SYMBOL[line.state]} ${line.check}: ${line.detail}${line.fix ? ` — ${line.fix}` : ''}`;
}

/** What the checks learned so far, for the ones after them. */
interface Findings {
  account?: string;
  regionOk?: boolean;
  stack?: DeployedStack;
  botToken?: { value: string; source: string };
  application?: APIApplication;
  botUserId?: string;
  botInGuild?: boolean;
}

const ok = (check: string, detail: string): CheckLine => ({ check, state: 'ok', detail });
const fail = (check: string, detail: string, fix: string): CheckLine => ({
  check,
  state: 'fail',
  detail,
  fix,
});
const skip = (check: string, detail: string): CheckLine => ({ check, state: 'skip', detail });

export async function doctor(options: DoctorOptions, deps: DoctorDeps): Promise<number> {
  const config = loadConfig(options.config);
  const lines: CheckLine[] = [];
  const found: Findings = {};
  const emit = (line: CheckLine) => {
    lines.push(line);
    if (!options.json) deps.term.out(formatCheck(line));
  };
  const { region } = config;
  const aws = {
    sts: new STSClient({ region }),
    ec2: new EC2Client({ region }),
    cloudFormation: new CloudFormationClient({ region }),
    iam: new IAMClient({ region }),
  };

  // DISCORD_BOT_TOKEN (as for discord wire) wins over the stored token, and works without AWS.
  const tokenFromEnv = deps.env.DISCORD_BOT_TOKEN?.trim().replace(/^Bot\s+/i, '');
  if (tokenFromEnv) found.botToken = { value: tokenFromEnv, source: 'DISCORD_BOT_TOKEN' };

  emit(await credentials(aws.sts, deps.env, region, found));
  const needsAws = (check: string) => skip(check, 'skipped: needs working AWS credentials');
  const hasAws = found.account !== undefined;
  emit(hasAws ? await regionCheck(aws.ec2, region, found) : needsAws('AWS region'));
  const awsReady = hasAws && found.regionOk === true;
  const needsRegion = (check: string) =>
    hasAws ? skip(check, `skipped: needs the region ${region}`) : needsAws(check);
  emit(awsReady ? await bootstrap(aws.cloudFormation, found, region) : needsRegion('CDK bootstrap'));
  emit(awsReady ? await executionRole(aws.iam, found, region) : needsRegion('CDK execution role'));
  emit(awsReady ? await stackCheck(aws.cloudFormation, config, found) : needsRegion('stack'));
  emit(found.stack ? stackOutputs(found.stack) : skip('stack outputs', 'skipped: needs the deployed stack'));
  emit(awsReady ? await secrets(deps.ssm(region), config, found) : needsRegion('SSM parameters'));

  const rest = found.botToken
    ? new DiscordRest({
        baseUrl: `${discordApiUrl(deps.env)}/v10`,
        botToken: async () => found.botToken?.value ?? '',
        timeoutMs: HTTP_TIMEOUT_MS,
      })
    : undefined;
  const needsToken = (check: string) => skip(check, 'skipped: needs a working bot token');
  emit(rest ? await botToken(rest, config, found) : needsToken('bot token'));
  const discordReady = rest !== undefined && found.application !== undefined;
  emit(discordReady ? await botInGuild(rest, config, found) : needsToken('bot in the server'));
  emit(
    discordReady && found.botInGuild
      ? await commands(rest, config)
      : discordReady
        ? skip('slash commands', 'skipped: needs the bot in the server')
        : needsToken('slash commands'),
  );
  emit(discordReady ? publicKey(config, found) : needsToken('public key'));
  const endpointUrl = found.stack?.outputs.DiscordEndpointUrl;
  emit(
    discordReady && endpointUrl
      ? endpointSetting(endpointUrl, found)
      : skip(
          'endpoint URL',
          `skipped: needs ${discordReady ? 'the stack output DiscordEndpointUrl' : 'a working bot token'}`,
        ),
  );
  emit(
    endpointUrl
      ? await endpointUp(endpointUrl)
      : skip('endpoint up', 'skipped: needs the stack output DiscordEndpointUrl'),
  );
  if (config.discord.noticeChannelId) {
    emit(
      discordReady && found.botInGuild
        ? await noticeChannel(rest, config, config.discord.noticeChannelId, found)
        : skip('notice channel', 'skipped: needs the bot in the server'),
    );
  }
  emit(await image(config.server.imageTag, deps.env));
  emit(
    found.stack
      ? await gameService(deps.ecs(region), config)
      : skip('game service', 'skipped: needs the deployed stack'),
  );

  const healthy = lines.every((line) => line.state !== 'fail');
  if (options.json) deps.term.out(JSON.stringify({ ok: healthy, checks: lines }, null, 2));
  else
    deps.term.out(
      healthy
        ? 'Everything checked is fine.'
        : `${lines.filter((l) => l.state === 'fail').length} problem(s): fix the first ✗ first, the later ones may follow from it.`,
    );
  return healthy ? 0 : 1;
}

async function credentials(
  sts: STSClient,
  env: NodeJS.ProcessEnv,
  region: string,
  found: Findings,
): Promise<CheckLine> {
  const check = 'AWS credentials';
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    found.account = identity.Account;
    return ok(check, `${identity.Arn} (account ${identity.Account})`);
  } catch (error) {
    const { detail, fix } = explainCredentials(error, env, region);
    return fail(check, detail, fix);
  }
}

/** Why there are no usable credentials: an unknown profile, an expired SSO session and no keys at all differ. */
function explainCredentials(
  error: unknown,
  env: NodeJS.ProcessEnv,
  region: string,
): { detail: string; fix: string } {
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  const profile = env.AWS_PROFILE?.trim();
  if (
    /Profile \S+ was not found|could not be found|Could not resolve credentials using profile/i.test(message)
  ) {
    return {
      detail: `the AWS profile "${profile ?? 'default'}" is not in ~/.aws/config or ~/.aws/credentials`,
      fix: 'set AWS_PROFILE to one of "aws configure list-profiles", or create it with aws configure',
    };
  }
  if (
    /SSO session .*(expired|invalid)|SSO session token .*not found or is invalid|Token is expired/i.test(
      message,
    )
  ) {
    return {
      detail: `the SSO session of the profile "${profile ?? 'default'}" has expired`,
      fix: `log in again: aws sso login${profile ? ` --profile ${profile}` : ''}`,
    };
  }
  if (/Could not load credentials from any providers/i.test(message)) {
    return {
      detail: 'no AWS credentials found (no AWS_PROFILE, no AWS_ACCESS_KEY_ID, nothing in ~/.aws)',
      fix: 'run aws configure (or aws configure sso), or set AWS_PROFILE',
    };
  }
  if (/^(ExpiredToken|ExpiredTokenException|RequestExpired)$/.test(name)) {
    return {
      detail: `the AWS session token has expired (${name})`,
      fix: 'refresh the credentials (aws sso login, or new keys)',
    };
  }
  if (/^(InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClientException)$/.test(name)) {
    return {
      detail: `AWS rejected the access key (${name})`,
      fix: 'the key may be deleted or mistyped: check aws configure list, or create a new key',
    };
  }
  const failure = awsFailure(error, {
    action: 'ask STS who you are',
    permission: 'sts:GetCallerIdentity',
    region,
  });
  return { detail: failure.problem, fix: failure.fix };
}

async function regionCheck(ec2: EC2Client, region: string, found: Findings): Promise<CheckLine> {
  const check = 'AWS region';
  try {
    const [described] =
      (await ec2.send(new DescribeRegionsCommand({ RegionNames: [region], AllRegions: true }))).Regions ?? [];
    if (described?.OptInStatus === 'not-opted-in') {
      return fail(
        check,
        `${region} exists but is not enabled for this account`,
        'enable it: AWS console → Account → AWS Regions, or pick another region',
      );
    }
    found.regionOk = true;
    return ok(check, `${region}${described?.OptInStatus === 'opted-in' ? ' (opted in)' : ''}`);
  } catch (error) {
    if ((error as Error).name === 'InvalidParameterValue') {
      return fail(check, `${region} is not an AWS region`, 'fix "region" in the config (e.g. eu-central-1)');
    }
    found.regionOk = true; // a denied DescribeRegions says nothing about the region: go on
    return skip(check, `could not check (${(error as Error).name}); going on`);
  }
}

async function bootstrap(
  cloudFormation: CloudFormationClient,
  found: Findings,
  region: string,
): Promise<CheckLine> {
  const check = 'CDK bootstrap';
  const fix = `run npx cdk bootstrap aws://${found.account}/${region}`;
  try {
    const toolkit = await describeStack(cloudFormation, 'CDKToolkit');
    if (!toolkit) return fail(check, `no CDKToolkit stack in ${region}`, fix);
    if (!/_COMPLETE$/.test(toolkit.status) || /ROLLBACK/.test(toolkit.status)) {
      return fail(check, `the CDKToolkit stack is ${toolkit.status}`, `${fix} again`);
    }
    const version = Number(toolkit.outputs.BootstrapVersion);
    if (!(version >= MIN_BOOTSTRAP_VERSION)) {
      return fail(
        check,
        `bootstrap version ${toolkit.outputs.BootstrapVersion ?? 'unknown'} is too old (needs ${MIN_BOOTSTRAP_VERSION}+)`,
        `${fix} again`,
      );
    }
    return ok(check, `CDKToolkit, version ${version}`);
  } catch (error) {
    const failure = awsFailure(error, {
      action: 'read the CDKToolkit stack',
      permission: 'cloudformation:DescribeStacks',
      region,
    });
    return fail(check, failure.problem, failure.fix);
  }
}

async function executionRole(iam: IAMClient, found: Findings, region: string): Promise<CheckLine> {
  const check = 'CDK execution role';
  const roleName = `cdk-hnb659fds-cfn-exec-role-${found.account}-${region}`;
  try {
    const attached =
      (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies ?? [];
    if (attached.some((policy) => policy.PolicyArn?.endsWith(':policy/AdministratorAccess'))) {
      return fail(
        check,
        `${roleName} (what CloudFormation deploys with) still has AdministratorAccess`,
        're-bootstrap with the scoped policy: see README, Security',
      );
    }
    return ok(
      check,
      `${roleName}: ${attached.map((policy) => policy.PolicyName).join(', ') || 'no managed policies'}`,
    );
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'NoSuchEntity' || name === 'NoSuchEntityException') {
      return skip(check, `${roleName} not found (bootstrapped with another qualifier?)`);
    }
    return skip(check, `could not check (${name}; needs iam:ListAttachedRolePolicies)`);
  }
}

async function stackCheck(
  cloudFormation: CloudFormationClient,
  config: ValheimConfig,
  found: Findings,
): Promise<CheckLine> {
  const check = 'stack';
  const { stackName, region } = config;
  try {
    const stack = await describeStack(cloudFormation, stackName);
    if (!stack)
      return fail(check, `${stackName} is not deployed in ${region}`, 'deploy it: npx valheim deploy');
    if (/IN_PROGRESS$/.test(stack.status) && !/CLEANUP/.test(stack.status)) {
      return fail(
        check,
        `${stackName} is ${stack.status}`,
        'wait for the deploy to finish, then run doctor again',
      );
    }
    if (/FAILED$|ROLLBACK_COMPLETE$/.test(stack.status)) {
      return fail(
        check,
        `${stackName} is ${stack.status}${stack.statusReason ? ` (${stack.statusReason})` : ''}`,
        stack.status === 'ROLLBACK_COMPLETE'
          ? 'the first deploy failed: see its events in the CloudFormation console, delete the stack, deploy again'
          : 'see the stack events in the CloudFormation console, fix the cause, deploy again',
      );
    }
    found.stack = stack;
    return ok(check, `${stackName} ${stack.status}`);
  } catch (error) {
    const failure = awsFailure(error, {
      action: `read the stack ${stackName}`,
      permission: 'cloudformation:DescribeStacks',
      region,
    });
    return fail(check, failure.problem, failure.fix);
  }
}

const REQUIRED_OUTPUTS = ['DiscordEndpointUrl', 'DiscordSetup', 'ClusterName', 'ServiceName'];

function stackOutputs(stack: DeployedStack): CheckLine {
  const check = 'stack outputs';
  const missing = REQUIRED_OUTPUTS.filter((key) => !stack.outputs[key]);
  if (missing.length > 0) {
    return fail(check, `missing ${missing.join(', ')}`, 'deploy this version: npx valheim deploy');
  }
  return ok(check, `DiscordEndpointUrl ${stack.outputs.DiscordEndpointUrl}`);
}

async function secrets(ssm: SSMClient, config: ValheimConfig, found: Findings): Promise<CheckLine> {
  const check = 'SSM parameters';
  const names = secretParameterNames(config.stackName);
  try {
    const result = await ssm.send(
      new GetParametersCommand({ Names: [names.botToken, names.serverPassword], WithDecryption: true }),
    );
    const token = result.Parameters?.find((parameter) => parameter.Name === names.botToken)?.Value?.trim();
    if (token && !found.botToken) found.botToken = { value: token, source: 'SSM' };
    const missing = result.InvalidParameters ?? [];
    if (missing.length > 0) {
      const only =
        missing.length === 1
          ? missing[0] === names.botToken
            ? ' --only bot-token'
            : ' --only server-password'
          : '';
      return fail(
        check,
        `missing ${missing.join(', ')}`,
        `store ${missing.length === 1 ? 'it' : 'them'}: npx valheim secrets set${only}`,
      );
    }
    return ok(check, `${names.botToken} and ${names.serverPassword} are stored`);
  } catch (error) {
    const name = (error as Error).name;
    if (/KMS|InvalidKeyId/.test(name) || /\bKMS\b/.test((error as Error).message)) {
      return fail(
        check,
        `the parameters cannot be decrypted (${name})`,
        'store them again with the default key: npx valheim secrets set',
      );
    }
    const failure = awsFailure(error, {
      action: 'read the secrets from SSM',
      permission: `ssm:GetParameters on ${names.botToken} and ${names.serverPassword} (and kms:Decrypt)`,
      region: config.region,
    });
    return fail(check, failure.problem, failure.fix);
  }
}

async function botToken(rest: DiscordRest, config: ValheimConfig, found: Findings): Promise<CheckLine> {
  const check = 'bot token';
  const { applicationId } = config.discord;
  const source = found.botToken?.source ?? 'SSM';
  try {
    found.application = await rest.getCurrentApplication();
    found.botUserId = found.application.bot?.id;
  } catch (error) {
    if (error instanceof DiscordApiError && error.status === 401) {
      return fail(
        check,
        `Discord rejected the bot token from ${source} (401)`,
        'store a fresh one (Developer Portal → Bot → Reset Token): npx valheim secrets set --only bot-token',
      );
    }
    const { detail, fix } = explainDiscordError(error, discordTarget(config), 'read the application');
    return fail(check, detail, fix);
  }
  if (found.application.id !== applicationId) {
    const actual = found.application.id;
    found.application = undefined;
    return fail(
      check,
      `the token (from ${source}) is application ${actual}'s, but discord.applicationId is ${applicationId}`,
      `store the bot token of application ${applicationId} (npx valheim secrets set --only bot-token) or fix discord.applicationId`,
    );
  }
  return ok(check, `valid (from ${source}): ${found.application.name}, application ${applicationId}`);
}

async function botInGuild(rest: DiscordRest, config: ValheimConfig, found: Findings): Promise<CheckLine> {
  const check = 'bot in the server';
  const { guildId, applicationId } = config.discord;
  try {
    const guilds = (await rest.get('/users/@me/guilds')) as { id: string; name: string }[];
    const guild = guilds.find((candidate) => candidate.id === guildId);
    found.botInGuild = guild !== undefined;
    if (!guild) {
      return fail(
        check,
        `the bot is not in Discord server ${guildId}`,
        `invite it: ${botInviteUrl(applicationId)} (or fix discord.guildId)`,
      );
    }
    return ok(check, `${guild.name} (${guildId})`);
  } catch (error) {
    const { detail, fix } = explainDiscordError(error, discordTarget(config), "list the bot's servers");
    return fail(check, detail, fix);
  }
}

async function commands(rest: DiscordRest, config: ValheimConfig): Promise<CheckLine> {
  const check = 'slash commands';
  const { applicationId, guildId } = config.discord;
  const wire = 'run npx valheim discord wire';
  try {
    const registered = await rest.getGuildCommands(applicationId, guildId);
    const ours = registered.find((command) => command.name === COMMAND_NAME);
    if (!ours) return fail(check, `/${COMMAND_NAME} is not registered in server ${guildId}`, wire);
    const [wanted] = guildCommands();
    if (JSON.stringify(shape(ours)) !== JSON.stringify(shape(wanted))) {
      return fail(
        check,
        `/${COMMAND_NAME} in Discord differs from this version's (subcommands ${subcommands(ours)})`,
        wire,
      );
    }
    return ok(check, `/${COMMAND_NAME} ${subcommands(ours)} registered, equal to this version's`);
  } catch (error) {
    const { detail, fix } = explainDiscordError(error, discordTarget(config), 'list the commands');
    return fail(check, detail, fix);
  }
}

type CommandShape = {
  name: string;
  description?: string;
  options?: readonly { name: string; description?: string; type?: number }[];
};

/** The parts of a command users see; Discord adds ids, versions and defaults. */
function shape(command: CommandShape | undefined) {
  return {
    name: command?.name,
    description: command?.description,
    options: (command?.options ?? []).map(({ name, description, type }) => ({ name, description, type })),
  };
}

function subcommands(command: CommandShape): string {
  return (command.options ?? []).map((option) => option.name).join('|') || '(none)';
}

function publicKey(config: ValheimConfig, found: Findings): CheckLine {
  const check = 'public key';
  const actual = found.application?.verify_key;
  if (actual && actual !== config.discord.publicKey.toLowerCase()) {
    return fail(
      check,
      "discord.publicKey is not the application's, so the endpoint rejects every Discord request",
      'copy Developer Portal → General Information → Public Key into discord.publicKey, then npx valheim deploy',
    );
  }
  return ok(check, "discord.publicKey is the application's");
}

function endpointSetting(url: string, found: Findings): CheckLine {
  const check = 'endpoint URL';
  const actual = found.application?.interactions_endpoint_url;
  if (!actual)
    return fail(check, 'the application has no Interactions Endpoint URL', 'run npx valheim discord wire');
  if (actual !== url) {
    return fail(
      check,
      `the application points at ${actual}, not this stack's ${url}`,
      'run npx valheim discord wire',
    );
  }
  return ok(check, url);
}

async function endpointUp(url: string): Promise<CheckLine> {
  const check = 'endpoint up';
  const probe = await probeEndpoint(url, HTTP_TIMEOUT_MS);
  if (probe.kind === 'verifies') return ok(check, `${url} ${describeProbe(probe)}`);
  if (probe.kind === 'answered' && probe.status === 200) {
    return fail(
      check,
      `${url} ${describeProbe(probe)}`,
      "the endpoint must be the stack's; redeploy (npx valheim deploy)",
    );
  }
  return fail(
    check,
    `${url} ${describeProbe(probe)}`,
    probe.kind === 'answered'
      ? 'see the interactions Lambda\'s log in CloudWatch (the stack\'s function with "Discord /valheim command" in its description)'
      : 'check the stack finished deploying and the URL (stack output DiscordEndpointUrl)',
  );
}

async function noticeChannel(
  rest: DiscordRest,
  config: ValheimConfig,
  channelId: string,
  found: Findings,
): Promise<CheckLine> {
  const check = 'notice channel';
  const fixId = 'check discord.noticeChannelId (right-click the channel → Copy Channel ID)';
  let channel: APIChannel;
  try {
    channel = (await rest.get(`/channels/${channelId}`)) as APIChannel;
  } catch (error) {
    if (error instanceof DiscordApiError && error.status === 404) {
      return fail(check, `Discord knows no channel ${channelId} (404)`, fixId);
    }
    if (error instanceof DiscordApiError && error.status === 403) {
      return fail(
        check,
        `the bot cannot see channel ${channelId} (403, code ${error.code ?? '?'})`,
        'give the bot View Channel and Send Messages there (channel → Edit → Permissions)',
      );
    }
    const { detail, fix } = explainDiscordError(error, discordTarget(config), 'read the notice channel');
    return fail(check, detail, fix);
  }
  if (!('guild_id' in channel) || channel.guild_id !== config.discord.guildId) {
    return fail(check, `channel ${channelId} is not in Discord server ${config.discord.guildId}`, fixId);
  }
  try {
    const guild = (await rest.get(`/guilds/${config.discord.guildId}`)) as APIGuild;
    const member = (await rest.get(
      `/guilds/${config.discord.guildId}/members/${found.botUserId}`,
    )) as APIGuildMember;
    const missing = missingForPosting(
      channelPermissions({
        guildId: guild.id,
        ownerId: guild.owner_id,
        userId: found.botUserId ?? '',
        roles: guild.roles,
        memberRoles: member.roles,
        overwrites: 'permission_overwrites' in channel ? (channel.permission_overwrites ?? []) : [],
      }),
    );
    const name = 'name' in channel && channel.name ? `#${channel.name}` : channelId;
    if (missing.length > 0) {
      return fail(
        check,
        `the bot lacks ${missing.join(' and ')} in ${name}`,
        'allow them for the bot (channel → Edit → Permissions)',
      );
    }
    return ok(check, `the bot may post in ${name}`);
  } catch (error) {
    const { detail, fix } = explainDiscordError(error, discordTarget(config), "read the bot's permissions");
    return fail(check, detail, fix);
  }
}

async function image(tag: string, env: NodeJS.ProcessEnv): Promise<CheckLine> {
  const check = 'server image';
  const registry = (env.VALHEIM_REGISTRY_URL?.trim() || REGISTRY_URL).replace(/\/+$/, '');
  const reference = `${new URL(registry).host}/${IMAGE_REPOSITORY}:${tag}`;
  try {
    const tokenResponse = await fetch(`${registry}/token?scope=repository:${IMAGE_REPOSITORY}:pull`, {
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    const { token } = (await tokenResponse.json()) as { token?: string };
    const manifest = await fetch(`${registry}/v2/${IMAGE_REPOSITORY}/manifests/${tag}`, {
      method: 'HEAD',
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        accept:
          'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
      },
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    if (manifest.ok) return ok(check, `${reference} exists`);
    if (manifest.status === 404) {
      return fail(
        check,
        `${reference} does not exist`,
        'set server.imageTag to a published release (e.g. "1.2.0"; there is no "v" prefix)',
      );
    }
    return skip(check, `${reference}: the registry answered ${manifest.status}; not checked`);
  } catch (error) {
    return skip(
      check,
      `could not reach ${new URL(registry).host} (${networkErrorCode(error) ?? (error as Error).name}); not checked`,
    );
  }
}

async function gameService(ecs: ECSClient, config: ValheimConfig): Promise<CheckLine> {
  const check = 'game service';
  const { cluster, service } = gameServiceNames(config.stackName);
  try {
    const activity = await serviceActivity(sdkEcs(ecs), cluster, service);
    if (activity.kind === 'absent') {
      return fail(check, `no ECS service ${service} in cluster ${cluster}`, 'redeploy: npx valheim deploy');
    }
    if (activity.kind === 'stopped') return ok(check, 'stopped (desired count 0): /valheim start starts it');
    return ok(
      check,
      `active: desired ${activity.desiredCount}, running ${activity.runningCount}, pending ${activity.pendingCount}`,
    );
  } catch (error) {
    const failure = awsFailure(error, {
      action: `read the ECS service ${service}`,
      permission: 'ecs:DescribeServices',
      region: config.region,
    });
    return fail(check, failure.problem, failure.fix);
  }
}

function discordTarget(config: ValheimConfig) {
  return { applicationId: config.discord.applicationId, guildId: config.discord.guildId };
}

/** Adds `doctor` to the program. */
/** `valheim doctor`. */
export function doctorCommand({ deps, configOption, setExitCode }: CommandContext<DoctorDeps>): Command {
  return new Command('doctor')
    .description(
      'Check every link from AWS credentials to Discord and the game service: ✓, or ✗ with the fix',
    )
    .option('--json', 'print one JSON object')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Checks, in order: AWS credentials, the region, CDK bootstrap and its execution role, the stack and its
outputs, the SSM parameters, the bot token, the bot in the server, the slash commands, the public key,
the endpoint URL, that the endpoint answers (an unsigned POST must get 401), the notice channel, the
server image and the game service. A link that needs a failed one is skipped (–). Exits 1 on any ✗.

Environment: DISCORD_BOT_TOKEN, DISCORD_API_URL (as for valheim discord wire), AWS_PROFILE.`,
    )
    .action(async (options: { json?: boolean; config: string }) => {
      setExitCode(await doctor(options, deps));
    });
}
