import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupClient, ListBackupVaultsCommand } from '@aws-sdk/client-backup';
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { GetBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockAwsClient } from '../support/aws-mock.js';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { cloudFormationExecutionPolicy } from '../../src/config/bootstrap-policy.js';
import { guildCommands } from '../../src/discord/commands.js';
import { closedPort, type FakeDiscord, startFakeDiscord } from './fake-discord.js';
import { type FakeApplicationState, fakeApplication } from './fake-discord-app.js';
import {
  APPLICATION_ID,
  awsError,
  BOT_TOKEN,
  cliDeps,
  EXAMPLE_CONFIG,
  GUILD_ID,
  writeConfig,
} from './helpers.js';

const sts = mockAwsClient(STSClient);
const ec2 = mockAwsClient(EC2Client);
const cloudFormation = mockAwsClient(CloudFormationClient);
const iam = mockAwsClient(IAMClient);
const ssm = mockAwsClient(SSMClient);
const ecs = mockAwsClient(ECSClient);
const backup = mockAwsClient(BackupClient);
const s3 = mockAwsClient(S3Client);
const WORLD_BUCKET = 'valheim-ondemand-worldsbucket97ae83f6-a1b2c3d4e5f6';

const ACCOUNT = '111122223333';
const CHANNEL_ID = '567890123456789012';
const PUBLIC_KEY = EXAMPLE_CONFIG.discord.publicKey as string;
const MANIFEST = '/v2/community-valheim-tools/valheim-server/manifests/1.2.0';

let discord: FakeDiscord;
let registry: FakeDiscord;
let app: FakeApplicationState;
let endpointUrl: string;
let config: string;

function stack(name: string, status: string, outputs: Record<string, string>): { Stacks: Stack[] } {
  return {
    Stacks: [
      {
        StackName: name,
        StackStatus: status,
        CreationTime: new Date(),
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      } as Stack,
    ],
  };
}

/** The secret last segment of Discord's route, as the deploy stores it in SSM. */
const SEGMENT = 'c0ffee'.padEnd(40, '7');

function stackOutputs(apiUrl: string): Record<string, string> {
  return {
    DiscordApiUrl: apiUrl,
    DiscordSetup: '✓ commands: … | ✓ endpoint: …',
    ClusterName: 'valheim-ondemand',
    ServiceName: 'valheim-ondemand-server',
    WorldBucket: WORLD_BUCKET,
  };
}

const EXECUTION_POLICY_ARN = `arn:aws:iam::${ACCOUNT}:policy/valheim-ondemand-cfn-execution`;

/** The execution policy IAM holds: sealed on the world bucket, or not. */
function sealed(yes: boolean): void {
  const document = cloudFormationExecutionPolicy(
    'valheim-ondemand',
    yes ? { sealedWorldBucket: WORLD_BUCKET } : {},
  );
  iam.on(GetPolicyCommand).resolves({ Policy: { DefaultVersionId: 'v3' } });
  iam
    .on(GetPolicyVersionCommand, { PolicyArn: EXECUTION_POLICY_ARN, VersionId: 'v3' })
    .resolves({ PolicyVersion: { Document: encodeURIComponent(JSON.stringify(document)) } });
}

/** Everything healthy: each test breaks one link. */
beforeEach(async () => {
  for (const mock of [sts, ec2, cloudFormation, iam, ssm, ecs, backup, s3]) mock.reset();
  [discord, registry] = await Promise.all([startFakeDiscord(), startFakeDiscord()]);
  endpointUrl = `${discord.apiUrl.replace(/\/api$/, '')}/discord/${SEGMENT}`;
  discord.reply('POST', `/discord/${SEGMENT}`, { status: 401 });
  app = fakeApplication(discord, {
    applicationId: APPLICATION_ID,
    botToken: BOT_TOKEN,
    verifyKey: PUBLIC_KEY,
  });
  app.guilds.add(GUILD_ID);
  app.commands.set(
    GUILD_ID,
    guildCommands().map((command, index) => ({ ...command, id: `9${index}`.padEnd(18, '0') })),
  );
  app.endpointUrl = endpointUrl;
  app.channels.set(CHANNEL_ID, { guildId: GUILD_ID, canSend: true });
  registry.reply('GET', '/token?scope=repository:community-valheim-tools/valheim-server:pull', {
    status: 200,
    body: { token: 'anonymous' },
  });
  registry.reply('HEAD', MANIFEST, { status: 200 });

  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/alice` });
  ec2
    .on(DescribeRegionsCommand)
    .resolves({ Regions: [{ RegionName: 'eu-central-1', OptInStatus: 'opt-in-not-required' }] });
  cloudFormation
    .on(DescribeStacksCommand, { StackName: 'CDKToolkit' })
    .resolves(stack('CDKToolkit', 'UPDATE_COMPLETE', { BootstrapVersion: '28' }))
    .on(DescribeStacksCommand, { StackName: 'valheim-ondemand' })
    .resolves(
      stack('valheim-ondemand', 'UPDATE_COMPLETE', stackOutputs(`${discord.apiUrl.replace(/\/api$/, '')}/`)),
    );
  iam.on(ListAttachedRolePoliciesCommand).resolves({
    AttachedPolicies: [
      { PolicyName: 'valheim-cfn-exec', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/valheim-cfn-exec` },
      { PolicyName: 'valheim-ondemand-cfn-execution', PolicyArn: EXECUTION_POLICY_ARN },
    ],
  });
  // Every protection on: the boundary on the execution role, the sealed policy, the lock, versioning
  iam.on(GetRoleCommand).resolves({
    Role: {
      RoleName: 'cdk-role',
      Path: '/',
      Arn: 'arn',
      RoleId: 'id',
      CreateDate: new Date(),
      PermissionsBoundary: {
        PermissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/valheim-ondemand-permissions-boundary`,
      },
    },
  });
  sealed(true);
  backup.on(ListBackupVaultsCommand).resolves({
    BackupVaultList: [
      { BackupVaultName: 'valheimondemandBackupVaultD27B53F3', Locked: true, MinRetentionDays: 35 },
    ],
  });
  s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
  ssm
    .on(GetParameterCommand, { Name: '/valheim-ondemand/discord-endpoint-path', WithDecryption: true })
    .resolves({ Parameter: { Value: SEGMENT } });
  ssm.on(GetParametersCommand).resolves({
    Parameters: [
      { Name: '/valheim-ondemand/discord-bot-token', Value: BOT_TOKEN },
      { Name: '/valheim-ondemand/server-password', Value: 'hunter22' },
    ],
    InvalidParameters: [],
  });
  ecs.on(DescribeServicesCommand).resolves({
    services: [{ status: 'ACTIVE', desiredCount: 0, runningCount: 0, pendingCount: 0 }],
  });
  config = writeConfig({ discord: { ...EXAMPLE_CONFIG.discord, noticeChannelId: CHANNEL_ID } });
});
afterEach(() => Promise.all([discord.close(), registry.close()]));

/** AWS_CONFIG_FILE with `config` (none when undefined) and a credentials file that does not exist. */
function awsFiles(config?: string): NodeJS.ProcessEnv {
  const folder = mkdtempSync(join(tmpdir(), 'valheim-aws-'));
  if (config !== undefined) writeFileSync(join(folder, 'config'), config);
  return {
    AWS_CONFIG_FILE: join(folder, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(folder, 'credentials'),
  };
}

async function doctor(env: NodeJS.ProcessEnv = {}, ...args: string[]) {
  const deps = cliDeps({
    DISCORD_API_URL: discord.apiUrl,
    VALHEIM_REGISTRY_URL: registry.apiUrl.replace(/\/api$/, ''),
    ...env,
  });
  const code = await run(['doctor', '--config', config, ...args], deps);
  return { code, lines: deps.term.stdout, term: deps.term };
}

const CHECKS = [
  'AWS credentials',
  'AWS region',
  'CDK bootstrap',
  'CDK execution role',
  'stack',
  'stack outputs',
  'SSM parameters',
  'bot token',
  'bot in the server',
  'slash commands',
  'public key',
  'endpoint URL',
  'endpoint up',
  'notice channel',
  'server image',
  'game service',
  'deploy protections',
];

describe('valheim doctor', () => {
  it('prints ✓ for every link of a healthy chain and exits 0', async () => {
    // When
    const { code, lines, term } = await doctor();
    // Then one line per link, in order, all ✓
    expect(code).toBe(0);
    expect(lines.slice(0, -1).map((line) => line.replace(/^✓ ([^:]+):.*$/, '$1'))).toEqual(CHECKS);
    expect(lines.at(-1)).toBe('Everything checked is fine.');
    expect(lines).toContain(`✓ AWS credentials: arn:aws:iam::${ACCOUNT}:user/alice (account ${ACCOUNT})`);
    const shown = endpointUrl.replace(SEGMENT, `…${SEGMENT.slice(-4)}`);
    expect(lines).toContain(`✓ stack outputs: Discord endpoint ${shown}`);
    expect(lines).toContain(`✓ endpoint URL: ${shown}`);
    expect(lines).toContain(
      `✓ endpoint up: ${shown} answers an unsigned request with 401 (it verifies signatures)`,
    );
    // And the secret segment of the endpoint never reaches the terminal
    expect(term.all()).not.toContain(SEGMENT);
    expect(lines).toContain('✓ notice channel: the bot may post in #valheim');
    expect(term.all()).not.toContain(BOT_TOKEN);
  });

  const cases: [string, string, () => void | Promise<void>, RegExp, NodeJS.ProcessEnv?][] = [
    [
      'deploy protections',
      'a world bucket not sealed after the first deploy',
      () => sealed(false),
      /off: world bucket not sealed .* — seal it: npm run --silent bootstrap-policy -- --seal-world-bucket valheim-ondemand-worldsbucket/,
    ],
    [
      'deploy protections',
      'an execution role without the boundary and a vault without its lock',
      () => {
        iam.on(GetRoleCommand).resolves({
          Role: { RoleName: 'r', Path: '/', Arn: 'a', RoleId: 'i', CreateDate: new Date() },
        });
        backup.on(ListBackupVaultsCommand).resolves({
          BackupVaultList: [{ BackupVaultName: 'valheimondemandBackupVaultD27B53F3', Locked: false }],
        });
      },
      /off: no boundary on the execution role, vault lock — bootstrap with --custom-permissions-boundary valheim-ondemand-permissions-boundary/,
    ],
    [
      'AWS credentials',
      'an unknown profile',
      () => {
        sts
          .on(GetCallerIdentityCommand)
          .rejects(awsError('CredentialsProviderError', 'Profile nope was not found.'));
      },
      /the AWS profile "nope" is not in ~\/\.aws\/config .* — set AWS_PROFILE to one of "aws configure list-profiles"/,
      { AWS_PROFILE: 'nope' },
    ],
    [
      'AWS credentials',
      'an expired SSO session',
      () => {
        sts
          .on(GetCallerIdentityCommand)
          .rejects(
            awsError(
              'CredentialsProviderError',
              'The SSO session associated with this profile has expired. To refresh this SSO session run aws sso login with the corresponding profile.',
            ),
          );
      },
      /the SSO session of the profile "work" has expired — log in again: aws sso login --profile work/,
      { AWS_PROFILE: 'work' },
    ],
    [
      'AWS credentials',
      'no credentials at all',
      () => {
        sts
          .on(GetCallerIdentityCommand)
          .rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
      },
      /no AWS credentials found .* — run aws configure/,
    ],
    [
      'AWS credentials',
      'a deleted access key',
      () => {
        sts
          .on(GetCallerIdentityCommand)
          .rejects(
            awsError('InvalidClientTokenId', 'The security token included in the request is invalid.'),
          );
      },
      /AWS rejected the access key \(InvalidClientTokenId\)/,
    ],
    [
      'AWS region',
      'a region not enabled',
      () => {
        ec2
          .on(DescribeRegionsCommand)
          .resolves({ Regions: [{ RegionName: 'eu-central-1', OptInStatus: 'not-opted-in' }] });
      },
      /eu-central-1 exists but is not enabled for this account — enable it/,
    ],
    [
      'AWS region',
      'a region that does not exist',
      () => {
        ec2.on(DescribeRegionsCommand).rejects(awsError('InvalidParameterValue', 'Invalid region'));
      },
      /eu-central-1 is not an AWS region/,
    ],
    [
      'CDK bootstrap',
      'no bootstrap',
      () => {
        cloudFormation
          .on(DescribeStacksCommand, { StackName: 'CDKToolkit' })
          .rejects(awsError('ValidationError', 'Stack with id CDKToolkit does not exist'));
      },
      /no CDKToolkit stack in eu-central-1 — run npx cdk bootstrap aws:\/\/111122223333\/eu-central-1/,
    ],
    [
      'CDK execution role',
      'AdministratorAccess still attached',
      () => {
        iam.on(ListAttachedRolePoliciesCommand).resolves({
          AttachedPolicies: [
            { PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
          ],
        });
      },
      /cdk-hnb659fds-cfn-exec-role-111122223333-eu-central-1 .* still has AdministratorAccess — re-bootstrap with the scoped policy: see README, Security/,
    ],
    [
      'stack',
      'no stack',
      () => {
        cloudFormation
          .on(DescribeStacksCommand, { StackName: 'valheim-ondemand' })
          .rejects(awsError('ValidationError', 'Stack with id valheim-ondemand does not exist'));
      },
      /valheim-ondemand is not deployed in eu-central-1 — deploy it: npx valheim deploy/,
    ],
    [
      'stack',
      'a failed first deploy',
      () => {
        cloudFormation
          .on(DescribeStacksCommand, { StackName: 'valheim-ondemand' })
          .resolves(stack('valheim-ondemand', 'ROLLBACK_COMPLETE', {}));
      },
      /valheim-ondemand is ROLLBACK_COMPLETE — the first deploy failed/,
    ],
    [
      'stack outputs',
      'an old stack without the outputs',
      () => {
        cloudFormation
          .on(DescribeStacksCommand, { StackName: 'valheim-ondemand' })
          .resolves(stack('valheim-ondemand', 'UPDATE_COMPLETE', { DiscordEndpointUrl: endpointUrl }));
      },
      /missing DiscordApiUrl, DiscordSetup, ClusterName, ServiceName — deploy this version/,
    ],
    [
      'stack outputs',
      'no secret endpoint path in SSM',
      () => {
        ssm
          .on(GetParameterCommand, { Name: '/valheim-ondemand/discord-endpoint-path' })
          .rejects(awsError('ParameterNotFound'));
      },
      /discord-endpoint-path, the secret part of the endpoint URL, is missing — deploy again/,
    ],
    [
      'SSM parameters',
      'no bot token stored',
      () => {
        ssm.on(GetParametersCommand).resolves({
          Parameters: [{ Name: '/valheim-ondemand/server-password', Value: 'x' }],
          InvalidParameters: ['/valheim-ondemand/discord-bot-token'],
        });
      },
      /missing \/valheim-ondemand\/discord-bot-token — store it: npx valheim secrets set --only bot-token/,
    ],
    [
      'SSM parameters',
      'a denied read (not "no bot token")',
      () => {
        ssm.on(GetParametersCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
      },
      /AWS denied permission to read the secrets from SSM .* — your AWS identity needs ssm:GetParameters/,
    ],
    [
      'SSM parameters',
      'a KMS failure (not "no bot token")',
      () => {
        ssm.on(GetParametersCommand).rejects(awsError('InvalidKeyId', 'The KMS key is disabled'));
      },
      /cannot be decrypted \(InvalidKeyId\)/,
    ],
    [
      'bot token',
      'a rejected token',
      () => {
        app.botToken = 'rotated-in-the-portal';
      },
      /Discord rejected the bot token from SSM \(401\) — store a fresh one/,
    ],
    [
      'bot token',
      "another application's token",
      () => {
        fakeApplication(discord, {
          applicationId: '999999999999999999',
          botToken: BOT_TOKEN,
          verifyKey: PUBLIC_KEY,
        });
      },
      /the token \(from SSM\) is application 999999999999999999's, but discord\.applicationId is 123456789012345678/,
    ],
    [
      'bot token',
      'Discord unreachable',
      async () => {
        await discord.close();
      },
      /could not reach Discord to read the application \(ECONNREFUSED\) — check the connection/,
    ],
    [
      'bot in the server',
      'the bot not invited',
      () => {
        app.guilds.delete(GUILD_ID);
      },
      /the bot is not in Discord server 234567890123456789 — invite it: https:\/\/discord\.com\/oauth2\/authorize\?client_id=123456789012345678/,
    ],
    [
      'slash commands',
      'no commands registered',
      () => {
        app.commands.set(GUILD_ID, []);
      },
      /\/valheim is not registered in server 234567890123456789 — run npx valheim discord wire/,
    ],
    [
      'slash commands',
      'commands of an older version',
      () => {
        app.commands.set(GUILD_ID, [
          {
            id: '1',
            name: 'valheim',
            description: 'old',
            options: [{ type: 1, name: 'start', description: 'Start' }],
          },
        ]);
      },
      /\/valheim in Discord differs from this version's \(subcommands start\) — run npx valheim discord wire/,
    ],
    [
      'public key',
      "a public key that is not the application's",
      () => {
        app.verifyKey = 'cd'.repeat(32);
      },
      /discord\.publicKey is not the application's, so the endpoint rejects every Discord request — copy/,
    ],
    [
      'endpoint URL',
      'no endpoint URL set',
      () => {
        app.endpointUrl = undefined;
      },
      /the application has no Interactions Endpoint URL — run npx valheim discord wire/,
    ],
    [
      'endpoint URL',
      'the endpoint URL of another deployment',
      () => {
        app.endpointUrl = 'https://old.example.com/discord';
      },
      /the application points at https:\/\/old\.example\.com\/discord, not this stack's/,
    ],
    [
      'endpoint up',
      'an endpoint that answers 500',
      () => {
        discord.reply('POST', `/discord/${SEGMENT}`, { status: 500 });
      },
      /answers 500 instead of 401 — see the interactions Lambda's log/,
    ],
    [
      'endpoint up',
      'an endpoint that does not verify signatures',
      () => {
        discord.reply('POST', `/discord/${SEGMENT}`, { status: 200, body: { type: 1 } });
      },
      /answers an unsigned request with 200: it does not verify signatures/,
    ],
    [
      'endpoint up',
      'an endpoint that does not answer',
      async () => {
        const api = `http://127.0.0.1:${await closedPort()}/`;
        app.endpointUrl = `${api}discord/${SEGMENT}`;
        cloudFormation
          .on(DescribeStacksCommand, { StackName: 'valheim-ondemand' })
          .resolves(stack('valheim-ondemand', 'UPDATE_COMPLETE', stackOutputs(api)));
      },
      /did not answer \(ECONNREFUSED\) — check the stack finished deploying/,
    ],
    [
      'notice channel',
      'an unknown channel',
      () => {
        app.channels.clear();
      },
      /Discord knows no channel 567890123456789012 \(404\) — check discord\.noticeChannelId/,
    ],
    [
      'notice channel',
      'a channel the bot may not post in',
      () => {
        app.channels.set(CHANNEL_ID, { guildId: GUILD_ID, canSend: false });
      },
      /the bot lacks Send Messages in #valheim — allow them/,
    ],
    [
      'notice channel',
      'a channel the bot cannot see',
      () => {
        discord.reply('GET', `/api/v10/channels/${CHANNEL_ID}`, {
          status: 403,
          body: { message: 'Missing Access', code: 50001 },
        });
      },
      /the bot cannot see channel 567890123456789012 \(403, code 50001\) — give the bot View Channel and Send Messages/,
    ],
    [
      'notice channel',
      'a channel of another server',
      () => {
        app.channels.set(CHANNEL_ID, { guildId: '678901234567890123', canSend: true });
      },
      /channel 567890123456789012 is not in Discord server 234567890123456789 — check discord\.noticeChannelId/,
    ],
    [
      'AWS credentials',
      'an expired session token',
      () => {
        sts
          .on(GetCallerIdentityCommand)
          .rejects(awsError('ExpiredToken', 'The security token included in the request is expired'));
      },
      /the AWS session token has expired \(ExpiredToken\) — refresh the credentials/,
    ],
    [
      'CDK bootstrap',
      'an old bootstrap',
      () => {
        cloudFormation
          .on(DescribeStacksCommand, { StackName: 'CDKToolkit' })
          .resolves(stack('CDKToolkit', 'UPDATE_COMPLETE', { BootstrapVersion: '4' }));
      },
      /bootstrap version 4 is too old \(needs 6\+\) — run npx cdk bootstrap/,
    ],
    [
      'stack',
      'a deploy in progress',
      () => {
        cloudFormation
          .on(DescribeStacksCommand, { StackName: 'valheim-ondemand' })
          .resolves(stack('valheim-ondemand', 'UPDATE_IN_PROGRESS', {}));
      },
      /valheim-ondemand is UPDATE_IN_PROGRESS — wait for the deploy to finish/,
    ],
    [
      'server image',
      'an image tag that does not exist',
      () => {
        registry.reply('HEAD', MANIFEST, { status: 404 });
      },
      /127\.0\.0\.1:\d+\/community-valheim-tools\/valheim-server:1\.2\.0 does not exist — set server\.imageTag/,
    ],
    [
      'game service',
      'no game service',
      () => {
        ecs.on(DescribeServicesCommand).rejects(awsError('ServiceNotFoundException', 'Service not found'));
      },
      /no ECS service valheim-ondemand-server in cluster valheim-ondemand — redeploy/,
    ],
  ];

  cases.push(
    [
      'AWS credentials',
      'an AWS_PROFILE that no file defines (the SDK says only "any providers")',
      () => {
        sts
          .on(GetCallerIdentityCommand)
          .rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
      },
      /^✗ AWS credentials: the AWS profile "nope" \(AWS_PROFILE\) is not defined \(looked in \S+\/config\) — set AWS_PROFILE to one of "aws configure list-profiles", or create it: aws configure --profile nope$/,
      { AWS_PROFILE: 'nope', ...awsFiles('[profile work]\nregion = eu-central-1\n') },
    ],
    [
      'AWS credentials',
      'no credentials and no AWS files (says what was looked at)',
      () => {
        sts
          .on(GetCallerIdentityCommand)
          .rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
      },
      /^✗ AWS credentials: no AWS credentials found \(no AWS_PROFILE or AWS_ACCESS_KEY_ID; neither \S+\/config nor \S+\/credentials exists, with no usable default profile\) — run aws configure/,
      awsFiles(),
    ],
    [
      'CDK execution role',
      'a bootstrap with another qualifier (no default role, though CDKToolkit exists)',
      () => {
        iam.on(ListAttachedRolePoliciesCommand).rejects(awsError('NoSuchEntity', 'The role cannot be found'));
      },
      /^✗ CDK execution role: cdk-hnb659fds-cfn-exec-role-111122223333-eu-central-1 does not exist, although the CDKToolkit stack does .* — bootstrap again with the default qualifier: npx cdk bootstrap aws:\/\/111122223333\/eu-central-1$/,
    ],
  );

  it.each(cases)('✗ %s: %s', async (check, _, arrange, expected, env) => {
    // Given one broken link
    await arrange();
    // When
    const { code, lines } = await doctor(env);
    // Then its line is ✗ with the fix, and doctor exits 1
    expect(code).toBe(1);
    const line = lines.find((candidate) => candidate.startsWith(`✗ ${check}: `));
    expect(line).toMatch(expected);
    expect(line).not.toMatch(/\((TypeError|Error)\)|— then /);
    expect(lines.at(-1)).toMatch(/problem\(s\)/);
  });

  it('skips what depends on a failed link instead of piling up ✗', async () => {
    // Given no credentials
    sts
      .on(GetCallerIdentityCommand)
      .rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    // When
    const { lines } = await doctor();
    // Then only the credentials fail; the AWS and Discord links after them are skipped
    expect(lines.filter((line) => line.startsWith('✗'))).toHaveLength(1);
    expect(lines).toContain('– stack: skipped: needs working AWS credentials');
    expect(lines).toContain('– bot token: skipped: needs a working bot token');
  });

  it('does not guess at the execution role when there is no bootstrap at all', async () => {
    // Given no CDKToolkit stack
    cloudFormation
      .on(DescribeStacksCommand, { StackName: 'CDKToolkit' })
      .rejects(awsError('ValidationError', 'Stack with id CDKToolkit does not exist'));
    iam.on(ListAttachedRolePoliciesCommand).rejects(awsError('NoSuchEntity', 'The role cannot be found'));
    // When
    const { lines } = await doctor();
    // Then the role is not looked for, and nothing speaks of qualifiers
    expect(lines).toContain('– CDK execution role: skipped: needs the CDK bootstrap');
    expect(lines.join('\n')).not.toMatch(/qualifier/);
    expect(iam).not.toHaveReceivedCommand(ListAttachedRolePoliciesCommand);
  });

  it('checks Discord with DISCORD_BOT_TOKEN even without AWS credentials', async () => {
    // Given no credentials, and the token in the environment
    sts
      .on(GetCallerIdentityCommand)
      .rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    // When
    const { lines } = await doctor({ DISCORD_BOT_TOKEN: BOT_TOKEN });
    // Then the Discord links are checked
    expect(lines).toContain(
      `✓ bot token: valid (from DISCORD_BOT_TOKEN): Valheim Bot, application ${APPLICATION_ID}`,
    );
    expect(lines).toContainEqual(expect.stringMatching(/^✓ bot in the server: /));
    expect(lines).toContainEqual(expect.stringMatching(/^✓ slash commands: \/valheim start\|stop/));
  });

  it('does not fail when the registry cannot be reached: the image is not checked', async () => {
    // Given
    const { code, lines } = await doctor({ VALHEIM_REGISTRY_URL: `http://127.0.0.1:${await closedPort()}` });
    // Then
    expect(code).toBe(0);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^– server image: could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\); not checked$/,
      ),
    );
  });

  it('prints one JSON object with --json', async () => {
    // Given the bot not invited
    app.guilds.delete(GUILD_ID);
    // When
    const { code, term } = await doctor({}, '--json');
    // Then
    expect(code).toBe(1);
    const parsed = JSON.parse(term.stdout.join('\n')) as {
      ok: boolean;
      checks: { check: string; state: string }[];
    };
    expect(parsed.ok).toBe(false);
    expect(parsed.checks.map((c) => c.check)).toEqual(CHECKS);
    expect(parsed.checks.find((c) => c.check === 'bot in the server')?.state).toBe('fail');
  });
});
