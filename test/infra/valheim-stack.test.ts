import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TRANSFER_MOUNT_PATH } from '../../infra/constructs/index.js';
import { addValheimStack } from '../../infra/valheim-app.js';
import { gameServiceNames, serverLogGroupName } from '../../src/config/names.js';
import { COST_TAG_KEY, type ValheimConfig } from '../../src/config/schema.js';
import { estimateCost, IMAGE_BACKUPS_KEPT } from '../../src/cost/estimate.js';
import { guildCommands } from '../../src/discord/commands.js';
import { gameBranchHook, preUpdateCopyHook } from '../../src/game/hooks.js';
import { readInteractionsEnvironment } from '../../src/handlers/environment.js';
import { readMonitorEnvironment } from '../../src/monitor/environment.js';
import { TTL_ATTRIBUTE } from '../../src/monitor/state-store.js';
import { WAKE_EVENT_DETAIL_TYPE, WAKE_EVENT_SOURCE } from '../../src/monitor/wake-event.js';
import { logFilterEnvironment } from '../../src/players/log-noise.js';
import { LOG_FILTER_PATTERN, logFilterPattern } from '../../src/players/server-log.js';
import { INSTALL_CACHE_PREFIX } from '../../src/server-cache/install-cache.js';
import { worldArgsHook } from '../../src/worlds/active-world.js';
import { SNAPSHOT_COLD_AFTER_DAYS } from '../../src/worlds/snapshot-policy.js';
import { IMPORTS, SNAPSHOTS } from '../../src/worlds/snapshots.js';
import { swapRepairHook } from '../../src/worlds/swap-repair.js';
import {
  TRANSFER_IMAGE,
  TRANSFER_LOCK_KEY,
  TRANSFER_SCRIPT_PATH,
  transferCommand,
} from '../../src/worlds/transfer-script.js';
import { TRANSFER_CONTAINER, transferFamily } from '../../src/worlds/transfer-task.js';
import {
  appContext,
  asArray,
  exampleConfig,
  findOne,
  lambdaEnvironment,
  lambdaFunction,
  policyStatements,
  resources,
  roleOf,
  roleStatements,
  synthesize,
} from './helpers.js';

/** Resource types CloudFormation cannot tag; every other resource must carry the cost tag. */
const UNTAGGABLE = new Set([
  'AWS::CDK::Metadata',
  // CDK's AwsCustomResource (the active-world parameters): CloudFormation custom resources take no tags
  'Custom::AWS',
  'AWS::EC2::Route',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::VPCGatewayAttachment',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EFS::MountTarget',
  'AWS::ECS::ClusterCapacityProviderAssociations',
  'AWS::IAM::Policy',
  'AWS::Lambda::Permission',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Integration',
  'AWS::Backup::BackupSelection',
  'AWS::Scheduler::Schedule',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Logs::SubscriptionFilter',
  'AWS::S3::BucketPolicy',
  'Custom::DiscordWiring',
  'Custom::DiscordEndpointPath',
]);

/** The Lambdas, by their description. */
const INTERACTIONS = /Discord \/valheim command/;
const MONITOR = /^Watches the Valheim server/;
const SERVER_LOG = /^Records players joining and leaving/;
const WIRING = /^Registers the Discord slash commands/;

/** A resolved template value as text: refs and attributes as `<LogicalId>`, joins flattened. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return `<${String(object.Ref)}>`;
  if ('Fn::GetAtt' in object) return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
  const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
  return parts.map(text).join(separator);
}

/** What a Lambda's role may do, as "action on resource" lines, with conditions appended when present. */
function grantsOf(template: Template, description: RegExp): string[] {
  return grantsOfRole(template, roleOf(lambdaFunction(template, description).properties));
}

/** What a role may do, as "action on resource" lines, with conditions appended when present. */
function grantsOfRole(template: Template, role: string): string[] {
  return roleStatements(template, role).flatMap((statement) => {
    expect(statement.Effect).toBe('Allow');
    const condition = statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : '';
    return asArray(statement.Action as string | string[]).flatMap((action) =>
      asArray(statement.Resource).map((resource) => `${action} on ${text(resource)}${condition}`),
    );
  });
}

/** A Lambda's environment with every reference replaced by a plausible deploy-time value. */
function deployedEnvironment(template: Template, description: RegExp): NodeJS.ProcessEnv {
  const variables = lambdaEnvironment(lambdaFunction(template, description).properties);
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : text(value)]),
  );
}

/** The item actions each function's StateStore port sends (test/infra/state-table-access.test.ts checks them). */
const TABLE_ITEMS = {
  interactions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
  monitor: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
  serverLog: ['dynamodb:GetItem', 'dynamodb:PutItem'],
};

/** Tags of a resource, whatever the property is called (Tags, FileSystemTags, BackupPlanTags…) or shaped like. */
function tagsOf(properties: Record<string, unknown>): Record<string, string> | undefined {
  let tags: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(properties)) {
    if (!name.endsWith('Tags')) continue;
    tags ??= {};
    if (Array.isArray(value)) {
      for (const tag of value as Array<{ Key: string; Value: string }>) tags[tag.Key] = tag.Value;
    } else Object.assign(tags, value);
  }
  return tags;
}

const isTransferTask = (p: Record<string, unknown>) =>
  (p.ContainerDefinitions as Array<{ Name?: string }>).some((c) => c.Name === TRANSFER_CONTAINER);

/** The game server's task definition (the other one is the world-transfer task). */
function gameTask(template: Template): { id: string; properties: Record<string, unknown> } {
  return findOne(template, 'AWS::ECS::TaskDefinition', (p) => !isTransferTask(p));
}

function transferTask(template: Template): { id: string; properties: Record<string, unknown> } {
  return findOne(template, 'AWS::ECS::TaskDefinition', isTransferTask);
}

function onlyContainer(task: { properties: Record<string, unknown> }): Record<string, unknown> {
  const definitions = task.properties.ContainerDefinitions as Array<Record<string, unknown>>;
  expect(definitions).toHaveLength(1);
  return definitions[0] ?? {};
}

/** The Valheim container; the install-cache containers beside it are tested in server-install-cache.test.ts. */
function gameContainer(template: Template): Record<string, unknown> {
  const definitions = gameTask(template).properties.ContainerDefinitions as Array<Record<string, unknown>>;
  const game = definitions.filter((definition) => definition.Essential === true);
  expect(game).toHaveLength(1);
  return game[0] ?? {};
}

/** The logical ID behind a `{ "Fn::GetAtt": [id, "Arn"] }` role ARN. */
function roleIdOf(arn: unknown): string {
  return (arn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

function environmentOf(template: Template): Record<string, string> {
  const entries = gameContainer(template).Environment as Array<{ Name: string; Value: string }>;
  return Object.fromEntries(entries.map((entry) => [entry.Name, entry.Value]));
}

/** The grants `WorldTransfer.grantRun` adds to a role that can already read the game's status. */
function transferRunGrants(template: Template): string[] {
  const cluster = findOne(template, 'AWS::ECS::Cluster');
  const task = transferTask(template).properties;
  const passed = ' if {"StringEquals":{"iam:PassedToService":"ecs-tasks.amazonaws.com"}}';
  return [
    `ecs:RunTask on arn:aws:ecs:eu-central-1:<AWS::AccountId>:task-definition/valheim-ondemand-world-transfer:* if {"ArnEquals":{"ecs:cluster":{"Fn::GetAtt":["${cluster.id}","Arn"]}}}`,
    `ecs:TagResource on arn:aws:ecs:eu-central-1:<AWS::AccountId>:task/<${cluster.id}>/* if {"StringEquals":{"ecs:CreateAction":"RunTask"}}`,
    `iam:PassRole on <${roleIdOf(task.TaskRoleArn)}.Arn>${passed}`,
    `iam:PassRole on <${roleIdOf(task.ExecutionRoleArn)}.Arn>${passed}`,
  ];
}

const isGameSecurityGroup = (p: Record<string, unknown>) =>
  String(p.GroupDescription).startsWith('Valheim game task');
const isMountSecurityGroup = (p: Record<string, unknown>) =>
  String(p.GroupDescription).startsWith('EFS mount targets');

describe('ValheimStack with the example config', () => {
  let config: ValheimConfig;
  let template: Template;

  beforeAll(() => {
    // Given the committed example config (no schedule, on-demand Fargate, eu-central-1, Europe/Berlin)
    config = exampleConfig();
    // When the app synthesizes it (cdk-nag and CloudFormation validation included)
    template = synthesize(config).template;
  });

  describe('network', () => {
    it('has public subnets only and nothing that bills while idle', () => {
      // Then
      template.resourceCountIs('AWS::EC2::NatGateway', 0);
      template.resourceCountIs('AWS::EC2::EIP', 0);
      template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
      const types = Object.values(resources(template)).map((resource) => resource.Type);
      expect(types.filter((type) => type.startsWith('AWS::ElasticLoadBalancing'))).toEqual([]);
      const subnets = Object.values(template.findResources('AWS::EC2::Subnet'));
      expect(subnets).toHaveLength(2);
      for (const subnet of subnets) {
        expect(subnet.Properties.MapPublicIpOnLaunch).toBe(true);
        expect(tagsOf(subnet.Properties)?.['aws-cdk:subnet-type']).toBe('Public');
      }
    });

    it('routes every subnet to the internet gateway', () => {
      // Then
      const gateway = findOne(template, 'AWS::EC2::InternetGateway');
      const routes = Object.values(template.findResources('AWS::EC2::Route'));
      expect(routes).toHaveLength(2);
      for (const route of routes) {
        expect(route.Properties).toMatchObject({
          DestinationCidrBlock: '0.0.0.0/0',
          GatewayId: { Ref: gateway.id },
        });
      }
    });

    it('opens UDP 2456-2457 to the game task and nothing else (2458 only for crossplay or mods: mod-install.test.ts)', () => {
      // Then the game security group admits exactly one rule
      const game = findOne(template, 'AWS::EC2::SecurityGroup', isGameSecurityGroup);
      expect(game.properties.SecurityGroupIngress).toEqual([
        {
          CidrIp: '0.0.0.0/0',
          IpProtocol: 'udp',
          FromPort: 2456,
          ToPort: 2457,
          Description: expect.any(String),
        },
      ]);
      // And no separate ingress resource adds to it
      for (const ingress of Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))) {
        expect(ingress.Properties.GroupId).not.toEqual({ 'Fn::GetAtt': [game.id, 'GroupId'] });
      }
      // And nothing else in the template is open to the internet (the other match is the task's egress)
      const open = JSON.stringify(template.toJSON()).match(/"CidrIpv?6?":"(0\.0\.0\.0\/0|::\/0)"/g) ?? [];
      expect(open).toHaveLength(2);
      expect(game.properties.SecurityGroupEgress).toEqual([
        expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: '-1' }),
      ]);
    });
  });

  describe('world storage', () => {
    it('is an encrypted EFS file system kept on delete and replacement, without EFS auto-backups', () => {
      // Then
      const fileSystems = Object.values(template.findResources('AWS::EFS::FileSystem'));
      expect(fileSystems).toHaveLength(1);
      const [fileSystem] = fileSystems;
      expect(fileSystem).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      expect(fileSystem?.Properties).toMatchObject({ Encrypted: true, BackupPolicy: { Status: 'DISABLED' } });
      // (Its lifecycle policies are the cost estimate's: test/infra/cost-assumptions.test.ts.)
    });

    it('is reached through an access point on /valheim owned by root', () => {
      // Then
      template.hasResourceProperties('AWS::EFS::AccessPoint', {
        RootDirectory: {
          Path: '/valheim',
          CreationInfo: { OwnerUid: '0', OwnerGid: '0', Permissions: '755' },
        },
      });
    });

    it('accepts NFS from the game task only', () => {
      // Given
      const game = findOne(template, 'AWS::EC2::SecurityGroup', isGameSecurityGroup);
      const mount = findOne(template, 'AWS::EC2::SecurityGroup', isMountSecurityGroup);
      // Then
      expect(mount.properties).not.toHaveProperty('SecurityGroupIngress');
      template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: { 'Fn::GetAtt': [mount.id, 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [game.id, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 2049,
        ToPort: 2049,
      });
    });

    it('is backed up by AWS Backup on the configured schedule, time zone and retention', () => {
      // Then ("daily 05:00" in Europe/Berlin, kept 35 days)
      const fileSystem = findOne(template, 'AWS::EFS::FileSystem');
      template.hasResourceProperties('AWS::Backup::BackupPlan', {
        BackupPlan: Match.objectLike({
          BackupPlanRule: [
            Match.objectLike({
              ScheduleExpression: 'cron(0 5 * * ? *)',
              ScheduleExpressionTimezone: 'Europe/Berlin',
              Lifecycle: { DeleteAfterDays: 35 },
            }),
          ],
        }),
      });
      template.hasResource('AWS::Backup::BackupVault', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      const selection = findOne(template, 'AWS::Backup::BackupSelection').properties.BackupSelection as {
        Resources: unknown[];
      };
      expect(selection.Resources).toHaveLength(1);
      expect(selection.Resources[0]).toEqual({
        'Fn::Join': [
          '',
          [
            'arn:aws:elasticfilesystem:eu-central-1:',
            { Ref: 'AWS::AccountId' },
            ':file-system/',
            { Ref: fileSystem.id },
          ],
        ],
      });
    });
  });

  describe('game server', () => {
    it('never starts a task on deploy and never runs two tasks on one world', () => {
      // Then
      template.hasResourceProperties('AWS::ECS::Service', {
        DesiredCount: 0,
        DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 0, MaximumPercent: 100 }),
        AvailabilityZoneRebalancing: 'DISABLED',
      });
      const service = findOne(template, 'AWS::ECS::Service');
      expect(service.properties.DeploymentConfiguration).not.toHaveProperty('DeploymentCircuitBreaker');
    });

    it('names the cluster and the service the way `npm run deploy` looks for them', () => {
      // Given the names the deploy command checks for a running game
      const names = gameServiceNames('valheim-ondemand');
      // Then
      template.hasResourceProperties('AWS::ECS::Cluster', { ClusterName: names.cluster });
      template.hasResourceProperties('AWS::ECS::Service', { ServiceName: names.service });
    });

    it('runs on on-demand Fargate in public subnets with a public IP, and tasks inherit its tags', () => {
      // Then
      const subnets = Object.keys(template.findResources('AWS::EC2::Subnet')).map((id) => ({ Ref: id }));
      template.hasResourceProperties('AWS::ECS::Service', {
        CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1 }],
        LaunchType: Match.absent(),
        PlatformVersion: 'LATEST',
        PropagateTags: 'SERVICE',
        NetworkConfiguration: {
          AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED', Subnets: subnets }),
        },
      });
      expect(asArray(findOne(template, 'AWS::ECS::Service').properties.LoadBalancers)).toEqual([]);
      template.hasResourceProperties('AWS::ECS::Cluster', {
        ClusterSettings: [{ Name: 'containerInsights', Value: 'disabled' }],
      });
      template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
        CapacityProviders: Match.arrayWith(['FARGATE', 'FARGATE_SPOT']),
      });
    });

    it('sizes the x86-64 task from the config and mounts the world over encrypted, IAM-authorized NFS', () => {
      // Then
      const fileSystem = findOne(template, 'AWS::EFS::FileSystem');
      const accessPoint = findOne(template, 'AWS::EFS::AccessPoint');
      template.hasResourceProperties('AWS::ECS::TaskDefinition', {
        Cpu: '2048',
        Memory: '8192',
        RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
        Volumes: [
          {
            Name: 'world',
            EFSVolumeConfiguration: {
              FilesystemId: { Ref: fileSystem.id },
              TransitEncryption: 'ENABLED',
              AuthorizationConfig: { AccessPointId: { Ref: accessPoint.id }, IAM: 'ENABLED' },
            },
          },
          // The server install on task storage (filled from the install cache)
          { Name: 'valheim-install' },
        ],
      });
      expect(gameContainer(template)).toMatchObject({
        MountPoints: [
          { ContainerPath: '/config', SourceVolume: 'world', ReadOnly: false },
          { ContainerPath: '/opt/valheim', SourceVolume: 'valheim-install', ReadOnly: false },
        ],
      });
    });

    it('runs the pinned image as an essential container with a 120 s stop timeout on UDP 2456-2457', () => {
      // Then
      expect(gameContainer(template)).toMatchObject({
        Image: 'ghcr.io/community-valheim-tools/valheim-server:1.2.0',
        Essential: true,
        StopTimeout: 120,
        PortMappings: [
          { ContainerPort: 2456, Protocol: 'udp' },
          { ContainerPort: 2457, Protocol: 'udp' },
        ],
      });
    });

    it('configures the image for an on-demand server', () => {
      // Then: no timed updates or restarts, count-based backup pruning, status page off
      expect(environmentOf(template)).toEqual({
        SERVER_NAME: 'Vikings of the North',
        // WORLD_NAME and WORLD_ARGS come from the active-world parameters (secrets, below)
        SERVER_PUBLIC: 'false',
        CROSSPLAY: 'false',
        // Valheim's rolling backups off, the user's arguments last
        SERVER_ARGS: '-backups 0 -preset casual',
        // ADMINLIST_IDS, BANNEDLIST_IDS, PERMITTEDLIST_IDS come from the player-list parameters (secrets)
        TZ: 'Europe/Berlin',
        UPDATE_CRON: '',
        RESTART_CRON: '',
        // No zips of the image on EFS next to the world (IMAGE_BACKUPS_KEPT, which the cost estimate counts)
        BACKUPS: IMAGE_BACKUPS_KEPT === 0 ? 'false' : 'true',
        STATUS_HTTP: 'false',
        // Puts the previous world back after a restore killed mid-swap (test/worlds/swap-repair.test.ts).
        PRE_BOOTSTRAP_HOOK: swapRepairHook('/config'),
        // Takes the active world and its flags from WORLD_ARGS (test/worlds/active-world.test.ts).
        PRE_SERVER_RUN_HOOK: worldArgsHook(),
        // No second hashing of the install at every start
        STEAMCMD_ARGS: '',
        // The group's branch (and a rollback's hold) for steamcmd (test/game/hooks.test.ts)
        PRE_UPDATE_CHECK_HOOK: gameBranchHook(),
        // A copy of the world when the build changed, then tells the install cache's pack container that
        // steamcmd is done
        POST_UPDATE_CHECK_HOOK: `${preUpdateCopyHook()}\ntouch /opt/valheim/.install-cache/update-checked`,
        // Unity's headless noise, filtered by the image before CloudWatch
        ...logFilterEnvironment(),
      });
    });

    it('injects the server password from SSM as a secret and keeps every secret value out of the template', () => {
      // Then SERVER_PASS is read from the SecureString parameter at task start
      const secrets = gameContainer(template).Secrets as Array<{ Name: string; ValueFrom: unknown }>;
      expect(secrets.map((secret) => secret.Name)).toEqual([
        'SERVER_PASS',
        'WORLD_NAME',
        'WORLD_ARGS',
        'GAME_BRANCH',
        'ADMINLIST_IDS',
        'BANNEDLIST_IDS',
        'PERMITTEDLIST_IDS',
      ]);
      const valueFrom = JSON.stringify(secrets[0]?.ValueFrom);
      expect(valueFrom).toContain('arn:aws:ssm:eu-central-1:');
      expect(valueFrom).toContain(':parameter/valheim-ondemand/server-password');
      // And no environment variable (task or Lambda) is a secret
      expect(Object.keys(environmentOf(template)).filter((name) => /PASS|TOKEN|SECRET/i.test(name))).toEqual(
        [],
      );
      // (the Lambdas get parameter names and read the values themselves)
      const mentioned: Record<string, unknown> = {};
      for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
        for (const [name, value] of Object.entries(lambdaEnvironment(fn.Properties))) {
          if (/PASS|TOKEN|SECRET/i.test(name)) mentioned[name] = value;
        }
      }
      expect(mentioned).toEqual({
        SERVER_PASSWORD_PARAMETER: '/valheim-ondemand/server-password',
        PASSWORD_VISIBLE_TO: 'members',
        BOT_TOKEN_PARAMETER: '/valheim-ondemand/discord-bot-token',
      });
      // And the template holds no parameter value: every string mentioning a password or token is a name
      template.resourceCountIs('AWS::SSM::Parameter', 0);
      template.resourceCountIs('AWS::SecretsManager::Secret', 0);
      const mentions: string[] = [];
      JSON.stringify(template.toJSON(), (_key, value) => {
        if (typeof value === 'string' && /pass(word)?|token/i.test(value)) mentions.push(value);
        return value;
      });
      expect(mentions.length).toBeGreaterThan(0);
      // (the log filter names Valheim's "has wrong password" line: a log message, not a secret; the transfer
      // script names its lock's owner token, a random id it makes at run time; the branch hook passes Iron
      // Gate's public test-branch password, printed in the game image's own source, never in a log)
      const transferScript = transferCommand().command[0];
      for (const text of mentions.filter(
        (mention) =>
          mention !== LOG_FILTER_PATTERN && mention !== transferScript && mention !== gameBranchHook(),
      )) {
        expect(text).toMatch(
          /^(SERVER_PASS|(:parameter)?\/valheim-ondemand\/(server-password|discord-bot-token)|SSM SecureString to fill with the (Discord bot token|server password) \(valheim secrets set\)|iam:PassRole|iam:PassedToService)$/,
        );
      }
    });

    it('logs to its own log group through awslogs', () => {
      // Then
      const logConfiguration = gameContainer(template).LogConfiguration as {
        LogDriver: string;
        Options: Record<string, unknown>;
      };
      expect(logConfiguration.LogDriver).toBe('awslogs');
      const group = logConfiguration.Options['awslogs-group'] as { Ref: string };
      expect(resources(template)[group.Ref]?.Type).toBe('AWS::Logs::LogGroup');
      // And its name is the one `valheim logs` reads
      expect(resources(template)[group.Ref]?.Properties?.LogGroupName).toBe(
        serverLogGroupName('valheim-ondemand'),
      );
      expect(serverLogGroupName('valheim-ondemand')).toBe('/valheim-ondemand/server');
    });

    it('lets the task mount and write the world file system and read and replace the install cache, nothing more', () => {
      // Given
      const fileSystem = findOne(template, 'AWS::EFS::FileSystem');
      const bucket = findOne(template, 'AWS::S3::Bucket');
      const taskRoleArn = gameTask(template).properties.TaskRoleArn as {
        'Fn::GetAtt': [string, string];
      };
      const taskRole = taskRoleArn['Fn::GetAtt'][0];
      // Then
      const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
        JSON.stringify(policy.Properties.Roles).includes(taskRole),
      );
      expect(policies).toHaveLength(1);
      expect(policies[0]?.Properties.PolicyDocument.Statement).toEqual([
        expect.objectContaining({
          Action: [
            'elasticfilesystem:ClientMount',
            'elasticfilesystem:ClientRootAccess',
            'elasticfilesystem:ClientWrite',
          ],
          Resource: { 'Fn::GetAtt': [fileSystem.id, 'Arn'] },
        }),
        expect.objectContaining({
          Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
          // One tarball per game branch, all in the cache's folder
          Resource: {
            'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket.id, 'Arn'] }, `/${INSTALL_CACHE_PREFIX}/*`]],
          },
        }),
        expect.objectContaining({
          Action: 's3:ListBucket',
          Resource: { 'Fn::GetAtt': [bucket.id, 'Arn'] },
          Condition: { StringLike: { 's3:prefix': `${INSTALL_CACHE_PREFIX}/*` } },
        }),
      ]);
    });
  });

  describe('world bucket', () => {
    it('is private, encrypted with S3-managed keys, owner-enforced and versioned', () => {
      // Then
      template.resourceCountIs('AWS::S3::Bucket', 1);
      expect(findOne(template, 'AWS::S3::Bucket').properties).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        VersioningConfiguration: { Status: 'Enabled' },
      });
    });

    it('is kept on delete and replacement and never emptied by CloudFormation', () => {
      // Then
      template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      const types = Object.values(resources(template)).map((resource) => resource.Type);
      expect(types.filter((type) => type.startsWith('Custom::S3'))).toEqual([]);
    });

    it('refuses every request without TLS', () => {
      // Then
      const bucket = findOne(template, 'AWS::S3::Bucket');
      const policy = findOne(template, 'AWS::S3::BucketPolicy').properties;
      expect(policy.Bucket).toEqual({ Ref: bucket.id });
      expect((policy.PolicyDocument as { Statement: unknown[] }).Statement).toContainEqual({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Resource: [
          { 'Fn::GetAtt': [bucket.id, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket.id, 'Arn'] }, '/*']] },
        ],
      });
    });

    it('keeps snapshots (moving them to Glacier IR after a day), and expires only old versions, uploads, listings, downloaded zips and stray parts', () => {
      // Then
      const rules = (
        findOne(template, 'AWS::S3::Bucket').properties.LifecycleConfiguration as {
          Rules: Array<Record<string, unknown>>;
        }
      ).Rules;
      expect(rules).toEqual([
        {
          Id: 'OldVersions',
          Status: 'Enabled',
          NoncurrentVersionExpiration: { NoncurrentDays: 30 },
          ExpiredObjectDeleteMarker: true,
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        },
        { Id: 'Imports', Status: 'Enabled', Prefix: `${IMPORTS}/`, ExpirationInDays: 7 },
        { Id: 'ImageBackups', Status: 'Enabled', Prefix: 'image-backups/', ExpirationInDays: 7 },
        {
          Id: 'ServerInstallVersions',
          Status: 'Enabled',
          Prefix: 'server-install/',
          NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 1 },
          Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 0 }],
        },
        { Id: 'Listings', Status: 'Enabled', Prefix: 'listings/', ExpirationInDays: 1 },
        {
          Id: 'SnapshotsToGlacierInstantRetrieval',
          Status: 'Enabled',
          Prefix: `${SNAPSHOTS}/`,
          Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: SNAPSHOT_COLD_AFTER_DAYS }],
          NoncurrentVersionTransitions: [
            { StorageClass: 'GLACIER_IR', TransitionInDays: SNAPSHOT_COLD_AFTER_DAYS },
          ],
        },
      ]);
      // And no rule expires current snapshots
      for (const rule of rules) {
        if (rule.ExpirationInDays !== undefined) expect(rule.Prefix).not.toBe(`${SNAPSHOTS}/`);
      }
    });

    it('uses the prefixes the transfer script writes', () => {
      // Given the script the transfer task runs
      const script = readFileSync(TRANSFER_SCRIPT_PATH, 'utf8');
      // Then
      expect(script).toContain('s3://$BUCKET/listings/');
      expect(script).toContain('s3://$BUCKET/image-backups/');
      expect(script).toContain('_dest=snapshots/');
      expect(script).toContain('snapshots/?* | imports/?*');
    });

    it('outputs its name as WorldBucket', () => {
      // Then
      template.hasOutput('WorldBucket', { Value: { Ref: findOne(template, 'AWS::S3::Bucket').id } });
    });

    it('outputs the state table as StateTable (for VALHEIM_STATE_TABLE, read by `valheim starts`)', () => {
      template.hasOutput('StateTable', { Value: { Ref: findOne(template, 'AWS::DynamoDB::Table').id } });
    });
  });

  describe('world transfer task', () => {
    it('is an ARM64 Fargate task of 0.5 vCPU / 1 GiB in the family the CLI looks for', () => {
      // Then
      expect(transferTask(template).properties).toMatchObject({
        Family: transferFamily('valheim-ondemand'),
        Cpu: '512',
        Memory: '1024',
        NetworkMode: 'awsvpc',
        RequiresCompatibilities: ['FARGATE'],
        RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      });
    });

    it('runs the transfer script in the pinned AWS CLI image with a 120 s stop timeout', () => {
      // Then
      const { entryPoint, command } = transferCommand();
      expect(onlyContainer(transferTask(template))).toMatchObject({
        Name: TRANSFER_CONTAINER,
        Image: TRANSFER_IMAGE,
        Essential: true,
        EntryPoint: entryPoint,
        Command: command,
        StopTimeout: 120,
      });
      expect(TRANSFER_IMAGE).toMatch(/^public\.ecr\.aws\/aws-cli\/aws-cli:\d+\.\d+\.\d+$/);
    });

    it('mounts the game world through the same access point over encrypted, IAM-authorized NFS', () => {
      // Then
      const fileSystem = findOne(template, 'AWS::EFS::FileSystem');
      const accessPoint = findOne(template, 'AWS::EFS::AccessPoint');
      const task = transferTask(template);
      expect(task.properties.Volumes).toEqual([
        {
          Name: 'world',
          EFSVolumeConfiguration: {
            FilesystemId: { Ref: fileSystem.id },
            TransitEncryption: 'ENABLED',
            AuthorizationConfig: { AccessPointId: { Ref: accessPoint.id }, IAM: 'ENABLED' },
          },
        },
      ]);
      expect(onlyContainer(task).MountPoints).toEqual([
        { ContainerPath: TRANSFER_MOUNT_PATH, SourceVolume: 'world', ReadOnly: false },
      ]);
      // (where the script looks, and where the game keeps its world)
      expect(TRANSFER_MOUNT_PATH).toBe('/config');
      expect(readFileSync(TRANSFER_SCRIPT_PATH, 'utf8')).toMatch(/^ROOT=\$\{CONFIG_ROOT:-\/config\}$/m);
    });

    it('names the bucket (where the CLI finds it), the region and the lock table in its environment, and no secret', () => {
      // Then
      const bucket = findOne(template, 'AWS::S3::Bucket');
      const table = findOne(template, 'AWS::DynamoDB::Table');
      const container = onlyContainer(transferTask(template));
      expect(container.Environment).toEqual([
        { Name: 'BUCKET', Value: { Ref: bucket.id } },
        { Name: 'AWS_DEFAULT_REGION', Value: 'eu-central-1' },
        { Name: 'LOCK_TABLE', Value: { Ref: table.id } },
      ]);
      expect(container).not.toHaveProperty('Secrets');
    });

    it('logs to a log group of its own through awslogs', () => {
      // Then
      const logConfiguration = onlyContainer(transferTask(template)).LogConfiguration as {
        LogDriver: string;
        Options: Record<string, unknown>;
      };
      expect(logConfiguration.LogDriver).toBe('awslogs');
      const group = (logConfiguration.Options['awslogs-group'] as { Ref: string }).Ref;
      expect(resources(template)[group]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 30 },
      });
      const gameGroup = (gameContainer(template).LogConfiguration as { Options: Record<string, unknown> })
        .Options['awslogs-group'];
      expect({ Ref: group }).not.toEqual(gameGroup);
    });

    it('may mount the world as root, use its bucket prefixes without deleting, check the game service and lease the lock item', () => {
      // Given
      const table = findOne(template, 'AWS::DynamoDB::Table');
      const fileSystem = findOne(template, 'AWS::EFS::FileSystem');
      const bucket = findOne(template, 'AWS::S3::Bucket');
      const service = findOne(template, 'AWS::ECS::Service');
      const role = roleIdOf(transferTask(template).properties.TaskRoleArn);
      const objects = (prefix: string) => `<${bucket.id}.Arn>/${prefix}/*`;
      // Then
      expect(grantsOfRole(template, role).sort()).toEqual(
        [
          ...['ClientMount', 'ClientRootAccess', 'ClientWrite'].map(
            (action) =>
              `elasticfilesystem:${action} on <${fileSystem.id}.Arn> if {"Bool":{"elasticfilesystem:AccessedViaMountTarget":"true"}}`,
          ),
          `s3:ListBucket on <${bucket.id}.Arn> if {"StringLike":{"s3:prefix":["snapshots/*","imports/*"]}}`,
          `s3:GetObject on ${objects('snapshots')}`,
          `s3:GetObject on ${objects('imports')}`,
          `s3:PutObject on ${objects('snapshots')}`,
          `s3:PutObject on ${objects('listings')}`,
          `s3:PutObject on ${objects('image-backups')}`,
          `s3:AbortMultipartUpload on ${objects('snapshots')}`,
          `s3:AbortMultipartUpload on ${objects('listings')}`,
          `s3:AbortMultipartUpload on ${objects('image-backups')}`,
          `ecs:DescribeServices on <${service.id}>`,
          ...['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'].map(
            (action) =>
              `dynamodb:${action} on <${table.id}.Arn> if {"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["LOCK"]}}`,
          ),
        ].sort(),
      );
      // (the partition key the script leases)
      expect(readFileSync(TRANSFER_SCRIPT_PATH, 'utf8')).toContain(
        `LOCK_KEY='${JSON.stringify({ pk: { S: TRANSFER_LOCK_KEY.pk }, sk: { S: TRANSFER_LOCK_KEY.sk } })}'`,
      );
      // And its role may be assumed by ECS tasks only, without managed policies
      expect(resources(template)[role]?.Properties).toMatchObject({
        AssumeRolePolicyDocument: {
          Statement: [expect.objectContaining({ Principal: { Service: 'ecs-tasks.amazonaws.com' } })],
        },
      });
      expect(resources(template)[role]?.Properties).not.toHaveProperty('ManagedPolicyArns');
    });

    it('starts with an execution role that may only write its log', () => {
      // Then (the image is public: no ECR or secret permissions)
      const task = transferTask(template);
      const group = (onlyContainer(task).LogConfiguration as { Options: Record<string, { Ref: string }> })
        .Options['awslogs-group']?.Ref;
      expect(grantsOfRole(template, roleIdOf(task.properties.ExecutionRoleArn)).sort()).toEqual([
        `logs:CreateLogStream on <${group}.Arn>`,
        `logs:PutLogEvents on <${group}.Arn>`,
      ]);
    });

    it('gives the interactions handler a complete world-transfer setting for /valheim backup', () => {
      // Given the deployed environment, with plausible IDs for the subnets, security group and bucket
      const environment = {
        ...deployedEnvironment(template, INTERACTIONS),
        TRANSFER_SUBNETS: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
        TRANSFER_SECURITY_GROUPS: 'sg-0123456789abcdef0',
        WORLD_BUCKET: 'valheim-ondemand-worldsbucket97ae83f6-abcdef012345',
      };
      // When the handler reads it
      const settings = readInteractionsEnvironment(environment);
      // Then
      expect(settings.problems).toEqual([]);
      expect(settings.commands).toMatchObject({
        worldTransfer: {
          taskDefinition: 'valheim-ondemand-world-transfer',
          subnets: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
          securityGroups: ['sg-0123456789abcdef0'],
          worldName: 'Dedicated',
        },
      });
    });

    it('runs in the game subnets with the game security group, which may mount the world', () => {
      // Then the Lambda and the outputs name the game service's subnets and security group
      const service = findOne(template, 'AWS::ECS::Service').properties.NetworkConfiguration as {
        AwsvpcConfiguration: { Subnets: unknown[]; SecurityGroups: unknown[] };
      };
      const joined = {
        'Fn::Join': ['', service.AwsvpcConfiguration.Subnets.flatMap((s, i) => (i ? [',', s] : [s]))],
      };
      const [securityGroup] = service.AwsvpcConfiguration.SecurityGroups;
      const environment = lambdaEnvironment(lambdaFunction(template, INTERACTIONS).properties);
      expect(environment.TRANSFER_SUBNETS).toEqual(joined);
      expect(environment.TRANSFER_SECURITY_GROUPS).toEqual(securityGroup);
      template.hasOutput('TransferSubnets', { Value: joined });
      template.hasOutput('TransferSecurityGroup', { Value: securityGroup });
      // And that group reaches the mount targets on NFS
      const mount = findOne(template, 'AWS::EC2::SecurityGroup', isMountSecurityGroup);
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: { 'Fn::GetAtt': [mount.id, 'GroupId'] },
        SourceSecurityGroupId: securityGroup,
        FromPort: 2049,
      });
    });
  });

  describe('discord endpoint', () => {
    it('runs the interactions Lambda on nodejs22.x arm64 with its settings in the environment', () => {
      // Then
      const cluster = findOne(template, 'AWS::ECS::Cluster');
      const service = findOne(template, 'AWS::ECS::Service');
      const table = findOne(template, 'AWS::DynamoDB::Table');
      const bucket = findOne(template, 'AWS::S3::Bucket');
      const game = findOne(template, 'AWS::EC2::SecurityGroup', isGameSecurityGroup);
      const [first, second] = Object.keys(template.findResources('AWS::EC2::Subnet'));
      const fn = lambdaFunction(template, INTERACTIONS);
      expect(fn.properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 512,
        Timeout: 10,
      });
      expect(lambdaEnvironment(fn.properties)).toEqual({
        DISCORD_PUBLIC_KEY: config.discord.publicKey,
        DISCORD_GUILD_ID: config.discord.guildId,
        OPERATOR_ROLE_IDS: '',
        ECS_CLUSTER: { Ref: cluster.id },
        ECS_SERVICE: { 'Fn::GetAtt': [service.id, 'Name'] },
        STATE_TABLE: { Ref: table.id },
        SERVER_PASSWORD_PARAMETER: '/valheim-ondemand/server-password',
        PASSWORD_VISIBLE_TO: 'members',
        PLAYER_LISTS_PREFIX: 'valheim-ondemand',
        IDLE_STOP_MINUTES: '15',
        EMPTY_STOP_MINUTES: '30',
        TRANSFER_TASK_DEFINITION: 'valheim-ondemand-world-transfer',
        TRANSFER_SUBNETS: { 'Fn::Join': ['', [{ Ref: first }, ',', { Ref: second }]] },
        TRANSFER_SECURITY_GROUPS: { 'Fn::GetAtt': [game.id, 'GroupId'] },
        WORLD_BUCKET: { Ref: bucket.id },
        WORLD_NAME: 'Dedicated',
        GAME_BRANCH_PARAMETER: '/valheim-ondemand/game/branch',
        WORLD_NAME_PARAMETER: '/valheim-ondemand/world/name',
        WORLD_ARGS_PARAMETER: '/valheim-ondemand/world/args',
        WORLD_IDLE_USD_PER_GB: '0.1750',
        COST_FIXED_MONTHLY: estimateCost(config, {
          hoursPerMonth: 0,
          worldSizeGb: config.cost.worldSizeGb,
        }).idleMonthly.toFixed(2),
        NODE_OPTIONS: '--enable-source-maps',
      });
    });

    it('tells /valheim cost what the stack costs while idle, and leaves Cost Explorer out unless enabled', () => {
      // Then the always-on items of the estimate (EFS, backups) are passed as dollars a month
      const environment = lambdaEnvironment(lambdaFunction(template, INTERACTIONS).properties);
      expect(environment.COST_FIXED_MONTHLY).toMatch(/^\d+(\.\d+)?$/);
      expect(Number(environment.COST_FIXED_MONTHLY)).toBeCloseTo(
        estimateCost(config, { hoursPerMonth: 0, worldSizeGb: config.cost.worldSizeGb }).idleMonthly,
        2,
      );
      expect(Number(environment.COST_FIXED_MONTHLY)).toBeGreaterThan(0);
      expect(
        readInteractionsEnvironment(deployedEnvironment(template, INTERACTIONS)).commands?.costFixedMonthly,
      ).toBe(Number(environment.COST_FIXED_MONTHLY));
      // And without cost.costExplorer neither the tag nor any Cost Explorer permission
      expect(environment).not.toHaveProperty('COST_EXPLORER_TAG');
      const actions = policyStatements(template).flatMap((statement) =>
        asArray(statement.Action as string | string[]),
      );
      expect(actions.filter((action) => action.startsWith('ce:'))).toEqual([]);
    });

    it('passes an environment the interactions handler accepts, with every command setting', () => {
      // When the handler reads the deployed environment
      const environment = readInteractionsEnvironment(deployedEnvironment(template, INTERACTIONS));
      // Then
      expect(environment.problems).toEqual([]);
      expect(environment.commands).toMatchObject({
        stateTable: expect.stringMatching(/^<StateTable/),
        passwordParameter: '/valheim-ondemand/server-password',
        passwordVisibleTo: 'members',
        idleStopMinutes: 15,
        emptyStopMinutes: 30,
      });
    });

    it('logs every Lambda to its own log group and uses own roles without managed policies', () => {
      // Then
      const functions = Object.entries(template.findResources('AWS::Lambda::Function'));
      // four handlers of ours, and CDK's AwsCustomResource handler that creates the active-world parameters
      expect(functions).toHaveLength(6);
      const logGroups = new Set<string>();
      for (const [, fn] of functions) {
        const logGroup = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
        expect(resources(template)[logGroup]?.Type).toBe('AWS::Logs::LogGroup');
        logGroups.add(logGroup);
        const roleId = roleOf(fn.Properties);
        expect(resources(template)[roleId]?.Properties).not.toHaveProperty('ManagedPolicyArns');
        expect(roleStatements(template, roleId)).toContainEqual({
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] },
        });
      }
      expect(logGroups.size).toBe(6);
    });

    it('deploys each handler in its own bundle', () => {
      // Then (four handlers share src/handlers, which CDK's asset cache alone would not tell apart)
      const keys = Object.values(template.findResources('AWS::Lambda::Function')).map(
        (fn) => (fn.Properties.Code as { S3Key: string }).S3Key,
      );
      expect(new Set(keys).size).toBe(keys.length);
    });

    it('serves POST /discord/<secret> through an HTTP API with payload format 2.0, throttling and access logs', () => {
      // Then
      const fn = lambdaFunction(template, INTERACTIONS);
      const path = findOne(template, 'Custom::DiscordEndpointPath');
      template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
      template.resourceCountIs('AWS::ApiGatewayV2::Route', 2);
      // Discord's route carries the segment the custom resource made (the template only refers to it)
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: { 'Fn::Join': ['', ['POST /discord/', { 'Fn::GetAtt': [path.id, 'Segment'] }]] },
      });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [fn.id, 'Arn'] },
      });
      template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
      const destination = new Capture();
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 },
        RouteSettings: { $default: { ThrottlingRateLimit: 1, ThrottlingBurstLimit: 2 } },
        AccessLogSettings: {
          DestinationArn: { 'Fn::GetAtt': [destination, 'Arn'] },
          Format: Match.anyValue(),
        },
      });
      expect(resources(template)[destination.asString()]?.Type).toBe('AWS::Logs::LogGroup');
    });

    it('lets the interactions Lambda control this one service, use the state table and read the password', () => {
      // Given
      const cluster = findOne(template, 'AWS::ECS::Cluster');
      const service = findOne(template, 'AWS::ECS::Service');
      const table = findOne(template, 'AWS::DynamoDB::Table');
      const bucket = findOne(template, 'AWS::S3::Bucket');
      const logGroup = lambdaFunction(template, INTERACTIONS).properties.LoggingConfig as {
        LogGroup: { Ref: string };
      };
      // Then UpdateService and DescribeServices are allowed on the service only, ListTasks only in the
      // cluster, DescribeTasks only on its tasks; the public IP is looked up through the task's interface;
      // and ssm:GetParameter on the password parameter is the only SSM permission
      expect(grantsOf(template, INTERACTIONS).sort()).toEqual(
        [
          `logs:CreateLogStream on <${logGroup.LogGroup.Ref}.Arn>`,
          `logs:PutLogEvents on <${logGroup.LogGroup.Ref}.Arn>`,
          `ecs:DescribeServices on <${service.id}>`,
          `ecs:UpdateService on <${service.id}>`,
          `ecs:DescribeTasks on arn:aws:ecs:eu-central-1:<AWS::AccountId>:task/<${cluster.id}>/*`,
          `ecs:ListTasks on * if {"ArnEquals":{"ecs:cluster":{"Fn::GetAtt":["${cluster.id}","Arn"]}}}`,
          'ec2:DescribeNetworkInterfaces on *',
          ...TABLE_ITEMS.interactions.map((action) => `${action} on <${table.id}.Arn>`),
          'ssm:GetParameter on arn:aws:ssm:eu-central-1:<AWS::AccountId>:parameter/valheim-ondemand/server-password',
          // /valheim game branch, and what the Roll back… button's dry-run reads (test/infra/game-branch.test.ts)
          'ssm:GetParameter on arn:aws:ssm:eu-central-1:<AWS::AccountId>:parameter/valheim-ondemand/game/branch',
          'ssm:GetParameters on arn:aws:ssm:eu-central-1:<AWS::AccountId>:parameter/valheim-ondemand/game/branch',
          'ssm:PutParameter on arn:aws:ssm:eu-central-1:<AWS::AccountId>:parameter/valheim-ondemand/game/branch',
          `s3:GetObject on <${bucket.id}.Arn>/snapshots/*/manifest.json`,
          `s3:GetObjectVersion on <${bucket.id}.Arn>/server-install/*`,
          `s3:ListBucketVersions on <${bucket.id}.Arn> if {"StringLike":{"s3:prefix":["server-install/*"]}}`,
          // the active world's two parameters: read, and switched (/valheim world …; a pending switch)
          ...['GetParameter', 'GetParameters', 'PutParameter'].flatMap((action) =>
            ['name', 'args'].map(
              (parameter) =>
                `ssm:${action} on arn:aws:ssm:eu-central-1:<AWS::AccountId>:parameter/valheim-ondemand/world/${parameter}`,
            ),
          ),
          // the admin, ban and permitted lists: read, and changed (/valheim access)
          ...['GetParameter', 'GetParameters', 'PutParameter'].flatMap((action) =>
            ['admins', 'bans', 'permitted'].map(
              (list) =>
                `ssm:${action} on arn:aws:ssm:eu-central-1:<AWS::AccountId>:parameter/valheim-ondemand/players/${list}`,
            ),
          ),
          ...transferRunGrants(template),
        ].sort(),
      );
    });

    it('lets the interactions Lambda run the transfer task in the game cluster and pass only its two roles', () => {
      // Given
      const cluster = findOne(template, 'AWS::ECS::Cluster');
      const task = transferTask(template).properties;
      const inCluster = `if {"ArnEquals":{"ecs:cluster":{"Fn::GetAtt":["${cluster.id}","Arn"]}}}`;
      // Then RunTask is allowed for any revision of the transfer family, in the game cluster only
      const grants = grantsOf(template, INTERACTIONS);
      expect(grants.filter((grant) => grant.startsWith('ecs:RunTask'))).toEqual([
        `ecs:RunTask on arn:aws:ecs:eu-central-1:<AWS::AccountId>:task-definition/valheim-ondemand-world-transfer:* ${inCluster}`,
      ]);
      // And the tags propagated to the new task may be set, on tasks of that cluster while RunTask creates them
      expect(grants.filter((grant) => grant.startsWith('ecs:TagResource'))).toEqual([
        `ecs:TagResource on arn:aws:ecs:eu-central-1:<AWS::AccountId>:task/<${cluster.id}>/* if {"StringEquals":{"ecs:CreateAction":"RunTask"}}`,
      ]);
      // And only the transfer task's roles may be passed, and only to ECS tasks
      const passed = ' if {"StringEquals":{"iam:PassedToService":"ecs-tasks.amazonaws.com"}}';
      expect(grants.filter((grant) => grant.startsWith('iam:')).sort()).toEqual(
        [
          `iam:PassRole on <${roleIdOf(task.TaskRoleArn)}.Arn>${passed}`,
          `iam:PassRole on <${roleIdOf(task.ExecutionRoleArn)}.Arn>${passed}`,
        ].sort(),
      );
      // And no other role may pass a role but the monitor's (its session snapshots run the same task)
      const passing = policyStatements(template).filter((statement) =>
        asArray(statement.Action as string | string[]).includes('iam:PassRole'),
      );
      expect(passing).toHaveLength(2);
      expect(
        grantsOf(template, MONITOR)
          .filter((grant) => grant.startsWith('iam:'))
          .sort(),
      ).toEqual(grants.filter((grant) => grant.startsWith('iam:')).sort());
    });
  });

  describe('state table', () => {
    it('is an on-demand DynamoDB table keyed pk/sk with point-in-time recovery and the AWS owned key', () => {
      // Then
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      const table = findOne(template, 'AWS::DynamoDB::Table');
      expect(table.properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // SSE "disabled" is DynamoDB's AWS owned key (always encrypted, no KMS charge).
        SSESpecification: { SSEEnabled: false },
      });
      expect(table.properties).not.toHaveProperty('ProvisionedThroughput');
      expect(table.properties).not.toHaveProperty('GlobalSecondaryIndexes');
    });

    it('expires short-lived items by the TTL attribute the state store writes', () => {
      // Then
      expect(findOne(template, 'AWS::DynamoDB::Table').properties.TimeToLiveSpecification).toEqual({
        AttributeName: TTL_ATTRIBUTE,
        Enabled: true,
      });
    });

    it('is deleted with the stack: it holds only bot state and the play ledger', () => {
      // Then
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Delete',
        UpdateReplacePolicy: 'Delete',
      });
    });
  });

  describe('monitor', () => {
    it('runs for 30 s at most, without async retries, dropping events older than 5 minutes', () => {
      // Then
      const fn = lambdaFunction(template, MONITOR);
      expect(fn.properties).toMatchObject({ Timeout: 30, MemorySize: 512, Runtime: 'nodejs22.x' });
      expect(fn.properties).not.toHaveProperty('ReservedConcurrentExecutions');
      // And only the monitor has an async invoke config
      template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: fn.id },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 300,
      });
    });

    it('gets the game server, the state table, the rule, the token parameter and the lifecycle settings', () => {
      // Then
      const cluster = findOne(template, 'AWS::ECS::Cluster');
      const service = findOne(template, 'AWS::ECS::Service');
      const table = findOne(template, 'AWS::DynamoDB::Table');
      expect(lambdaEnvironment(lambdaFunction(template, MONITOR).properties)).toEqual({
        ECS_CLUSTER: { Ref: cluster.id },
        ECS_SERVICE: { 'Fn::GetAtt': [service.id, 'Name'] },
        STATE_TABLE: { Ref: table.id },
        POLL_RULE_NAME: 'valheim-ondemand-monitor-poll',
        TRANSFER_FAMILY: 'valheim-ondemand-world-transfer',
        BOT_TOKEN_PARAMETER: '/valheim-ondemand/discord-bot-token',
        SERVER_PUBLIC: 'false',
        CROSSPLAY: 'false',
        IDLE_STOP_MINUTES: '15',
        EMPTY_STOP_MINUTES: '30',
        WARN_BEFORE_MINUTES: '5',
        SLOW_START_MINUTES: '15',
        UNKNOWN_LIMIT_MINUTES: '60',
        MAX_SESSION_HOURS: '12',
        KEEP_RUNNING_HOURS: '2',
        TASK_CPU: '2048',
        TASK_MEMORY_MIB: '8192',
        TASK_SPOT: 'false',
        // its session snapshots: where the transfer task runs, and the retention (config defaults)
        TRANSFER_SUBNETS: lambdaEnvironment(lambdaFunction(template, INTERACTIONS).properties)
          .TRANSFER_SUBNETS,
        TRANSFER_SECURITY_GROUPS: lambdaEnvironment(lambdaFunction(template, INTERACTIONS).properties)
          .TRANSFER_SECURITY_GROUPS,
        WORLD_BUCKET: { Ref: findOne(template, 'AWS::S3::Bucket').id },
        WORLD_NAME: 'Dedicated',
        // which world a session runs (the ledger), and a pending "Stop and switch"
        WORLD_NAME_PARAMETER: '/valheim-ondemand/world/name',
        WORLD_ARGS_PARAMETER: '/valheim-ondemand/world/args',
        SNAPSHOT_EVERY_HOURS: '4',
        SNAPSHOT_KEEP_COUNT: '20',
        SNAPSHOT_KEEP_DAYS: '60',
        // the always-on part of the estimate, for the monthly summary
        COST_FIXED_MONTHLY: estimateCost(config, { hoursPerMonth: 0 }).idleMonthly.toFixed(2),
        NODE_OPTIONS: '--enable-source-maps',
      });
    });

    it('passes an environment the monitor handler accepts', () => {
      // When (deployed values in place of the template's references)
      const environment = readMonitorEnvironment({
        ...deployedEnvironment(template, MONITOR),
        TRANSFER_SUBNETS: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
        TRANSFER_SECURITY_GROUPS: 'sg-0123456789abcdef0',
        WORLD_BUCKET: 'valheim-ondemand-worldsbucket97ae83f6-abcdef012345',
      });
      // Then
      expect(environment).toMatchObject({
        pollRuleName: 'valheim-ondemand-monitor-poll',
        transferFamily: transferFamily('valheim-ondemand'),
        botTokenParameter: '/valheim-ondemand/discord-bot-token',
        settings: {
          public: false,
          crossplay: false,
          lifecycle: {
            idleStopMinutes: 15,
            emptyStopMinutes: 30,
            warnBeforeMinutes: 5,
            slowStartMinutes: 15,
          },
          task: { cpu: 2048, memoryMiB: 8192, spot: false },
        },
        snapshots: {
          taskDefinition: transferFamily('valheim-ondemand'),
          subnets: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
          securityGroups: ['sg-0123456789abcdef0'],
          worldName: 'Dedicated',
          keepCount: 20,
          keepDays: 60,
        },
      });
      expect(environment.settings.lifecycle.snapshotEveryHours).toBe(4);
      expect(environment).not.toHaveProperty('snapshotProblems');
      expect(environment).not.toHaveProperty('dns');
      expect(environment).not.toHaveProperty('noticeChannelId');
    });

    it('runs on every task state change of the game cluster', () => {
      // Then
      const cluster = findOne(template, 'AWS::ECS::Cluster');
      const fn = lambdaFunction(template, MONITOR);
      const rule = findOne(
        template,
        'AWS::Events::Rule',
        (p) => (p.EventPattern as { source?: string[] } | undefined)?.source?.[0] === 'aws.ecs',
      );
      expect(rule.properties).toMatchObject({
        EventPattern: {
          source: ['aws.ecs'],
          'detail-type': ['ECS Task State Change'],
          detail: { clusterArn: [{ 'Fn::GetAtt': [cluster.id, 'Arn'] }] },
        },
        State: 'ENABLED',
        Targets: [
          {
            Arn: { 'Fn::GetAtt': [fn.id, 'Arn'] },
            Id: expect.any(String),
            RetryPolicy: { MaximumEventAgeInSeconds: 300 },
          },
        ],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [fn.id, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [rule.id, 'Arn'] },
      });
    });

    it('has a one-minute rule with a fixed name, created disabled (the monitor switches it)', () => {
      // Then
      const fn = lambdaFunction(template, MONITOR);
      // (the third rule wakes the monitor from the server log)
      template.resourceCountIs('AWS::Events::Rule', 3);
      const rule = findOne(template, 'AWS::Events::Rule', (p) => p.ScheduleExpression !== undefined);
      expect(rule.properties).toMatchObject({
        Name: 'valheim-ondemand-monitor-poll',
        ScheduleExpression: 'rate(1 minute)',
        State: 'DISABLED',
        Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': [fn.id, 'Arn'] } })],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [fn.id, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [rule.id, 'Arn'] },
      });
    });

    it('may control the service, use the table, switch only its own rule, read only the bot token and run snapshots', () => {
      // Given
      const bucket = findOne(template, 'AWS::S3::Bucket');
      const cluster = findOne(template, 'AWS::ECS::Cluster');
      const service = findOne(template, 'AWS::ECS::Service');
      const table = findOne(template, 'AWS::DynamoDB::Table');
      const logGroup = (
        lambdaFunction(template, MONITOR).properties.LoggingConfig as { LogGroup: { Ref: string } }
      ).LogGroup.Ref;
      // Then
      expect(grantsOf(template, MONITOR).sort()).toEqual(
        [
          `logs:CreateLogStream on <${logGroup}.Arn>`,
          `logs:PutLogEvents on <${logGroup}.Arn>`,
          `ecs:DescribeServices on <${service.id}>`,
          `ecs:UpdateService on <${service.id}>`,
          `ecs:DescribeTasks on arn:aws:ecs:eu-central-1:<AWS::AccountId>:task/<${cluster.id}>/*`,
          `ecs:ListTasks on * if {"ArnEquals":{"ecs:cluster":{"Fn::GetAtt":["${cluster.id}","Arn"]}}}`,
          'ec2:DescribeNetworkInterfaces on *',
          ...TABLE_ITEMS.monitor.map((action) => `${action} on <${table.id}.Arn>`),
          'ssm:GetParameter on arn:aws:ssm:eu-central-1:<AWS::AccountId>:parameter/valheim-ondemand/discord-bot-token',
          // the active world's two parameters: read, and switched (/valheim world …; a pending switch)
          ...['GetParameter', 'GetParameters', 'PutParameter'].flatMap((action) =>
            ['name', 'args'].map(
              (parameter) =>
                `ssm:${action} on arn:aws:ssm:eu-central-1:<AWS::AccountId>:parameter/valheim-ondemand/world/${parameter}`,
            ),
          ),
          'events:EnableRule on arn:aws:events:eu-central-1:<AWS::AccountId>:rule/valheim-ondemand-monitor-poll',
          'events:DisableRule on arn:aws:events:eu-central-1:<AWS::AccountId>:rule/valheim-ondemand-monitor-poll',
          // session snapshots: run the transfer task (as the interactions Lambda may) …
          ...grantsOf(template, INTERACTIONS).filter((grant) =>
            /^(ecs:RunTask|ecs:TagResource|iam:PassRole) /.test(grant),
          ),
          // … and prune its own snapshots, nothing else in the bucket
          `s3:ListBucket on <${bucket.id}.Arn> if {"StringLike":{"s3:prefix":["snapshots/","snapshots/*"]}}`,
          `s3:GetObject on <${bucket.id}.Arn>/snapshots/*`,
          `s3:DeleteObject on <${bucket.id}.Arn>/snapshots/*`,
        ].sort(),
      );
    });

    it('posts no monthly summary without a notice channel (and the example config has no schedules)', () => {
      template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    });

    it('may change no DNS record without a configured DNS name', () => {
      // Then
      expect(JSON.stringify(template.toJSON())).not.toContain('route53');
    });
  });

  describe('server log', () => {
    it('forwards the lines the log parser understands from the game log to the log Lambda', () => {
      // Then
      const gameLogs = (gameContainer(template).LogConfiguration as { Options: Record<string, unknown> })
        .Options['awslogs-group'];
      const fn = lambdaFunction(template, SERVER_LOG);
      template.resourceCountIs('AWS::Logs::SubscriptionFilter', 1);
      template.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
        LogGroupName: gameLogs,
        FilterPattern: LOG_FILTER_PATTERN,
        DestinationArn: { 'Fn::GetAtt': [fn.id, 'Arn'] },
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [fn.id, 'Arn'] },
        Principal: 'logs.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [(gameLogs as { Ref: string }).Ref, 'Arn'] },
      });
    });

    it('writes the player list to the state table and may do nothing else', () => {
      // Then
      const fn = lambdaFunction(template, SERVER_LOG);
      const table = findOne(template, 'AWS::DynamoDB::Table');
      expect(fn.properties.Timeout).toBe(30);
      expect(lambdaEnvironment(fn.properties)).toEqual({
        STATE_TABLE: { Ref: table.id },
        WAKE_EVENT_BUS: 'default',
        NODE_OPTIONS: '--enable-source-maps',
      });
      const logGroup = (fn.properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(grantsOf(template, SERVER_LOG).sort()).toEqual(
        [
          `logs:CreateLogStream on <${logGroup}.Arn>`,
          `logs:PutLogEvents on <${logGroup}.Arn>`,
          'events:PutEvents on arn:aws:events:eu-central-1:<AWS::AccountId>:event-bus/default',
          ...TABLE_ITEMS.serverLog.map((action) => `${action} on <${table.id}.Arn>`),
        ].sort(),
      );
    });

    it('wakes the monitor through the default bus when the log brings news', () => {
      // Then a rule on the default bus matches exactly the log Lambda's wake-up event and runs the monitor
      const monitor = lambdaFunction(template, MONITOR);
      const rule = findOne(
        template,
        'AWS::Events::Rule',
        (p) => (p.EventPattern as { source?: string[] } | undefined)?.source?.[0] === WAKE_EVENT_SOURCE,
      );
      expect(rule.properties).toMatchObject({
        EventPattern: { source: [WAKE_EVENT_SOURCE], 'detail-type': [WAKE_EVENT_DETAIL_TYPE] },
        State: 'ENABLED',
        Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': [monitor.id, 'Arn'] } })],
      });
      expect(rule.properties.EventBusName).toBeUndefined();
      template.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [monitor.id, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [rule.id, 'Arn'] },
      });
    });
  });

  describe('discord wiring', () => {
    it('registers the commands and sets the endpoint URL through a custom resource', () => {
      // Then
      const fn = lambdaFunction(template, WIRING);
      const api = findOne(template, 'AWS::ApiGatewayV2::Api');
      template.resourceCountIs('Custom::DiscordWiring', 1);
      expect(findOne(template, 'Custom::DiscordWiring').properties).toEqual({
        ServiceToken: { 'Fn::GetAtt': [fn.id, 'Arn'] },
        ApplicationId: config.discord.applicationId,
        GuildId: config.discord.guildId,
        EndpointUrl: {
          'Fn::Join': [
            '',
            [
              'https://',
              { Ref: api.id },
              '.execute-api.eu-central-1.',
              { Ref: 'AWS::URLSuffix' },
              '/discord/',
              { 'Fn::GetAtt': [findOne(template, 'Custom::DiscordEndpointPath').id, 'Segment'] },
            ],
          ],
        },
        PublicKey: config.discord.publicKey,
        BotTokenParameter: '/valheim-ondemand/discord-bot-token',
        CommandsHash: createHash('sha256').update(JSON.stringify(guildCommands())).digest('hex'),
        ServiceTimeout: '150',
      });
    });

    it('never lets the template choose where the bot token goes: no API URL property or environment', () => {
      // Then neither the resource nor the function name a Discord API URL (the handler only calls discord.com)
      const wiring = findOne(template, 'Custom::DiscordWiring');
      expect(JSON.stringify(wiring.properties)).not.toMatch(/ApiUrl|discord\.com/i);
      expect(lambdaFunction(template, WIRING).properties.Environment).toEqual({
        Variables: { NODE_OPTIONS: '--enable-source-maps' },
      });
    });

    it('runs again at every deploy (the per-deploy value is a property) and when the public key changes', () => {
      // Given a synth as `cdk deploy` makes it (infra/app.ts passes the synth time), with another public key
      const app = new App({ context: appContext({ bundling: false }) });
      const publicKey = 'CD'.repeat(32);
      const stack = addValheimStack(
        app,
        { ...config, discord: { ...config.discord, publicKey } },
        { discordDeployRun: '2026-12-01T09:00:00.000Z' },
      );
      // Then both are properties of the resource: either changing updates it, and an update reconciles
      const { properties } = findOne(Template.fromStack(stack), 'Custom::DiscordWiring');
      expect(properties.DeployRun).toBe('2026-12-01T09:00:00.000Z');
      expect(properties.PublicKey).toBe(publicKey.toLowerCase());
    });

    it('outputs what the latest run did as DiscordSetup', () => {
      // Then
      const wiring = findOne(template, 'Custom::DiscordWiring');
      template.hasOutput('DiscordSetup', { Value: { 'Fn::GetAtt': [wiring.id, 'Status'] } });
    });
  });

  describe('whole template', () => {
    it('grants no wildcard actions and no FullAccess managed policies', () => {
      // Then
      for (const statement of policyStatements(template)) {
        for (const action of asArray(statement.Action as string | string[])) {
          expect(action).not.toMatch(/(^\*$|:\*$)/);
        }
      }
      expect(JSON.stringify(template.toJSON())).not.toMatch(/FullAccess|AdministratorAccess/);
      expect(JSON.stringify(template.toJSON())).not.toContain('AWSLambdaBasicExecutionRole');
    });

    it('keeps every log group for the configured number of days', () => {
      // Then
      const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
      expect(logGroups).toHaveLength(9); // game, world transfer, API access logs, six Lambdas
      for (const logGroup of logGroups) expect(logGroup.Properties.RetentionInDays).toBe(30);
    });

    it('puts the cost tag on every taggable resource', () => {
      // Then
      for (const [id, resource] of Object.entries(resources(template))) {
        if (UNTAGGABLE.has(resource.Type)) continue;
        expect({ id, tags: tagsOf(resource.Properties ?? {})?.[COST_TAG_KEY] }).toEqual({
          id,
          tags: 'valheim-ondemand',
        });
      }
    });

    it('creates no budget without cost.monthlyBudgetUsd', () => {
      // Then
      template.resourceCountIs('AWS::Budgets::Budget', 0);
    });

    it('creates no schedule without configured times', () => {
      // Then
      template.resourceCountIs('AWS::Scheduler::Schedule', 0);
      template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
      expect(JSON.stringify(template.toJSON())).not.toContain('scheduler.amazonaws.com');
    });

    it('outputs the endpoint URL, the ECS names, the secret parameter names and the file system', () => {
      // Then
      const cluster = findOne(template, 'AWS::ECS::Cluster');
      const service = findOne(template, 'AWS::ECS::Service');
      const fileSystem = findOne(template, 'AWS::EFS::FileSystem');
      const url = new Capture();
      template.hasOutput('DiscordApiUrl', { Value: { 'Fn::Join': ['', url] } });
      expect(url.asArray()[0]).toBe('https://');
      expect(url.asArray().at(-1)).toBe('/');
      // The endpoint itself is no output: its last segment is a secret
      expect(Object.keys(template.toJSON().Outputs)).not.toContain('DiscordEndpointUrl');
      template.hasOutput('ClusterName', { Value: { Ref: cluster.id } });
      template.hasOutput('ServiceName', { Value: { 'Fn::GetAtt': [service.id, 'Name'] } });
      template.hasOutput('BotTokenParameter', { Value: '/valheim-ondemand/discord-bot-token' });
      template.hasOutput('ServerPasswordParameter', { Value: '/valheim-ondemand/server-password' });
      template.hasOutput('FileSystemId', { Value: { Ref: fileSystem.id } });
    });
  });
});

describe('ValheimStack with Spot, a schedule and everything else changed', () => {
  const digest = `sha256:${'ab'.repeat(32)}`;
  let config: ValheimConfig;
  let template: Template;
  let region: string;

  beforeAll(() => {
    // Given a config that differs from the example wherever the stack reads it
    config = exampleConfig({
      stackName: 'vikings',
      region: 'us-east-1',
      timeZone: 'America/New_York',
      server: {
        name: 'Night Shift',
        world: 'Midgard',
        public: true,
        crossplay: true,
        extraArgs: '',
        adminSteamIds: ['76561197960287930', '76561197960287931'],
        imageTag: digest,
      },
      task: { cpu: 4096, memoryMiB: 16384, spot: true },
      backup: { schedule: 'Sun 04:30', retentionDays: 90 },
      schedule: { start: ['Fri 19:00'], stop: ['Sat 02:00', 'daily 23:30'] },
      discord: {
        applicationId: '123456789012345678',
        publicKey: 'ab'.repeat(32),
        guildId: '234567890123456789',
        operatorRoleIds: ['345678901234567890', '456789012345678901'],
        noticeChannelId: '567890123456789012',
        passwordVisibleTo: 'operators',
      },
      lifecycle: { idleStopMinutes: 10, emptyStopMinutes: 0, warnBeforeMinutes: 2, slowStartMinutes: 20 },
      dns: {
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
        zoneName: 'example.com',
        recordName: 'Valheim.Example.com.',
      },
      cost: { costExplorer: true, worldSizeGb: 1, monthlyBudgetUsd: 25, budgetEmail: 'alice@example.com' },
      logRetentionDays: 14,
      tags: { owner: 'alice' },
      feed: { kinds: ['joins', 'deaths', 'bosses'] },
    });
    // When
    const synthesized = synthesize(config);
    template = synthesized.template;
    region = synthesized.stack.region;
  });

  it('deploys into the configured region', () => {
    // Then
    expect(region).toBe('us-east-1');
  });

  it('forwards the feed lines of the kinds opted into, and lets /valheim feed narrow the filter', () => {
    // Then the filter has the deaths' and bosses' lines (not the raids'), under a fixed name
    const filter = findOne(template, 'AWS::Logs::SubscriptionFilter');
    expect(filter.properties.FilterPattern).toBe(logFilterPattern(['joins', 'deaths', 'bosses']));
    expect(filter.properties.FilterPattern).not.toBe(LOG_FILTER_PATTERN);
    expect(filter.properties.FilterName).toBe('valheim-players');
    // the monitor posts those kinds, and the interactions Lambda knows the filter and may replace its pattern
    expect(deployedEnvironment(template, MONITOR).FEED_KINDS).toBe('joins,deaths,bosses');
    const interactions = lambdaFunction(template, INTERACTIONS);
    const env = lambdaEnvironment(interactions.properties);
    expect(env).toMatchObject({ FEED_KINDS: 'joins,deaths,bosses', LOG_FILTER_NAME: 'valheim-players' });
    const serverLog = lambdaFunction(template, SERVER_LOG);
    expect(env.LOG_DESTINATION_ARN).toEqual({ 'Fn::GetAtt': [serverLog.id, 'Arn'] });
    expect(env.LOG_GROUP_NAME).toEqual(filter.properties.LogGroupName);
    const logGroup = (filter.properties.LogGroupName as { Ref: string }).Ref;
    expect(grantsOf(template, INTERACTIONS)).toContain(`logs:PutSubscriptionFilter on <${logGroup}.Arn>`);
    expect(
      readInteractionsEnvironment({ ...deployedEnvironment(template, INTERACTIONS) }).commands,
    ).toMatchObject({
      feedKinds: ['joins', 'deaths', 'bosses'],
    });
  });

  it('names the cluster and the service after the stack', () => {
    // Then
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterName: gameServiceNames('vikings').cluster });
    template.hasResourceProperties('AWS::ECS::Service', { ServiceName: gameServiceNames('vikings').service });
  });

  it('runs on Fargate Spot with the configured size', () => {
    // Then
    template.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
      DesiredCount: 0,
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '4096', Memory: '16384' });
  });

  it('pins the image by digest and passes the server settings', () => {
    // Then
    expect(gameContainer(template).Image).toBe(`ghcr.io/community-valheim-tools/valheim-server@${digest}`);
    expect(environmentOf(template)).toMatchObject({
      SERVER_NAME: 'Night Shift',
      SERVER_PUBLIC: 'true',
      // The image looks for crossplay in SERVER_ARGS only (its idle check and backups depend on it).
      CROSSPLAY: 'false',
      SERVER_ARGS: '-crossplay -backups 0',
      TZ: 'America/New_York',
    });
    // The configured admins are the admin list's first value (read at launch, changed from Discord)
    expect(JSON.stringify(template.toJSON())).toContain(
      '\\"Name\\":\\"/vikings/players/admins\\",\\"Value\\":\\"76561197960287930 76561197960287931\\"',
    );
    const secrets = JSON.stringify(gameContainer(template).Secrets);
    expect(secrets).toContain(':parameter/vikings/server-password');
  });

  it('passes the operator roles, the password visibility and the stop times to the interactions Lambda', () => {
    // Then
    expect(lambdaEnvironment(lambdaFunction(template, INTERACTIONS).properties)).toMatchObject({
      OPERATOR_ROLE_IDS: '345678901234567890,456789012345678901',
      SERVER_PASSWORD_PARAMETER: '/vikings/server-password',
      PASSWORD_VISIBLE_TO: 'operators',
      IDLE_STOP_MINUTES: '10',
      EMPTY_STOP_MINUTES: '0',
    });
    expect(readInteractionsEnvironment(deployedEnvironment(template, INTERACTIONS)).commands).toMatchObject({
      passwordVisibleTo: 'operators',
      idleStopMinutes: 10,
      emptyStopMinutes: 0,
    });
  });

  it('passes the notice channel, the DNS name, the lifecycle and the task to the monitor', () => {
    // Then
    expect(lambdaEnvironment(lambdaFunction(template, MONITOR).properties)).toMatchObject({
      POLL_RULE_NAME: 'vikings-monitor-poll',
      BOT_TOKEN_PARAMETER: '/vikings/discord-bot-token',
      NOTICE_CHANNEL_ID: '567890123456789012',
      DNS_HOSTED_ZONE_ID: 'Z0123456789ABCDEFGHIJ',
      DNS_RECORD_NAME: 'Valheim.Example.com.',
      SERVER_PUBLIC: 'true',
      CROSSPLAY: 'true',
      IDLE_STOP_MINUTES: '10',
      EMPTY_STOP_MINUTES: '0',
      WARN_BEFORE_MINUTES: '2',
      SLOW_START_MINUTES: '20',
      TRANSFER_FAMILY: 'vikings-world-transfer',
      TASK_CPU: '4096',
      TASK_MEMORY_MIB: '16384',
      TASK_SPOT: 'true',
    });
    // And the monitor reads them as configured
    expect(readMonitorEnvironment(deployedEnvironment(template, MONITOR))).toMatchObject({
      noticeChannelId: '567890123456789012',
      dns: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'Valheim.Example.com.' },
      settings: {
        public: true,
        crossplay: true,
        lifecycle: { idleStopMinutes: 10, emptyStopMinutes: 0, warnBeforeMinutes: 2, slowStartMinutes: 20 },
        task: { cpu: 4096, memoryMiB: 16384, spot: true },
      },
    });
  });

  it('names the polling rule after the stack and lets the monitor switch exactly that rule', () => {
    // Then
    template.hasResourceProperties('AWS::Events::Rule', { Name: 'vikings-monitor-poll', State: 'DISABLED' });
    const rule = 'arn:aws:events:us-east-1:<AWS::AccountId>:rule/vikings-monitor-poll';
    expect(grantsOf(template, MONITOR)).toEqual(
      expect.arrayContaining([`events:EnableRule on ${rule}`, `events:DisableRule on ${rule}`]),
    );
  });

  it('lets the monitor change only the A record of the configured name in the configured zone', () => {
    // Then
    const route53 = grantsOf(template, MONITOR).filter((grant) => grant.startsWith('route53:'));
    expect(route53).toEqual([
      `route53:ChangeResourceRecordSets on arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ if ${JSON.stringify(
        {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['valheim.example.com'],
            'route53:ChangeResourceRecordSetsRecordTypes': ['A'],
            'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
          },
        },
      )}`,
    ]);
    // And no other role may touch DNS
    const everywhere = policyStatements(template).filter((statement) =>
      asArray(statement.Action as string | string[]).some((action) => action.startsWith('route53:')),
    );
    expect(everywhere).toHaveLength(1);
  });

  it('backs up on the configured weekly time and retention', () => {
    // Then
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: Match.objectLike({
        BackupPlanRule: [
          Match.objectLike({
            ScheduleExpression: 'cron(30 4 ? * SUN *)',
            ScheduleExpressionTimezone: 'America/New_York',
            Lifecycle: { DeleteAfterDays: 90 },
          }),
        ],
      }),
    });
  });

  it('creates one schedule per start and stop time, in the configured time zone', () => {
    // Then (the fourth is the monthly summary, with a notice channel configured; the fifth the scheduled
    // evening's hour before the start time)
    template.resourceCountIs('AWS::Scheduler::Schedule', 5);
    for (const expression of ['cron(0 2 ? * SAT *)', 'cron(30 23 * * ? *)']) {
      const input = new Capture();
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: 'America/New_York',
        State: 'ENABLED',
        Target: Match.objectLike({
          Arn: {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:::aws-sdk:ecs:updateService']],
          },
          Input: input,
        }),
      });
      expect(JSON.stringify(input.asObject())).toContain('"DesiredCount\\":0}');
    }
  });

  it('runs the scheduled evening every minute of the hour before the start time, with what it needs', () => {
    // Then Friday 18:00–18:59 in New York invokes the scheduled-start Lambda, and no late run is retried
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0-59 18 ? * FRI *)',
      ScheduleExpressionTimezone: 'America/New_York',
      Target: Match.objectLike({ RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 0 } }),
    });
    const starter = findOne(template, 'AWS::Lambda::Function', (p) =>
      String(p.Description).startsWith('Starts the Valheim server at the schedule times'),
    );
    expect(lambdaEnvironment(starter.properties)).toMatchObject({
      SCHEDULE_START: 'Fri 19:00',
      TIME_ZONE: 'America/New_York',
      NOTICE_CHANNEL_ID: '567890123456789012',
    });
    const table = findOne(template, 'AWS::DynamoDB::Table');
    const grants = grantsOfRole(template, roleOf(starter.properties));
    for (const action of ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query']) {
      expect(grants).toContain(`${action} on <${table.id}.Arn>`);
    }
    expect(grants.some((grant) => grant.startsWith('ssm:GetParameter on'))).toBe(true);
  });

  it('starts through the function that refuses while a world transfer runs, never by UpdateService', () => {
    // Then the start time invokes the scheduled-start Lambda, which knows the transfer family
    const starter = findOne(template, 'AWS::Lambda::Function', (p) =>
      String(p.Description).startsWith('Starts the Valheim server at the schedule times'),
    );
    const transferTask = findOne(template, 'AWS::ECS::TaskDefinition', (p) =>
      String(p.Family).includes('transfer'),
    );
    expect(starter.properties.Environment).toMatchObject({
      Variables: { TRANSFER_FAMILY: transferTask.properties.Family },
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 19 ? * FRI *)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [starter.id, 'Arn'] } }),
    });
    // And a throw (a transfer runs) is retried twice within the half hour
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: starter.id },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 1800,
    });
  });

  it('lets the stop schedules set the desired count of this service only', () => {
    // Then
    const service = findOne(template, 'AWS::ECS::Service');
    const role = findOne(template, 'AWS::IAM::Role', (p) =>
      String(p.Description).startsWith('Lets EventBridge Scheduler stop'),
    );
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role.id }],
      PolicyDocument: {
        Statement: [{ Action: 'ecs:UpdateService', Effect: 'Allow', Resource: { Ref: service.id } }],
      },
    });
    const stopTargets = Object.values(template.findResources('AWS::Scheduler::Schedule'))
      .filter((schedule) => String(schedule.Properties.Description).startsWith('Stop'))
      .map((schedule) => schedule.Properties.Target.RoleArn);
    expect(stopTargets).toEqual(Array(2).fill({ 'Fn::GetAtt': [role.id, 'Arn'] }));
  });

  it("posts last month's summary at noon on the 1st in the time zone, by invoking the monitor", () => {
    // Then
    const monitor = lambdaFunction(template, MONITOR);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 12 1 * ? *)',
      ScheduleExpressionTimezone: 'America/New_York',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [monitor.id, 'Arn'] },
        Input: JSON.stringify({ kind: 'monthly-summary' }),
      }),
    });
  });

  it('tags every taggable resource with the stack name and the configured tags', () => {
    // Then
    for (const resource of Object.values(resources(template))) {
      if (UNTAGGABLE.has(resource.Type)) continue;
      expect(tagsOf(resource.Properties ?? {})).toMatchObject({ [COST_TAG_KEY]: 'vikings', owner: 'alice' });
    }
  });

  it('keeps every log group for the configured number of days', () => {
    // Then
    for (const logGroup of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(logGroup.Properties.RetentionInDays).toBe(14);
    }
  });

  it('names the game log group after the stack', () => {
    // Then
    const group = (gameContainer(template).LogConfiguration as { Options: Record<string, { Ref: string }> })
      .Options['awslogs-group']?.Ref;
    expect(resources(template)[group ?? '']?.Properties?.LogGroupName).toBe('/vikings/server');
  });

  it('names the transfer task after the stack and lets the interactions Lambda run it and snapshot Midgard', () => {
    // Then
    const cluster = findOne(template, 'AWS::ECS::Cluster');
    expect(transferTask(template).properties.Family).toBe('vikings-world-transfer');
    expect(lambdaEnvironment(lambdaFunction(template, INTERACTIONS).properties)).toMatchObject({
      TRANSFER_TASK_DEFINITION: 'vikings-world-transfer',
      WORLD_NAME: 'Midgard',
    });
    expect(grantsOf(template, INTERACTIONS)).toContain(
      `ecs:RunTask on arn:aws:ecs:us-east-1:<AWS::AccountId>:task-definition/vikings-world-transfer:* if {"ArnEquals":{"ecs:cluster":{"Fn::GetAtt":["${cluster.id}","Arn"]}}}`,
    );
  });

  it('passes the idle cost of this configuration and the cost tag, and lets only /valheim cost ask Cost Explorer', () => {
    // Then
    const environment = lambdaEnvironment(lambdaFunction(template, INTERACTIONS).properties);
    const idle = estimateCost(config, { hoursPerMonth: 0, worldSizeGb: 1 }).idleMonthly;
    expect(environment).toMatchObject({
      COST_FIXED_MONTHLY: idle.toFixed(2),
      COST_EXPLORER_TAG: `${COST_TAG_KEY}=vikings`,
    });
    // (a bigger world and a hosted zone cost more than the example)
    expect(idle).toBeGreaterThan(estimateCost(exampleConfig(), { hoursPerMonth: 0 }).idleMonthly + 0.5);
    expect(readInteractionsEnvironment(deployedEnvironment(template, INTERACTIONS)).commands).toMatchObject({
      costFixedMonthly: Number(idle.toFixed(2)),
      costTag: { key: 'project', value: 'vikings' },
    });
    expect(grantsOf(template, INTERACTIONS)).toContain('ce:GetCostAndUsage on *');
    const everywhere = policyStatements(template).filter((statement) =>
      asArray(statement.Action as string | string[]).some((action) => action.startsWith('ce:')),
    );
    expect(everywhere).toHaveLength(1);
    expect(asArray(everywhere[0]?.Action as string[]).filter((action) => action.startsWith('ce:'))).toEqual([
      'ce:GetCostAndUsage',
    ]);
  });

  it('creates a monthly cost budget on the cost tag that e-mails at 80 % actual and 100 % forecast', () => {
    // Then
    template.resourceCountIs('AWS::Budgets::Budget', 1);
    const alert = (NotificationType: string, Threshold: number) => ({
      Notification: {
        NotificationType,
        ComparisonOperator: 'GREATER_THAN',
        Threshold,
        ThresholdType: 'PERCENTAGE',
      },
      Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'alice@example.com' }],
    });
    expect(findOne(template, 'AWS::Budgets::Budget').properties).toMatchObject({
      Budget: {
        BudgetName: 'vikings-monthly',
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: 25, Unit: 'USD' },
        CostFilters: { TagKeyValue: ['user:project$vikings'] },
      },
      NotificationsWithSubscribers: [alert('ACTUAL', 80), alert('FORECASTED', 100)],
    });
  });

  it('outputs the secret parameter names of this stack', () => {
    // Then
    template.hasOutput('BotTokenParameter', { Value: '/vikings/discord-bot-token' });
    template.hasOutput('ServerPasswordParameter', { Value: '/vikings/server-password' });
  });
});
