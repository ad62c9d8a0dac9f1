import { ArnFormat, AspectPriority, Aspects, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, type IConstruct } from 'constructs';
import { IMAGE_BACKUPS_KEPT, VALHEIM_AUTO_BACKUPS } from '../../src/cost/storage-plan.js';
import { gameBranchHook, preUpdateCopyHook } from '../../src/game/hooks.js';
import { logFilterEnvironment } from '../../src/players/log-noise.js';
import {
  PLAYER_LIST_KINDS,
  PLAYER_LIST_VARIABLES,
  type PlayerListKind,
} from '../../src/players/player-lists.js';
import { WORLD_PREFETCH_CONTAINER, worldPrefetchCommand } from '../../src/server/world-prefetch.js';
import { worldArgsHook } from '../../src/worlds/active-world.js';
import { swapRepairHook } from '../../src/worlds/swap-repair.js';
import { acknowledge, nagFinding } from '../validations.js';
import { validateInteger, validateTimeZone } from './validation.js';
import { WORLD_VOLUME, worldVolume } from './world-storage.js';

/** The maintained server image; tags below 1.2.0 break Valheim 1.0 worlds. */
export const VALHEIM_IMAGE_REPOSITORY = 'ghcr.io/community-valheim-tools/valheim-server';
/** UDP 2456 game, 2457 Steam query (A2S): all vanilla Valheim listens on. */
export const VALHEIM_UDP_PORTS = [2456, 2457] as const;
/** The port after them: vanilla leaves it unused; opened for crossplay and for mods that listen there. */
export const EXTRA_UDP_PORT = 2458;
/** Fargate's maximum, and what the image's docs use: Valheim saves on SIGINT, big worlds take a while. */
export const STOP_TIMEOUT_SECONDS = 120;

export interface GameServerProps {
  /** The VPC to run in; the task runs in its public subnets with a public IP. */
  readonly vpc: ec2.IVpc;
  /** The file system holding the world (mounted at /config). */
  readonly fileSystem: efs.IFileSystem;
  /** The access point the task mounts the file system through. */
  readonly accessPoint: efs.IAccessPoint;
  /** The SecureString parameter holding the server password (injected as SERVER_PASS at task start). */
  readonly serverPassword: ssm.IParameter;
  /** Name shown in the server browser. */
  readonly serverName: string;
  /** World file name (the only world when `activeWorld` is not given). */
  readonly worldName: string;
  /**
   * The active world's SSM parameters (ActiveWorldParameters): the task reads WORLD_NAME and WORLD_ARGS from
   * them through ECS secrets at every launch, so switching worlds needs no deploy (and no deploy switches).
   * @default - the world is `worldName`, fixed in the task definition
   */
  readonly activeWorld?: { readonly name: ssm.IParameter; readonly args: ssm.IParameter };
  /**
   * The game branch parameter (GameBranchParameter): the task reads GAME_BRANCH from it through ECS secrets at
   * every launch, and the image's PRE_UPDATE_CHECK_HOOK gives steamcmd that branch (src/game/hooks.ts).
   * @default - the public branch, always
   */
  readonly gameBranch?: ssm.IParameter;
  /**
   * List the server in the community server browser.
   * @default true
   */
  readonly publicListing?: boolean;
  /**
   * Let Xbox/Game Pass players join.
   * @default false
   */
  readonly crossplay?: boolean;
  /**
   * Open UDP 2458 as well (see EXTRA_UDP_PORT).
   * @default - the same as `crossplay`
   */
  readonly udpPort2458?: boolean;
  /**
   * Extra server arguments, e.g. "-preset casual".
   * @default - none
   */
  readonly extraArgs?: string;
  /**
   * SteamID64s of in-game admins.
   * @default - no admins
   */
  readonly adminSteamIds?: string[];
  /**
   * The admin, ban and permitted lists' SSM parameters (PlayerListParameters): the task reads ADMINLIST_IDS,
   * BANNEDLIST_IDS and PERMITTEDLIST_IDS from them through ECS secrets at every launch, so `/valheim access`
   * changes apply at the next start without a deploy. `adminSteamIds` is then only their initial value.
   * @default - ADMINLIST_IDS from `adminSteamIds` in the task definition; the other two lists untouched
   */
  readonly playerLists?: Readonly<Record<PlayerListKind, ssm.IParameter>>;
  /**
   * Image release tag (1.2.0 or later) or "sha256:…" digest.
   * @default '1.2.0'
   */
  readonly imageTag?: string;
  /**
   * Task CPU units (2048 = 2 vCPU, Valheim's minimum).
   * @default 2048
   */
  readonly cpu?: number;
  /**
   * Task memory in MiB.
   * @default 8192
   */
  readonly memoryMiB?: number;
  /**
   * Run on Fargate Spot (about 70 % cheaper, may be interrupted with two minutes' warning).
   * @default false
   */
  readonly spot?: boolean;
  /**
   * IANA time zone of the server's clock (TZ).
   * @default 'Etc/UTC'
   */
  readonly timeZone?: string;
  /**
   * How long the server log is kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Name of the server's log group. A fixed name lets `valheim logs` read it without asking CloudFormation
   * (same trade-off as `clusterName`).
   * @default - a name generated by CloudFormation
   */
  readonly logGroupName?: string;
  /**
   * Name of the ECS cluster. A fixed name lets tools find the service without asking CloudFormation; the price
   * is that a change needing a replacement of the cluster must also change the name.
   * @default - a name generated by CloudFormation
   */
  readonly clusterName?: string;
  /**
   * Name of the ECS service (same trade-off as `clusterName`).
   * @default - a name generated by CloudFormation
   */
  readonly serviceName?: string;
}

/**
 * The Valheim server as an ECS service that normally runs zero tasks. Starting means desired count 1,
 * stopping means 0 (ECS sends SIGTERM and waits up to 120 s for the world to save).
 *
 * The template always sets the desired count to 0, so a first deploy starts nothing. The flip side: any
 * deploy that updates the service resets the count to 0 and stops a running game (gracefully, with its
 * 120 s save). `npm run deploy` therefore refuses to deploy while the server runs unless given --force.
 */
export class GameServer extends Construct {
  public readonly cluster: ecs.ICluster;
  public readonly service: ecs.FargateService;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly securityGroup: ec2.ISecurityGroup;
  public readonly logGroup: logs.ILogGroup;
  /** The Valheim container (e.g. for a ServerInstallCache to join). */
  public readonly container: ecs.ContainerDefinition;
  /** The image reference the task runs, pinned to a release tag or digest. */
  public readonly image: string;
  /** Whether the task runs on Fargate Spot. */
  public readonly spot: boolean;
  /** Whether the server is listed in the community server browser (it then answers Steam queries). */
  public readonly publicListing: boolean;
  /** Whether Xbox/Game Pass players can join (player counts then come from the server log). */
  public readonly crossplay: boolean;
  /** The UDP ports open to players. */
  public readonly udpPorts: readonly number[];
  /** The steps of the image's POST_UPDATE_CHECK_HOOK, in order (see addPostUpdateCheckStep). */
  private readonly postUpdateCheckSteps: string[] = [];

  constructor(scope: Construct, id: string, props: GameServerProps) {
    super(scope, id);
    const cpu = props.cpu ?? 2048;
    const memoryMiB = props.memoryMiB ?? 8192;
    const timeZone = props.timeZone ?? 'Etc/UTC';
    this.image = imageReference(props.imageTag ?? '1.2.0');
    this.spot = props.spot ?? false;
    this.publicListing = props.publicListing ?? true;
    this.crossplay = props.crossplay ?? false;
    const udpPorts = [
      ...VALHEIM_UDP_PORTS,
      ...((props.udpPort2458 ?? this.crossplay) ? [EXTRA_UDP_PORT] : []),
    ];
    this.udpPorts = udpPorts;
    if (cpu < 2048) {
      throw new Error(`cpu must be at least 2048 (2 vCPU, Valheim's minimum), but ${cpu} was provided`);
    }
    validateInteger('memoryMiB', memoryMiB, 4096, 122880);
    validateTimeZone('server time zone', timeZone);
    validateEcsName('clusterName', props.clusterName);
    validateEcsName('serviceName', props.serviceName);
    validateLogGroupName(props.logGroupName);

    const cluster = new ecs.Cluster(this, 'Cluster', {
      clusterName: props.clusterName,
      vpc: props.vpc,
      enableFargateCapacityProviders: true,
      containerInsightsV2: ecs.ContainerInsights.DISABLED,
    });
    acknowledge(
      cluster,
      'AwsSolutions-ECS4',
      'Container Insights bills custom metrics per task; one occasional game task is watched through its log and the Discord bot.',
    );
    this.cluster = cluster;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: props.logGroupName,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu,
      memoryLimitMiB: memoryMiB,
      // Valheim's dedicated server is x86-64 only (and Fargate Spot is x86 only).
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      volumes: [worldVolume(props.fileSystem, props.accessPoint)],
    });
    // Root access: the image starts as root (PUID 0); without it EFS would squash root to nobody.
    props.fileSystem.grantRootAccess(taskDefinition.taskRole);
    this.taskDefinition = taskDefinition;

    const container = taskDefinition.addContainer('Valheim', {
      image: ecs.ContainerImage.fromRegistry(this.image),
      essential: true,
      stopTimeout: Duration.seconds(STOP_TIMEOUT_SECONDS),
      portMappings: udpPorts.map((port) => ({ containerPort: port, protocol: ecs.Protocol.UDP })),
      environment: {
        SERVER_NAME: props.serverName,
        ...(!props.activeWorld && { WORLD_NAME: props.worldName }),
        SERVER_PUBLIC: String(this.publicListing),
        // The image recognises crossplay only from "-crossplay" in SERVER_ARGS: there its idle check (hourly
        // backups with BACKUPS_IF_IDLE=false) counts UDP traffic instead of asking A2S, which always says 0
        // under crossplay. CROSSPLAY=true would only add the same flag a second time.
        CROSSPLAY: 'false',
        SERVER_ARGS: serverArgs(this.crossplay, props.extraArgs),
        ...(!props.playerLists && { ADMINLIST_IDS: (props.adminSteamIds ?? []).join(' ') }),
        TZ: timeZone,
        // An on-demand server updates at every start anyway; timed updates/restarts would kick players.
        UPDATE_CRON: '',
        RESTART_CRON: '',
        ...imageBackupEnvironment(),
        // Its port (TCP 80) stays closed; player counts come from the log and A2S.
        STATUS_HTTP: 'false',
        // A restore killed mid-swap leaves no worlds_local: put the previous world back before the server
        // could create an empty one.
        PRE_BOOTSTRAP_HOOK: swapRepairHook(),
        // The active world and its flags come from WORLD_ARGS, right before the server starts.
        ...(props.activeWorld && { PRE_SERVER_RUN_HOOK: worldArgsHook() }),
        // The image's default, "validate", hashes all ~2 GB again at every start. steamcmd verifies what it
        // downloads; a restored install comes from a tarball whose checksum gzip checks (docs/start-time.md).
        STEAMCMD_ARGS: '',
        // Unity's headless chatter is dropped before CloudWatch bills it (src/players/log-noise.ts).
        ...logFilterEnvironment(),
      },
      // Never in `environment`: the value is read from SSM by ECS at task start and is not in the template.
      secrets: {
        SERVER_PASS: ecs.Secret.fromSsmParameter(props.serverPassword),
        // Not secret, but read at every launch like one: the world a switch chose, not the one of the last deploy.
        ...(props.activeWorld && {
          WORLD_NAME: ecs.Secret.fromSsmParameter(props.activeWorld.name),
          WORLD_ARGS: ecs.Secret.fromSsmParameter(props.activeWorld.args),
        }),
        // The group's branch (and a rollback's hold), read at every launch like the world.
        ...(props.gameBranch && { GAME_BRANCH: ecs.Secret.fromSsmParameter(props.gameBranch) }),
        // Not secret either: the lists `/valheim access` changed, applied by the image at bootstrap.
        ...(props.playerLists && playerListSecrets(props.playerLists)),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'valheim' }),
    });
    this.container = container;
    // Before steamcmd: the branch (STEAMCMD_ARGS) and a rollback's hold. Without GAME_BRANCH: public.
    container.addEnvironment('PRE_UPDATE_CHECK_HOOK', gameBranchHook());
    // After steamcmd, before the world loads: a copy of the world when the build changed (a snapshot later).
    this.addPostUpdateCheckStep(preUpdateCopyHook());
    // /opt/valheim (the ~2 GB install) stays on task storage (a ServerInstallCache fills it from S3).
    container.addMountPoints({ sourceVolume: WORLD_VOLUME, containerPath: '/config', readOnly: false });

    // Reads the world in parallel before the game loads it one file at a time: after a week unread it is in
    // EFS Infrequent Access (src/server/world-prefetch.ts). The game image is pulled anyway; the game waits
    // for the prefetch to complete, never for it to succeed, and it runs beside the install-cache restore.
    const prefetch = taskDefinition.addContainer('WorldPrefetch', {
      containerName: WORLD_PREFETCH_CONTAINER,
      image: ecs.ContainerImage.fromRegistry(this.image),
      essential: false,
      entryPoint: ['/bin/sh', '-c'],
      command: [worldPrefetchCommand()],
      // The world that runs: the active one (read at launch, like the game's) when worlds are switchable.
      ...(props.activeWorld
        ? { secrets: { WORLD_NAME: ecs.Secret.fromSsmParameter(props.activeWorld.name) } }
        : { environment: { WORLD_NAME: props.worldName } }),
      stopTimeout: Duration.seconds(10),
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'world-prefetch' }),
    });
    prefetch.addMountPoints({ sourceVolume: WORLD_VOLUME, containerPath: '/config', readOnly: true });
    container.addContainerDependencies({
      container: prefetch,
      condition: ecs.ContainerDependencyCondition.COMPLETE,
    });
    acknowledge(
      taskDefinition,
      'AwsSolutions-ECS2',
      'The environment holds non-secret server settings only; the password comes from an SSM SecureString through ECS secrets.',
    );

    const range = `${udpPorts[0]}-${udpPorts[udpPorts.length - 1]}`;
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      // Fixed text: a description change replaces the group.
      description:
        'Valheim game task: its UDP game ports from anywhere; status (80) and supervisor (9001) stay closed',
      // Steam downloads the server (and updates) at every start.
      allowAllOutbound: true,
    });
    securityGroup.addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.udpRange(
        udpPorts[0] ?? VALHEIM_UDP_PORTS[0],
        udpPorts[udpPorts.length - 1] ?? VALHEIM_UDP_PORTS[1],
      ),
      udpPorts.includes(EXTRA_UDP_PORT)
        ? 'Valheim game, Steam query, and 2458 (crossplay or mods)'
        : 'Valheim game and Steam query',
    );
    acknowledge(
      securityGroup,
      'AwsSolutions-EC23',
      `Game clients connect from anywhere on the internet; only UDP ${range} is open, TCP 80/9001 stay closed.`,
    );
    this.securityGroup = securityGroup;

    this.service = new ecs.FargateService(this, 'Service', {
      serviceName: props.serviceName,
      cluster,
      taskDefinition,
      // Always in the template: a first deploy starts nothing (see the class comment for the trade-off).
      desiredCount: 0,
      // Stop the old task before starting a new one: never two servers writing one world.
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      // A rebalance would stop a running game to move it to another zone.
      availabilityZoneRebalancing: ecs.AvailabilityZoneRebalancing.DISABLED,
      assignPublicIp: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [securityGroup],
      capacityProviderStrategies: [{ capacityProvider: this.spot ? 'FARGATE_SPOT' : 'FARGATE', weight: 1 }],
      // Tasks carry the service's tags, so task-hours show up under the cost tag.
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      platformVersion: ecs.FargatePlatformVersion.LATEST,
    });
    // The cluster's capacity-provider association is only created at synth (by an aspect of the cluster).
    // Without a dependency CloudFormation may create the service before it, or delete it while the service
    // still uses FARGATE/FARGATE_SPOT; both fail the deploy. This aspect runs after the cluster's.
    Aspects.of(this).add(new DependOnCapacityProviders(this.service, cluster), {
      priority: AspectPriority.DEFAULT,
    });
    acknowledge(
      this.service,
      'Annotation::@aws-cdk/aws-ecs:shouldUseCircuitBreaker',
      'Deployments start no task (desired count 0); starts come from UpdateService and a failing start is reported in Discord, not rolled back.',
    );
  }

  /**
   * Adds a step to the image's POST_UPDATE_CHECK_HOOK, after the ones already there: the image evaluates it
   * in its updater's shell once steamcmd and the copy to /opt/valheim/server are done, before the server
   * starts (src/game/hooks.ts). The pre-update copy of the world is the first step.
   */
  public addPostUpdateCheckStep(step: string): void {
    this.postUpdateCheckSteps.push(step);
    this.container.addEnvironment('POST_UPDATE_CHECK_HOOK', this.postUpdateCheckSteps.join('\n'));
  }

  /**
   * Everything a controller of the server needs (the Discord commands, the monitor): `grantStartStop` and
   * `grantReadStatus` together.
   */
  public grantServerControl(grantee: iam.IGrantable): iam.Grant {
    return this.grantStartStop(grantee).combine(this.grantReadStatus(grantee));
  }

  /** Lets `grantee` start and stop the server (UpdateService on this service only). */
  public grantStartStop(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ecs:UpdateService'],
      resourceArns: [this.service.serviceArn],
    });
  }

  /**
   * Lets `grantee` see the service, its tasks and the public IP of a running task: DescribeServices on this
   * service, ListTasks/DescribeTasks in this cluster, and ec2:DescribeNetworkInterfaces.
   */
  public grantReadStatus(grantee: iam.IGrantable): iam.Grant {
    const taskArns = taskArnsIn(this.cluster);
    const grants = [
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['ecs:DescribeServices'],
        resourceArns: [this.service.serviceArn],
      }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['ecs:DescribeTasks'],
        resourceArns: [taskArns],
      }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['ecs:ListTasks'],
        resourceArns: ['*'],
        conditions: { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } },
      }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['ec2:DescribeNetworkInterfaces'],
        resourceArns: ['*'],
      }),
    ];
    const principal = grantee.grantPrincipal;
    if (Construct.isConstruct(principal)) {
      acknowledge(
        principal,
        `AwsSolutions-IAM5[Resource::${nagFinding(this, taskArns)}]`,
        'Task IDs change at every start; the statement is limited to tasks of this one cluster.',
      );
      acknowledge(
        principal,
        'AwsSolutions-IAM5[Resource::*]',
        "ec2:DescribeNetworkInterfaces supports no resource-level permissions (it finds the running task's public IP); ecs:ListTasks is limited by the ecs:cluster condition instead.",
      );
    }
    return grants.reduce((all, grant) => all.combine(grant));
  }
}

/** Valheim's extra arguments, with "-crossplay" where the image looks for it. */
/**
 * SERVER_ARGS: crossplay, Valheim's own rolling backups off (VALHEIM_AUTO_BACKUPS: they would copy the whole
 * world next to itself on EFS; the history is in S3 and AWS Backup), then the user's arguments, which come last
 * so that Valheim, which takes the last value of a repeated argument, lets them win ("-backups 4").
 */
export function serverArgs(crossplay: boolean, extraArgs = ''): string {
  return [crossplay ? '-crossplay' : '', `-backups ${VALHEIM_AUTO_BACKUPS}`, extraArgs.trim()]
    .filter(Boolean)
    .join(' ');
}

/**
 * The image's own zips of the world, made at every container start: off when IMAGE_BACKUPS_KEPT is 0 (the
 * history is the monitor's S3 snapshots and AWS Backup; a zip on EFS next to the world cost as much again there
 * and in every backup, and a few seconds of every start). Otherwise only at the start (no hourly cron), pruned
 * by count: age pruning would delete every older zip at the first boot after a long break.
 */
function imageBackupEnvironment(): Record<string, string> {
  if (IMAGE_BACKUPS_KEPT === 0) return { BACKUPS: 'false' };
  return {
    BACKUPS: 'true',
    BACKUPS_MAX_AGE: '3650',
    BACKUPS_MAX_COUNT: String(IMAGE_BACKUPS_KEPT),
    BACKUPS_CRON: '',
    BACKUPS_IF_IDLE: 'false',
  };
}

function validateEcsName(what: string, name: string | undefined): void {
  if (name === undefined || Token.isUnresolved(name)) return;
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
    throw new Error(`${what} must be 1 to 255 letters, digits, "-" or "_", but "${name}" was provided`);
  }
}

function validateLogGroupName(name: string | undefined): void {
  if (name === undefined || Token.isUnresolved(name)) return;
  if (!/^[A-Za-z0-9._/#-]{1,512}$/.test(name)) {
    throw new Error(
      `logGroupName must be 1 to 512 letters, digits, ".", "_", "-", "/" or "#", but "${name}" was provided`,
    );
  }
}

/**
 * `repository:tag` for a release of 1.2.0 or later, `repository:tag@sha256:…` for a pinned release,
 * `repository@sha256:…` for a digest. Anything unpinned
 * ("latest") or older (breaks Valheim 1.0 world folders) is refused.
 */
function imageReference(tag: string): string {
  if (/^sha256:[0-9a-f]{64}$/.test(tag)) return `${VALHEIM_IMAGE_REPOSITORY}@${tag}`;
  if (/^v\d+\.\d+\.\d+(@|$)/.test(tag)) {
    throw new Error(
      `imageTag must be the bare version: the image has no "v" tags (use "${tag.slice(1)}"), but "${tag}" was provided`,
    );
  }
  // `release@sha256:…`: the digest decides what runs, the release stays readable (and checked).
  const pinned = /^((\d+)\.(\d+)\.\d+)(@sha256:[0-9a-f]{64})?$/.exec(tag);
  const [, release, major = 0, minor = 0, digest = ''] = pinned ?? [];
  if (release && (Number(major) > 1 || (Number(major) === 1 && Number(minor) >= 2))) {
    return `${VALHEIM_IMAGE_REPOSITORY}:${release}${digest}`;
  }
  throw new Error(
    `imageTag must be a release of 1.2.0 or later (e.g. "1.2.0"), optionally pinned as "1.2.0@sha256:<64 hex>", or a "sha256:<64 hex>" digest, but "${tag}" was provided`,
  );
}

/** The ARN pattern of every task in `cluster`, for task-level actions (DescribeTasks, TagResource). */
export function taskArnsIn(cluster: ecs.ICluster): string {
  return Stack.of(cluster).formatArn({
    service: 'ecs',
    resource: 'task',
    resourceName: `${cluster.clusterName}/*`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/** Makes the service depend on the cluster's capacity-provider association, once the cluster has made it. */
class DependOnCapacityProviders {
  constructor(
    private readonly service: ecs.FargateService,
    private readonly cluster: ecs.Cluster,
  ) {}

  public visit(node: IConstruct): void {
    if (node !== this.service) return;
    for (const child of this.cluster.node.children) {
      if (child instanceof ecs.CfnClusterCapacityProviderAssociations) this.service.node.addDependency(child);
    }
  }
}

/** ADMINLIST_IDS, BANNEDLIST_IDS and PERMITTEDLIST_IDS, each from its list's parameter. */
function playerListSecrets(
  lists: Readonly<Record<PlayerListKind, ssm.IParameter>>,
): Record<string, ecs.Secret> {
  return Object.fromEntries(
    PLAYER_LIST_KINDS.map((kind) => [PLAYER_LIST_VARIABLES[kind], ecs.Secret.fromSsmParameter(lists[kind])]),
  );
}
