import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { gameServiceNames } from '../../src/cli/commands/deploy.js';
import { COST_TAG_KEY, type ValheimConfig } from '../../src/config/schema.js';
import { asArray, exampleConfig, findOne, policyStatements, resources, synthesize } from './helpers.js';

/** Resource types CloudFormation cannot tag; every other resource must carry the cost tag. */
const UNTAGGABLE = new Set([
  'AWS::CDK::Metadata',
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
]);

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

function gameContainer(template: Template): Record<string, unknown> {
  const definitions = findOne(template, 'AWS::ECS::TaskDefinition').properties.ContainerDefinitions as Array<
    Record<string, unknown>
  >;
  expect(definitions).toHaveLength(1);
  return definitions[0] ?? {};
}

function environmentOf(template: Template): Record<string, string> {
  const entries = gameContainer(template).Environment as Array<{ Name: string; Value: string }>;
  return Object.fromEntries(entries.map((entry) => [entry.Name, entry.Value]));
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

    it('opens UDP 2456-2458 to the game task and nothing else', () => {
      // Then the game security group admits exactly one rule
      const game = findOne(template, 'AWS::EC2::SecurityGroup', isGameSecurityGroup);
      expect(game.properties.SecurityGroupIngress).toEqual([
        {
          CidrIp: '0.0.0.0/0',
          IpProtocol: 'udp',
          FromPort: 2456,
          ToPort: 2458,
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
    it('is an encrypted EFS file system kept on delete and replacement, without IA or EFS auto-backups', () => {
      // Then
      const fileSystems = Object.values(template.findResources('AWS::EFS::FileSystem'));
      expect(fileSystems).toHaveLength(1);
      const [fileSystem] = fileSystems;
      expect(fileSystem).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      expect(fileSystem?.Properties).toMatchObject({ Encrypted: true, BackupPolicy: { Status: 'DISABLED' } });
      expect(fileSystem?.Properties).not.toHaveProperty('LifecyclePolicies');
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
        ],
      });
      expect(gameContainer(template)).toMatchObject({
        MountPoints: [{ ContainerPath: '/config', SourceVolume: 'world', ReadOnly: false }],
      });
    });

    it('runs the pinned image as an essential container with a 120 s stop timeout on UDP 2456-2458', () => {
      // Then
      expect(gameContainer(template)).toMatchObject({
        Image: 'ghcr.io/community-valheim-tools/valheim-server:1.2.0',
        Essential: true,
        StopTimeout: 120,
        PortMappings: [
          { ContainerPort: 2456, Protocol: 'udp' },
          { ContainerPort: 2457, Protocol: 'udp' },
          { ContainerPort: 2458, Protocol: 'udp' },
        ],
      });
    });

    it('configures the image for an on-demand server', () => {
      // Then: no timed updates or restarts, count-based backup pruning, status page off
      expect(environmentOf(template)).toEqual({
        SERVER_NAME: 'Vikings of the North',
        WORLD_NAME: 'Dedicated',
        SERVER_PUBLIC: 'false',
        CROSSPLAY: 'false',
        SERVER_ARGS: '-preset casual',
        ADMINLIST_IDS: '',
        TZ: 'Europe/Berlin',
        UPDATE_CRON: '',
        RESTART_CRON: '',
        BACKUPS: 'true',
        BACKUPS_MAX_AGE: '3650',
        BACKUPS_MAX_COUNT: '24',
        BACKUPS_IF_IDLE: 'false',
        STATUS_HTTP: 'false',
      });
    });

    it('injects the server password from SSM as a secret and keeps every secret value out of the template', () => {
      // Then SERVER_PASS is read from the SecureString parameter at task start
      const secrets = gameContainer(template).Secrets as Array<{ Name: string; ValueFrom: unknown }>;
      expect(secrets.map((secret) => secret.Name)).toEqual(['SERVER_PASS']);
      const valueFrom = JSON.stringify(secrets[0]?.ValueFrom);
      expect(valueFrom).toContain('arn:aws:ssm:eu-central-1:');
      expect(valueFrom).toContain(':parameter/valheim-ondemand/server-password');
      // And no environment variable (task or Lambda) is a secret
      expect(Object.keys(environmentOf(template)).filter((name) => /PASS|TOKEN|SECRET/i.test(name))).toEqual(
        [],
      );
      const lambdaEnv = findOne(template, 'AWS::Lambda::Function').properties.Environment as {
        Variables: Record<string, unknown>;
      };
      expect(Object.keys(lambdaEnv.Variables).filter((name) => /PASS|TOKEN|SECRET/i.test(name))).toEqual([]);
      // And the template holds no parameter value: every string mentioning a password or token is a name
      template.resourceCountIs('AWS::SSM::Parameter', 0);
      template.resourceCountIs('AWS::SecretsManager::Secret', 0);
      const mentions: string[] = [];
      JSON.stringify(template.toJSON(), (_key, value) => {
        if (typeof value === 'string' && /pass(word)?|token/i.test(value)) mentions.push(value);
        return value;
      });
      expect(mentions.length).toBeGreaterThan(0);
      for (const text of mentions) {
        expect(text).toMatch(
          /^(SERVER_PASS|:parameter\/valheim-ondemand\/server-password|\/valheim-ondemand\/(server-password|discord-bot-token)|SSM SecureString to fill with the (Discord bot token|server password) \(valheim secrets set\))$/,
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
    });

    it('lets the task mount and write the world file system, nothing more', () => {
      // Given
      const fileSystem = findOne(template, 'AWS::EFS::FileSystem');
      const taskRoleArn = findOne(template, 'AWS::ECS::TaskDefinition').properties.TaskRoleArn as {
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
      ]);
    });
  });

  describe('discord endpoint', () => {
    it('runs the interactions Lambda on nodejs22.x arm64 with its settings in the environment', () => {
      // Then
      const cluster = findOne(template, 'AWS::ECS::Cluster');
      const service = findOne(template, 'AWS::ECS::Service');
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 512,
        Timeout: 10,
        Environment: {
          Variables: {
            DISCORD_PUBLIC_KEY: config.discord.publicKey,
            DISCORD_GUILD_ID: config.discord.guildId,
            OPERATOR_ROLE_IDS: '',
            ECS_CLUSTER: { Ref: cluster.id },
            ECS_SERVICE: { 'Fn::GetAtt': [service.id, 'Name'] },
            NODE_OPTIONS: '--enable-source-maps',
          },
        },
      });
    });

    it('logs the Lambda to its own log group and uses an own role without managed policies', () => {
      // Then
      const fn = findOne(template, 'AWS::Lambda::Function');
      const logGroup = (fn.properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(resources(template)[logGroup]?.Type).toBe('AWS::Logs::LogGroup');
      const roleId = (fn.properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      expect(resources(template)[roleId]?.Properties).not.toHaveProperty('ManagedPolicyArns');
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: roleId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              Effect: 'Allow',
              Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] },
            },
          ]),
        },
      });
    });

    it('serves POST /discord through an HTTP API with payload format 2.0, throttling and access logs', () => {
      // Then
      const fn = findOne(template, 'AWS::Lambda::Function');
      template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
      template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /discord' });
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
        DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
        AccessLogSettings: {
          DestinationArn: { 'Fn::GetAtt': [destination, 'Arn'] },
          Format: Match.anyValue(),
        },
      });
      expect(resources(template)[destination.asString()]?.Type).toBe('AWS::Logs::LogGroup');
    });

    it('lets the Lambda control this one service and read its tasks', () => {
      // Given
      const cluster = findOne(template, 'AWS::ECS::Cluster');
      const service = findOne(template, 'AWS::ECS::Service');
      // Then UpdateService and DescribeServices are allowed on the service only
      const statements = policyStatements(template);
      const updates = statements.filter((s) => asArray(s.Action).includes('ecs:UpdateService'));
      expect(updates).toHaveLength(1);
      expect(updates[0]?.Resource).toEqual({ Ref: service.id });
      expect(asArray(updates[0]?.Action)).toEqual(['ecs:DescribeServices', 'ecs:UpdateService']);
      // And ListTasks is limited to the cluster, DescribeTasks to its tasks
      expect(statements).toContainEqual({
        Action: 'ecs:ListTasks',
        Effect: 'Allow',
        Resource: '*',
        Condition: { ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [cluster.id, 'Arn'] } } },
      });
      expect(statements).toContainEqual({
        Action: 'ecs:DescribeTasks',
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            ['arn:aws:ecs:eu-central-1:', { Ref: 'AWS::AccountId' }, ':task/', { Ref: cluster.id }, '/*'],
          ],
        },
      });
      // And the public IP is looked up through the task's network interface
      expect(statements).toContainEqual({
        Action: 'ec2:DescribeNetworkInterfaces',
        Effect: 'Allow',
        Resource: '*',
      });
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
      expect(logGroups).toHaveLength(3); // game, Lambda, API access logs
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
      template.hasOutput('DiscordEndpointUrl', { Value: { 'Fn::Join': ['', url] } });
      expect(url.asArray()[0]).toBe('https://');
      expect(url.asArray().at(-1)).toBe('/discord');
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
  let template: Template;
  let region: string;

  beforeAll(() => {
    // Given a config that differs from the example wherever the stack reads it
    const config = exampleConfig({
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
      },
      logRetentionDays: 14,
      tags: { owner: 'alice' },
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
      WORLD_NAME: 'Midgard',
      SERVER_PUBLIC: 'true',
      CROSSPLAY: 'true',
      SERVER_ARGS: '',
      ADMINLIST_IDS: '76561197960287930 76561197960287931',
      TZ: 'America/New_York',
    });
    const secrets = JSON.stringify(gameContainer(template).Secrets);
    expect(secrets).toContain(':parameter/vikings/server-password');
  });

  it('passes the operator roles comma-separated', () => {
    // Then
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ OPERATOR_ROLE_IDS: '345678901234567890,456789012345678901' }),
      },
    });
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
    // Then
    template.resourceCountIs('AWS::Scheduler::Schedule', 3);
    const expected = [
      ['cron(0 19 ? * FRI *)', 1],
      ['cron(0 2 ? * SAT *)', 0],
      ['cron(30 23 * * ? *)', 0],
    ] as const;
    for (const [expression, desiredCount] of expected) {
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
      expect(JSON.stringify(input.asObject())).toContain(`"DesiredCount\\":${desiredCount}}`);
    }
  });

  it('lets the schedules set the desired count of this service only', () => {
    // Then
    const service = findOne(template, 'AWS::ECS::Service');
    const role = findOne(template, 'AWS::IAM::Role', (p) =>
      JSON.stringify(p.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    );
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role.id }],
      PolicyDocument: {
        Statement: [{ Action: 'ecs:UpdateService', Effect: 'Allow', Resource: { Ref: service.id } }],
      },
    });
    const targets = Object.values(template.findResources('AWS::Scheduler::Schedule')).map(
      (schedule) => schedule.Properties.Target.RoleArn,
    );
    expect(targets).toEqual(Array(3).fill({ 'Fn::GetAtt': [role.id, 'Arn'] }));
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

  it('outputs the secret parameter names of this stack', () => {
    // Then
    template.hasOutput('BotTokenParameter', { Value: '/vikings/discord-bot-token' });
    template.hasOutput('ServerPasswordParameter', { Value: '/vikings/server-password' });
  });
});
