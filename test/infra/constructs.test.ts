import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, AssetStaging, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { describe, expect, it } from 'vitest';
import { serverArgs } from '../../infra/constructs/game-server.js';
import {
  BundledFunction,
  CostBudget,
  DiscordEndpoint,
  DiscordWiring,
  GameNetwork,
  GameServer,
  type GameServerProps,
  ServerMonitor,
  type ServerMonitorProps,
  ServerSchedule,
  StateTable,
  WorldBackup,
  WorldBucket,
  WorldStorage,
  WorldTransfer,
  type WorldTransferProps,
} from '../../infra/constructs/index.js';
import { MONITOR_ENTRY } from '../../infra/valheim-stack.js';
import { appContext } from './helpers.js';

/*
 * Each construct validates its own input and names the bad value. These tests build constructs without
 * synthesizing (no bundling), so they are fast.
 */

function gameServerProps(stack: Stack, overrides: Partial<GameServerProps> = {}): GameServerProps {
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
  const fileSystem = new efs.FileSystem(stack, 'FileSystem', { vpc });
  return {
    vpc,
    fileSystem,
    accessPoint: fileSystem.addAccessPoint('AccessPoint'),
    serverPassword: ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'Password', {
      parameterName: '/test/server-password',
    }),
    serverName: 'Test server',
    worldName: 'Test',
    ...overrides,
  };
}

describe('GameServer', () => {
  it.each([
    ['latest', /imageTag must be a release of 1\.2\.0 or later .* but "latest" was provided/],
    ['1.1.9', /but "1\.1\.9" was provided/],
    ['sha256:abc', /but "sha256:abc" was provided/],
    ['v1.2.0', /imageTag must be the bare version: .*\(use "1\.2\.0"\), but "v1\.2\.0" was provided/],
    [`1.1.9@sha256:${'0'.repeat(64)}`, /but "1\.1\.9@sha256:0+" was provided/],
    ['1.2.0@sha256:abc', /but "1\.2\.0@sha256:abc" was provided/],
  ])('refuses the unpinned or too old image tag %s', (imageTag, message) => {
    // Given
    const stack = new Stack();
    // When / Then
    expect(() => new GameServer(stack, 'Game', gameServerProps(stack, { imageTag }))).toThrow(message);
  });

  it('accepts a later release and a digest', () => {
    // Given
    const stack = new Stack();
    const props = gameServerProps(stack);
    // When
    const release = new GameServer(stack, 'Release', { ...props, imageTag: '1.10.0' });
    const digest = new GameServer(stack, 'Digest', { ...props, imageTag: `sha256:${'0'.repeat(64)}` });
    // Then
    expect(release.image).toBe('ghcr.io/community-valheim-tools/valheim-server:1.10.0');
    expect(digest.image).toBe(`ghcr.io/community-valheim-tools/valheim-server@sha256:${'0'.repeat(64)}`);
    // And a release pinned to its digest keeps the tag for reading; the digest decides what runs
    const pinned = new GameServer(stack, 'Pinned', { ...props, imageTag: `1.2.0@sha256:${'1'.repeat(64)}` });
    expect(pinned.image).toBe(
      `ghcr.io/community-valheim-tools/valheim-server:1.2.0@sha256:${'1'.repeat(64)}`,
    );
  });

  it.each([
    [false, 'FARGATE'],
    [true, 'FARGATE_SPOT'],
  ])('waits for the cluster capacity-provider association (spot %s: %s)', (spot) => {
    // Given a game server in a stack
    const stack = new Stack();
    new GameServer(stack, 'Game', gameServerProps(stack, { spot }));
    // When synthesized
    const template = Template.fromStack(stack);
    // Then the service depends on the association, so CloudFormation never creates or deletes them in parallel
    const [associationId] = Object.keys(
      template.findResources('AWS::ECS::ClusterCapacityProviderAssociations'),
    );
    expect(associationId).toBeDefined();
    const [service] = Object.values(template.findResources('AWS::ECS::Service'));
    expect(service?.DependsOn).toContain(associationId);
  });

  it('puts -crossplay into SERVER_ARGS, where the image looks for it, and leaves CROSSPLAY off', () => {
    // Given a crossplay server with extra arguments
    const stack = new Stack();
    new GameServer(stack, 'Game', gameServerProps(stack, { crossplay: true, extraArgs: '-preset casual' }));
    // Then the image's idle check and hourly backups know it is crossplay, and the flag is given once
    Template.fromStack(stack).hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          Environment: Match.arrayWith([
            { Name: 'CROSSPLAY', Value: 'false' },
            { Name: 'SERVER_ARGS', Value: '-crossplay -backups 0 -preset casual' },
          ]),
        }),
      ]),
    });
    expect(serverArgs(false, ' -preset casual ')).toBe('-backups 0 -preset casual');
    expect(serverArgs(true)).toBe('-crossplay -backups 0');
  });

  it("turns Valheim's own rolling world backups off, and lets the user's arguments turn them back on", () => {
    // Valheim reads its arguments in order, so the user's "-backups 4" (after ours) wins.
    expect(serverArgs(false, '-backups 4').split(' ')).toEqual(['-backups', '0', '-backups', '4']);
  });

  it('refuses less than 2 vCPU', () => {
    // Given
    const stack = new Stack();
    // When / Then
    expect(() => new GameServer(stack, 'Game', gameServerProps(stack, { cpu: 1024 }))).toThrow(
      /cpu must be at least 2048 .* but 1024 was provided/,
    );
  });

  it('refuses an ECS name with characters ECS does not accept', () => {
    // Given
    const stack = new Stack();
    // When / Then
    expect(() => new GameServer(stack, 'Game', gameServerProps(stack, { serviceName: 'my server' }))).toThrow(
      /serviceName must be 1 to 255 letters, digits, "-" or "_", but "my server" was provided/,
    );
  });

  it('refuses an unknown time zone', () => {
    // Given
    const stack = new Stack();
    // When / Then
    expect(() => new GameServer(stack, 'Game', gameServerProps(stack, { timeZone: 'Mars/Olympus' }))).toThrow(
      /server time zone must be an IANA time zone .* but "Mars\/Olympus" was provided/,
    );
  });

  it('names its log group only when told to, and refuses a name CloudWatch Logs does not accept', () => {
    // Given
    const named = new Stack();
    const generated = new Stack();
    // When
    new GameServer(named, 'Game', gameServerProps(named, { logGroupName: '/my-stack/server' }));
    new GameServer(generated, 'Game', gameServerProps(generated));
    // Then
    Template.fromStack(named).hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/my-stack/server',
    });
    for (const group of Object.values(Template.fromStack(generated).findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties).not.toHaveProperty('LogGroupName');
    }
    const stack = new Stack();
    expect(
      () => new GameServer(stack, 'Game', gameServerProps(stack, { logGroupName: 'my server' })),
    ).toThrow(/logGroupName must be 1 to 512 .* but "my server" was provided/);
  });
});

describe('ServerMonitor', () => {
  function monitorIn(stack: Stack, overrides: Partial<ServerMonitorProps> = {}) {
    const gameServer = new GameServer(stack, 'Game', gameServerProps(stack));
    return () =>
      new ServerMonitor(stack, 'Monitor', {
        entry: '/nonexistent/monitor.ts',
        gameServer,
        stateTable: new StateTable(stack, 'State').table,
        botToken: ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'Token', {
          parameterName: '/test/discord-bot-token',
        }),
        ...overrides,
      });
  }

  it('refuses a stack name too long for the fixed polling rule name', () => {
    // Given a stack name of 60 characters (EventBridge rule names have at most 64)
    const stack = new Stack(new App(), 'v'.repeat(60));
    // When / Then
    expect(monitorIn(stack)).toThrow(
      /pollRuleName must be 1 to 64 letters, .* but "v{60}-monitor-poll" \(73 characters\) was provided/,
    );
  });

  it('names a lifecycle setting out of range', () => {
    expect(monitorIn(new Stack(), { idleStopMinutes: 1441 })).toThrow(
      /idleStopMinutes must be a whole number from 0 to 1440, but 1441 was provided/,
    );
    expect(monitorIn(new Stack(), { warnBeforeMinutes: -1 })).toThrow(
      /warnBeforeMinutes .* but -1 was provided/,
    );
    expect(monitorIn(new Stack(), { maxSessionHours: 169 })).toThrow(
      /maxSessionHours .* but 169 was provided/,
    );
    expect(monitorIn(new Stack(), { keepRunningHours: 0 })).toThrow(/keepRunningHours .* but 0 was provided/);
    expect(monitorIn(new Stack(), { unknownLimitMinutes: 1441 })).toThrow(
      /unknownLimitMinutes .* but 1441 was provided/,
    );
  });

  it('refuses a notice channel that is not a Discord ID and a DNS name that is not a host name', () => {
    expect(monitorIn(new Stack(), { noticeChannelId: '#general' })).toThrow(
      /noticeChannelId must be a Discord channel ID .* but "#general" was provided/,
    );
    const stack = new Stack();
    const hostedZone = { hostedZoneId: 'Z1', hostedZoneArn: 'arn' } as never;
    expect(monitorIn(stack, { dns: { hostedZone, recordName: 'not a host' } })).toThrow(
      /dns recordName must be a host name .* but "not a host" was provided/,
    );
  });
});

describe('ServerMonitor environment', () => {
  it('names the transfer family after the stack unless told otherwise', () => {
    // Given a stack without bundling (the test looks at the environment only)
    const build = (transferFamily?: string) => {
      const stack = new Stack(new App({ context: appContext({ bundling: false }) }), 'my-stack');
      const gameServer = new GameServer(stack, 'Game', gameServerProps(stack));
      new ServerMonitor(stack, 'Monitor', {
        entry: MONITOR_ENTRY,
        gameServer,
        stateTable: new StateTable(stack, 'State').table,
        botToken: ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'Token', {
          parameterName: '/test/discord-bot-token',
        }),
        transferFamily,
      });
      return Template.fromStack(stack);
    };
    // When / Then
    build().hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TRANSFER_FAMILY: 'my-stack-world-transfer' }) },
    });
    build('other-transfer').hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TRANSFER_FAMILY: 'other-transfer' }) },
    });
  });
});

describe('WorldBucket', () => {
  it('keeps old versions for the configured number of days', () => {
    // Given
    const stack = new Stack();
    // When
    new WorldBucket(stack, 'Worlds', { noncurrentVersionRetentionDays: 90, temporaryRetentionDays: 3 });
    // Then
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'OldVersions', NoncurrentVersionExpiration: { NoncurrentDays: 90 } }),
          Match.objectLike({ Id: 'Imports', ExpirationInDays: 3 }),
          Match.objectLike({ Id: 'ImageBackups', ExpirationInDays: 3 }),
        ]),
      },
    });
  });

  it('moves snapshots (current and replaced versions) to Glacier Instant Retrieval after the given days', () => {
    // Given
    const stack = new Stack();
    // When
    new WorldBucket(stack, 'Worlds', { snapshotColdAfterDays: 30 });
    // Then the rule covers snapshots only, and never expires them
    const rules = Template.fromStack(stack).findResources('AWS::S3::Bucket');
    const bucket = Object.values(rules)[0] as {
      Properties: { LifecycleConfiguration: { Rules: Array<Record<string, unknown>> } };
    };
    const snapshotRules = bucket.Properties.LifecycleConfiguration.Rules.filter(
      (rule) => rule.Prefix === 'snapshots/',
    );
    expect(snapshotRules).toEqual([
      {
        Id: 'SnapshotsToGlacierInstantRetrieval',
        Status: 'Enabled',
        Prefix: 'snapshots/',
        Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 30 }],
        NoncurrentVersionTransitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 30 }],
      },
    ]);
  });

  it('refuses a retention that is not a whole number of days', () => {
    expect(() => new WorldBucket(new Stack(), 'Worlds', { snapshotColdAfterDays: -1 })).toThrow(
      /snapshotColdAfterDays .* but -1 was provided/,
    );
    expect(() => new WorldBucket(new Stack(), 'Worlds', { noncurrentVersionRetentionDays: 0 })).toThrow(
      /noncurrentVersionRetentionDays must be .* but 0 was provided/,
    );
    expect(() => new WorldBucket(new Stack(), 'Worlds', { temporaryRetentionDays: 1.5 })).toThrow(
      /temporaryRetentionDays .* but 1\.5 was provided/,
    );
  });
});

describe('WorldTransfer', () => {
  function transferIn(stack: Stack, overrides: Partial<WorldTransferProps> = {}): WorldTransfer {
    const props = gameServerProps(stack);
    const gameServer = new GameServer(stack, 'Game', props);
    return new WorldTransfer(stack, 'Transfer', {
      cluster: gameServer.cluster,
      fileSystem: props.fileSystem,
      accessPoint: props.accessPoint,
      bucket: new WorldBucket(stack, 'Worlds').bucket,
      lockTable: new StateTable(stack, 'State').table,
      gameService: gameServer.service,
      subnets: props.vpc.publicSubnets,
      securityGroup: gameServer.securityGroup,
      ...overrides,
    });
  }

  it('takes its family from the stack name unless told otherwise', () => {
    // Given
    const stack = new Stack(new App(), 'my-stack');
    const other = new Stack(new App(), 'other-stack');
    // When
    const byDefault = transferIn(stack);
    const named = transferIn(other, {
      family: 'custom-transfer',
      image: 'public.ecr.aws/aws-cli/aws-cli:2.20.0',
    });
    // Then
    expect(byDefault.family).toBe('my-stack-world-transfer');
    expect(named.family).toBe('custom-transfer');
    Template.fromStack(stack).hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'my-stack-world-transfer',
    });
    Template.fromStack(other).hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'custom-transfer',
      ContainerDefinitions: [Match.objectLike({ Image: 'public.ecr.aws/aws-cli/aws-cli:2.20.0' })],
    });
  });

  it('refuses to run nowhere, and a family name ECS does not accept', () => {
    expect(() => transferIn(new Stack(), { subnets: [] })).toThrow(
      /subnets must name at least one subnet, but none was provided/,
    );
    expect(() => transferIn(new Stack(), { family: 'world transfer' })).toThrow(
      /family must be 1 to 255 letters, digits, "-" or "_", but "world transfer" was provided/,
    );
  });

  it('grants running it to any principal: RunTask on the family, PassRole on its two roles', () => {
    // Given
    const stack = new Stack(new App(), 'my-stack');
    const transfer = transferIn(stack);
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    // When
    transfer.grantRun(role);
    // Then
    const statements = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) }] },
    });
    const actions = Object.values(statements).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap(
        (statement) => statement.Action,
      ),
    );
    expect(actions.sort()).toEqual(
      ['ecs:DescribeTasks', 'ecs:ListTasks', 'ecs:RunTask', 'ecs:TagResource', 'iam:PassRole'].sort(),
    );
  });
});

describe('CostBudget', () => {
  const tag = { key: 'project', value: 'my-stack' };

  it('sends no alerts without an e-mail address, and uses the given thresholds with one', () => {
    // Given
    const silent = new Stack();
    const loud = new Stack();
    // When
    new CostBudget(silent, 'Budget', { limitUsd: 10, tag });
    new CostBudget(loud, 'Budget', {
      limitUsd: 10,
      tag,
      email: 'ops@example.com',
      actualThresholdPercent: 50,
      forecastThresholdPercent: 90,
    });
    // Then
    Template.fromStack(silent).hasResourceProperties('AWS::Budgets::Budget', {
      Budget: Match.objectLike({ CostFilters: { TagKeyValue: ['user:project$my-stack'] } }),
      NotificationsWithSubscribers: Match.absent(),
    });
    Template.fromStack(loud).hasResourceProperties('AWS::Budgets::Budget', {
      NotificationsWithSubscribers: [
        Match.objectLike({ Notification: Match.objectLike({ NotificationType: 'ACTUAL', Threshold: 50 }) }),
        Match.objectLike({
          Notification: Match.objectLike({ NotificationType: 'FORECASTED', Threshold: 90 }),
        }),
      ],
    });
  });

  it('refuses a limit of zero and a threshold out of range', () => {
    expect(() => new CostBudget(new Stack(), 'Budget', { limitUsd: 0, tag })).toThrow(
      /limitUsd must be more than 0, but 0 was provided/,
    );
    expect(
      () => new CostBudget(new Stack(), 'Budget', { limitUsd: 5, tag, actualThresholdPercent: 0 }),
    ).toThrow(/actualThresholdPercent must be .* but 0 was provided/);
  });
});

describe('DiscordWiring', () => {
  it('refuses IDs that are not Discord IDs', () => {
    // Given
    const stack = new Stack();
    const props = {
      entry: '/nonexistent/wiring.ts',
      endpoint: {} as never,
      publicKey: 'ab'.repeat(32),
      botToken: {} as never,
      commands: [],
    };
    // When / Then
    expect(
      () =>
        new DiscordWiring(stack, 'A', { ...props, applicationId: 'my-app', guildId: '234567890123456789' }),
    ).toThrow(/applicationId must be a Discord ID of 17 to 20 digits, but "my-app" was provided/);
    expect(
      () => new DiscordWiring(stack, 'B', { ...props, applicationId: '123456789012345678', guildId: '42' }),
    ).toThrow(/guildId .* but "42" was provided/);
    expect(
      () =>
        new DiscordWiring(stack, 'C', {
          ...props,
          applicationId: '123456789012345678',
          guildId: '234567890123456789',
          publicKey: 'not-a-key',
        }),
    ).toThrow(/publicKey must be 64 hex characters, but "not-a-key" was provided/);
  });
});

describe('WorldBackup', () => {
  function backupWith(props: { schedule?: string; retentionDays?: number; timeZone?: string }) {
    const stack = new Stack();
    const fileSystem = new efs.FileSystem(stack, 'FileSystem', { vpc: new ec2.Vpc(stack, 'Vpc') });
    return () => new WorldBackup(stack, 'Backup', { fileSystem, ...props });
  }

  it('refuses a schedule that is not a weekly time', () => {
    expect(backupWith({ schedule: 'every now and then' })).toThrow(
      /backup schedule must be a weekly time .* but "every now and then" was provided/,
    );
  });

  it('refuses a retention outside 1 to 36500 days', () => {
    expect(backupWith({ retentionDays: 0 })).toThrow(/backup retentionDays must be .* but 0 was provided/);
    expect(backupWith({ retentionDays: 1.5 })).toThrow(/but 1\.5 was provided/);
  });

  it('refuses an unknown time zone', () => {
    expect(backupWith({ timeZone: 'Europe/Atlantis' })).toThrow(/but "Europe\/Atlantis" was provided/);
  });
});

describe('ServerSchedule', () => {
  function scheduleWith(start: string[], stop: string[]) {
    const stack = new Stack();
    const server = new GameServer(stack, 'Game', gameServerProps(stack));
    return () => new ServerSchedule(stack, 'Schedule', { service: server.service, start, stop });
  }

  it('refuses a schedule without times', () => {
    expect(scheduleWith([], [])).toThrow(/needs at least one start or stop time, but none was provided/);
  });

  it('names the bad start or stop time', () => {
    expect(scheduleWith(['Fri 25:00'], [])).toThrow(
      /schedule start time must be a weekly time .* "Fri 25:00"/,
    );
    expect(scheduleWith([], ['Someday 10:00'])).toThrow(/schedule stop time .* "Someday 10:00"/);
  });

  it('refuses start times without the function that checks for world transfers', () => {
    expect(scheduleWith(['Fri 19:00'], [])).toThrow(
      /start times \(Fri 19:00\) need a startHandler that checks for world transfers, but none was provided/,
    );
  });
});

describe('DiscordEndpoint, GameNetwork, WorldStorage, BundledFunction', () => {
  it('refuses a guessable path segment and a zero rate', () => {
    // Given
    const stack = new Stack();
    const handler = { functionArn: 'x' } as never;
    const pathSegment = 'a'.repeat(40);
    // When / Then
    expect(() => new DiscordEndpoint(stack, 'Endpoint', { handler, pathSegment: 'discord' })).toThrow(
      /pathSegment must be 40 hex characters/,
    );
    expect(() => new DiscordEndpoint(stack, 'Endpoint2', { handler, pathSegment, rateLimit: 0 })).toThrow(
      /rateLimit must be .* but 0 was provided/,
    );
  });

  it('refuses zero availability zones', () => {
    expect(() => new GameNetwork(new Stack(), 'Network', { maxAzs: 0 })).toThrow(
      /maxAzs .* but 0 was provided/,
    );
  });

  it('refuses a world directory that is the file system root or relative', () => {
    // Given
    const stack = new Stack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    // When / Then
    expect(() => new WorldStorage(stack, 'Root', { vpc, rootDirectory: '/' })).toThrow(
      /but "\/" was provided/,
    );
    expect(() => new WorldStorage(stack, 'Relative', { vpc, rootDirectory: 'valheim' })).toThrow(
      /rootDirectory must be an absolute path .* but "valheim" was provided/,
    );
  });

  it('refuses a memory size Lambda does not offer (before bundling anything)', () => {
    expect(
      () =>
        new BundledFunction(new Stack(), 'Function', {
          entry: '/nonexistent/handler.ts',
          memorySize: 64,
          timeout: Duration.seconds(1),
        }),
    ).toThrow(/memorySize must be .* but 64 was provided/);
  });
});

describe('BundledFunction asset hash', () => {
  function bundledS3Key(entry: string): string {
    // A fresh process per `cdk synth` has an empty cache; clear it to behave the same here.
    AssetStaging.clearAssetHashCache();
    const stack = new Stack();
    const fn = new BundledFunction(stack, 'Function', { entry });
    const code = stack.resolve((fn.function.node.defaultChild as lambda.CfnFunction).code) as {
      s3Key: string;
    };
    return code.s3Key;
  }

  it('changes when a file the handler imports from another folder changes', () => {
    // Given a handler whose entry folder does not contain the code it imports
    const dir = mkdtempSync(join(tmpdir(), 'valheim-bundle-'));
    mkdirSync(join(dir, 'handlers'));
    mkdirSync(join(dir, 'lib'));
    const entry = join(dir, 'handlers', 'handler.ts');
    writeFileSync(
      entry,
      "import { answer } from '../lib/answer.js';\nexport const handler = async () => answer;\n",
    );
    writeFileSync(join(dir, 'lib', 'answer.ts'), 'export const answer = 41;\n');
    const before = bundledS3Key(entry);
    // When only the imported file changes
    writeFileSync(join(dir, 'lib', 'answer.ts'), 'export const answer = 42;\n');
    const after = bundledS3Key(entry);
    // Then the deployed asset changes too
    expect(after).not.toBe(before);
    // And an unchanged build keeps its hash (no needless Lambda updates)
    expect(bundledS3Key(entry)).toBe(after);
  });

  it('bundles each handler of a shared folder on its own', () => {
    // Given two handlers in one folder, in one stack (CDK caches assets per source folder)
    AssetStaging.clearAssetHashCache();
    const dir = mkdtempSync(join(tmpdir(), 'valheim-bundle-'));
    writeFileSync(join(dir, 'first.ts'), 'export const handler = async () => 1;\n');
    writeFileSync(join(dir, 'second.ts'), 'export const handler = async () => 2;\n');
    const stack = new Stack();
    const s3Key = (fn: BundledFunction) =>
      (stack.resolve((fn.function.node.defaultChild as lambda.CfnFunction).code) as { s3Key: string }).s3Key;
    // When
    const first = new BundledFunction(stack, 'First', { entry: join(dir, 'first.ts') });
    const second = new BundledFunction(stack, 'Second', { entry: join(dir, 'second.ts') });
    // Then
    expect(s3Key(first)).not.toBe(s3Key(second));
  });
});
