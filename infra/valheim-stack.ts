import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { gameServiceNames, serverLogGroupName } from '../src/config/names.js';
import { secretParameterNames } from '../src/config/parameters.js';
import { COST_TAG_KEY, type ValheimConfig } from '../src/config/schema.js';
import { estimateCost } from '../src/cost/estimate.js';
import { worldIdleUsdPerGb } from '../src/cost/world-idle.js';
import { guildCommands } from '../src/discord/commands.js';
import type { ModsDeployment } from '../src/mods/deployment.js';
import { plansVariable } from '../src/mods/plan.js';
import { modListOf } from '../src/mods/profile.js';
import { logFilterPattern } from '../src/players/server-log.js';
import { encodeModList, MODS_LIST_VARIABLE } from '../src/records/mod-list.js';
import {
  ActiveWorldParameters,
  BundledFunction,
  CostBudget,
  DiscordEndpoint,
  DiscordEndpointPath,
  DiscordWiring,
  GameBranchParameter,
  GameNetwork,
  GameServer,
  grantGetCostAndUsage,
  grantGetParameter,
  grantReadRollbackPlan,
  INSTALL_VOLUME,
  ModInstall,
  MonthlySummarySchedule,
  PlayerListParameters,
  ServerInstallCache,
  ServerLogProcessor,
  ServerMonitor,
  ServerSchedule,
  STATE_TABLE_ACTIONS,
  StateTable,
  WorldBackup,
  WorldBucket,
  WorldStorage,
  WorldTransfer,
} from './constructs/index.js';

const handlerEntry = (name: string) => fileURLToPath(new URL(`../src/handlers/${name}.ts`, import.meta.url));
/** The Discord interactions handler, bundled into the endpoint's Lambda. */
export const INTERACTIONS_ENTRY = handlerEntry('interactions');
/** The monitor: task state changes and the one-minute tick while a server is up. */
export const MONITOR_ENTRY = handlerEntry('monitor');
/** The game log subscription: who joined and left. */
export const SERVER_LOG_ENTRY = handlerEntry('server-log');
/** The schedule's start times: start unless a world transfer runs. */
export const SCHEDULED_START_ENTRY = handlerEntry('scheduled-start');
/** The deploy-time custom resource that registers the commands and sets the endpoint URL. */
export const DISCORD_WIRING_ENTRY = handlerEntry('discord-wiring');
/** The deploy-time custom resource that makes (once) and reads the secret segment of Discord's route. */
export const DISCORD_ENDPOINT_PATH_ENTRY = handlerEntry('endpoint-path');

export interface ValheimStackProps extends StackProps {
  /** The validated valheim.config.json. */
  readonly config: ValheimConfig;
  /**
   * Changes at every deploy so the Discord wiring reconciles every time (see DiscordWiringProps.deployRun).
   * @default - none: the wiring runs when its inputs change
   */
  readonly discordDeployRun?: string;
  /**
   * The locked mods (src/mods/deployment.ts): the task installs them at every start.
   * @default - no mods: a vanilla server
   */
  readonly mods?: ModsDeployment;
}

/**
 * Everything for one Valheim server: network, world storage and its backups, the (normally stopped) game
 * service, the world bucket and the one-off task that moves worlds between it and EFS, optional start/stop
 * times, the Discord endpoint that starts and stops it, the monitor that reports and stops it when idle (with
 * the state table and the log processor it reads), the deploy-time wiring of Discord, and an optional budget.
 */
export class ValheimStack extends Stack {
  public readonly gameServer: GameServer;
  public readonly storage: WorldStorage;
  public readonly worldBucket: WorldBucket;
  public readonly worldTransfer: WorldTransfer;
  public readonly activeWorld: ActiveWorldParameters;
  public readonly playerLists: PlayerListParameters;
  public readonly gameBranch: GameBranchParameter;
  public readonly state: StateTable;
  public readonly endpoint: DiscordEndpoint;
  public readonly interactions: BundledFunction;
  public readonly monitor: ServerMonitor;
  public readonly serverLog: ServerLogProcessor;
  public readonly discordWiring: DiscordWiring;

  constructor(scope: Construct, id: string, props: ValheimStackProps) {
    super(scope, id, props);
    const { config } = props;
    // The schema accepts only CloudWatch Logs' retention values, which are the enum's values.
    const logRetention = config.logRetentionDays as logs.RetentionDays;
    const secrets = secretParameterNames(config.stackName);
    const names = gameServiceNames(config.stackName);
    const costTag = { key: COST_TAG_KEY, value: config.stackName };
    // What the stack costs while nobody plays, for /valheim cost (play hours are counted by the monitor).
    const fixedMonthly = estimateCost(config, { hoursPerMonth: 0, worldSizeGb: config.cost.worldSizeGb });

    const network = new GameNetwork(this, 'Network', { maxAzs: 2 });
    this.storage = new WorldStorage(this, 'World', { vpc: network.vpc });
    new WorldBackup(this, 'Backup', {
      fileSystem: this.storage.fileSystem,
      schedule: config.backup.schedule,
      timeZone: config.timeZone,
      retentionDays: config.backup.retentionDays,
      vaultLock: config.backup.vaultLock,
    });

    // CloudFormation cannot create SecureStrings: `valheim secrets set` writes it, the stack only refers to it.
    const serverPassword = ssm.StringParameter.fromSecureStringParameterAttributes(this, 'ServerPassword', {
      parameterName: secrets.serverPassword,
    });
    const botToken = ssm.StringParameter.fromSecureStringParameterAttributes(this, 'BotToken', {
      parameterName: secrets.botToken,
    });
    // Which world runs: switched from Discord or the CLI, created once here and never changed by a deploy.
    this.activeWorld = new ActiveWorldParameters(this, 'ActiveWorld', {
      parameterPrefix: config.stackName,
      initialWorld: config.server.world,
      logRetention,
    });
    // Who is admin, banned or permitted: changed from Discord (/valheim access), created once here.
    this.playerLists = new PlayerListParameters(this, 'PlayerLists', {
      parameterPrefix: config.stackName,
      initial: { admins: config.server.adminSteamIds },
      customResourceRole: this.activeWorld.customResourceRole,
      customResourceLogs: this.activeWorld.customResourceLogs,
    });
    // Which Steam branch (and, after a rollback, which build) the game runs: like the world, chosen from
    // Discord or the CLI, created once here and never changed by a deploy.
    this.gameBranch = new GameBranchParameter(this, 'GameBranch', {
      parameterPrefix: config.stackName,
      initialBranch: config.server.gameBranch,
      logRetention,
    });
    this.gameServer = new GameServer(this, 'Game', {
      vpc: network.vpc,
      fileSystem: this.storage.fileSystem,
      accessPoint: this.storage.accessPoint,
      serverPassword,
      serverName: config.server.name,
      worldName: config.server.world,
      activeWorld: this.activeWorld,
      gameBranch: this.gameBranch.parameter,
      publicListing: config.server.public,
      crossplay: config.server.crossplay,
      udpPort2458: config.server.crossplay || config.mods.udpPort2458,
      extraArgs: config.server.extraArgs,
      adminSteamIds: config.server.adminSteamIds,
      playerLists: this.playerLists.parameters,
      imageTag: config.server.imageTag,
      cpu: config.task.cpu,
      memoryMiB: config.task.memoryMiB,
      spot: config.task.spot,
      timeZone: config.timeZone,
      logRetention,
      // Fixed names: `npm run deploy` checks the service for a running game before CloudFormation is involved,
      // and `valheim logs` reads the log group (src/config/names.ts).
      clusterName: names.cluster,
      serviceName: names.service,
      logGroupName: serverLogGroupName(config.stackName),
    });
    // ECS refuses to launch a task whose secret's parameter is missing: never before they exist.
    this.gameServer.taskDefinition.node.addDependency(...this.playerLists.creators);
    this.storage.allowMountFrom(this.gameServer.securityGroup);

    this.worldBucket = new WorldBucket(this, 'Worlds');
    new ServerInstallCache(this, 'InstallCache', {
      taskDefinition: this.gameServer.taskDefinition,
      gameContainer: this.gameServer.container,
      gameImage: ecs.ContainerImage.fromRegistry(this.gameServer.image),
      bucket: this.worldBucket.bucket,
      logGroup: this.gameServer.logGroup,
      gameBranch: this.gameBranch.parameter,
      addPostUpdateCheckStep: (step) => this.gameServer.addPostUpdateCheckStep(step),
    });
    if (props.mods) {
      new ModInstall(this, 'Mods', {
        taskDefinition: this.gameServer.taskDefinition,
        gameContainer: this.gameServer.container,
        installVolume: INSTALL_VOLUME,
        bucket: this.worldBucket.bucket,
        plans: plansVariable(props.mods.plans),
        logGroup: this.gameServer.logGroup,
        activeWorldName: this.activeWorld.name,
      });
    }
    // The game's network: its security group already reaches the mount targets and (through the public IP)
    // S3 and ECR Public.
    this.state = new StateTable(this, 'State');
    this.worldTransfer = new WorldTransfer(this, 'WorldTransfer', {
      cluster: this.gameServer.cluster,
      fileSystem: this.storage.fileSystem,
      accessPoint: this.storage.accessPoint,
      bucket: this.worldBucket.bucket,
      lockTable: this.state.table,
      gameService: this.gameServer.service,
      subnets: network.vpc.publicSubnets,
      securityGroup: this.gameServer.securityGroup,
      logRetention,
    });
    const transferSubnets = this.worldTransfer.subnetIds.join(',');
    const transferSecurityGroups = this.worldTransfer.securityGroupIds.join(',');

    const start = config.schedule?.start ?? [];
    const stop = config.schedule?.stop ?? [];
    if (start.length + stop.length > 0) {
      new ServerSchedule(this, 'Schedule', {
        service: this.gameServer.service,
        start,
        stop,
        timeZone: config.timeZone,
        ...(start.length > 0 && {
          startHandler: this.scheduledStartHandler(logRetention, config, botToken),
        }),
      });
    }

    const stateTable = this.state.table;

    this.interactions = new BundledFunction(this, 'Interactions', {
      entry: INTERACTIONS_ENTRY,
      description: 'Answers the Discord /valheim command and its buttons',
      logRetention,
      // Keeps instances for Discord when other functions are busy, and caps what a flood can run.
      reservedConcurrentExecutions: config.endpoint.reservedConcurrency,
      environment: {
        DISCORD_PUBLIC_KEY: config.discord.publicKey,
        DISCORD_GUILD_ID: config.discord.guildId,
        OPERATOR_ROLE_IDS: config.discord.operatorRoleIds.join(','),
        ECS_CLUSTER: this.gameServer.cluster.clusterName,
        ECS_SERVICE: this.gameServer.service.serviceName,
        STATE_TABLE: stateTable.tableName,
        SERVER_PASSWORD_PARAMETER: serverPassword.parameterName,
        PASSWORD_VISIBLE_TO: config.discord.passwordVisibleTo,
        IDLE_STOP_MINUTES: String(config.lifecycle.idleStopMinutes),
        EMPTY_STOP_MINUTES: String(config.lifecycle.emptyStopMinutes),
        // For /valheim backup: runs a snapshot of the world.
        TRANSFER_TASK_DEFINITION: this.worldTransfer.family,
        TRANSFER_SUBNETS: transferSubnets,
        TRANSFER_SECURITY_GROUPS: transferSecurityGroups,
        WORLD_BUCKET: this.worldBucket.bucket.bucketName,
        WORLD_NAME: config.server.world,
        // For /valheim world …: the active world's parameters and a world's idle cost per GB.
        WORLD_NAME_PARAMETER: this.activeWorld.name.parameterName,
        WORLD_ARGS_PARAMETER: this.activeWorld.args.parameterName,
        // For /valheim access: the lists' parameters are /<prefix>/players/<list>.
        PLAYER_LISTS_PREFIX: config.stackName,
        WORLD_IDLE_USD_PER_GB: worldIdleUsdPerGb({
          region: config.region,
          snapshots: config.snapshots,
          backupRetentionDays: config.backup.retentionDays,
        }).toFixed(4),
        COST_FIXED_MONTHLY: fixedMonthly.idleMonthly.toFixed(2),
        ...(config.cost.costExplorer && { COST_EXPLORER_TAG: `${costTag.key}=${costTag.value}` }),
        ...(config.cost.monthlyLimitUsd !== undefined && {
          COST_MONTHLY_LIMIT: String(config.cost.monthlyLimitUsd),
        }),
        // For /valheim schedule: the next openings, and skipping one.
        ...(config.schedule?.start.length && {
          SCHEDULE_START: config.schedule.start.join(';'),
          TIME_ZONE: config.timeZone,
        }),
        // For /valheim mods: the locked lists, so the command answers without reading the bucket.
        ...(props.mods && {
          [MODS_LIST_VARIABLE]: encodeModList({
            ...modListOf(props.mods.lock),
            ...(config.discord.noticeChannelId && { profileChannelId: config.discord.noticeChannelId }),
          }),
        }),
      },
    });
    this.gameServer.grantServerControl(this.interactions);
    this.worldTransfer.grantRun(this.interactions);
    if (config.cost.costExplorer) grantGetCostAndUsage(this.interactions);
    // Commands claim a start or stop with a conditional write, so that they and the monitor never both act.
    this.state.grant(this.interactions, STATE_TABLE_ACTIONS.interactions);
    // For /valheim password.
    grantGetParameter(serverPassword, this.interactions);
    // For /valheim game branch (reads, and sets for operators) and the Roll back… button's dry-run.
    this.interactions.function.addEnvironment(
      'GAME_BRANCH_PARAMETER',
      this.gameBranch.parameter.parameterName,
    );
    this.gameBranch.grantReadWrite(this.interactions);
    grantReadRollbackPlan(this, this.interactions.function, this.worldBucket.bucket);
    // For /valheim world switch|new|settings (and the world start and status name).
    this.activeWorld.grantReadWrite(this.interactions);
    // For /valheim access: the three list parameters and nothing else.
    this.playerLists.grantReadWrite(this.interactions);
    const endpointPath = new DiscordEndpointPath(this, 'DiscordPath', {
      entry: DISCORD_ENDPOINT_PATH_ENTRY,
      logRetention,
    });
    this.endpoint = new DiscordEndpoint(this, 'Discord', {
      handler: this.interactions.function,
      pathSegment: endpointPath.segment,
      logRetention,
      rateLimit: config.endpoint.rateLimit,
      burstLimit: config.endpoint.burstLimit,
    });

    this.monitor = new ServerMonitor(this, 'Monitor', {
      entry: MONITOR_ENTRY,
      gameServer: this.gameServer,
      stateTable,
      botToken,
      noticeChannelId: config.discord.noticeChannelId,
      dns: config.dns && {
        hostedZone: route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
          hostedZoneId: config.dns.hostedZoneId,
          zoneName: config.dns.zoneName,
        }),
        recordName: config.dns.recordName,
      },
      idleStopMinutes: config.lifecycle.idleStopMinutes,
      emptyStopMinutes: config.lifecycle.emptyStopMinutes,
      warnBeforeMinutes: config.lifecycle.warnBeforeMinutes,
      slowStartMinutes: config.lifecycle.slowStartMinutes,
      unknownLimitMinutes: config.lifecycle.unknownLimitMinutes,
      maxSessionHours: config.lifecycle.maxSessionHours,
      keepRunningHours: config.lifecycle.keepRunningHours,
      transferFamily: this.worldTransfer.family,
      activeWorld: { parameters: this.activeWorld, firstWorld: config.server.world },
      snapshots: {
        transfer: this.worldTransfer,
        bucket: this.worldBucket.bucket,
        worldName: config.server.world,
        ...config.snapshots,
      },
      fixedMonthlyUsd: fixedMonthly.idleMonthly,
      ...(config.cost.monthlyLimitUsd !== undefined && {
        budget: { monthlyLimitUsd: config.cost.monthlyLimitUsd },
      }),
      feedKinds: config.feed.kinds,
      ...(config.discord.noticeChannelId && {
        board: {
          worldName: config.server.world,
          scheduleStart: config.schedule?.start ?? [],
          timeZone: config.timeZone,
        },
      }),
      logRetention,
    });
    if (config.discord.noticeChannelId) {
      new MonthlySummarySchedule(this, 'MonthlySummary', {
        monitor: this.monitor.handler.function,
        timeZone: config.timeZone,
      });
    }
    this.serverLog = new ServerLogProcessor(this, 'ServerLog', {
      entry: SERVER_LOG_ENTRY,
      logGroup: this.gameServer.logGroup,
      // The feed's own lines only for the kinds the group opted into (each costs log-Lambda invocations).
      filterPattern: logs.FilterPattern.literal(logFilterPattern(config.feed.kinds)),
      stateTable,
      monitor: this.monitor.handler.function,
      logRetention,
    });
    if (config.feed.kinds.length > 0) {
      // /valheim feed: an operator's mute narrows the filter to the kinds still wanted.
      this.interactions.function.addEnvironment('FEED_KINDS', config.feed.kinds.join(','));
      this.interactions.function.addEnvironment('LOG_GROUP_NAME', this.gameServer.logGroup.logGroupName);
      this.interactions.function.addEnvironment('LOG_FILTER_NAME', this.serverLog.filterName);
      this.interactions.function.addEnvironment(
        'LOG_DESTINATION_ARN',
        this.serverLog.handler.function.functionArn,
      );
      this.serverLog.grantFilterChange(this.interactions);
    }
    this.discordWiring = new DiscordWiring(this, 'DiscordWiring', {
      entry: DISCORD_WIRING_ENTRY,
      applicationId: config.discord.applicationId,
      guildId: config.discord.guildId,
      endpoint: this.endpoint,
      publicKey: config.discord.publicKey,
      botToken,
      commands: guildCommands(),
      deployRun: props.discordDeployRun,
      logRetention,
    });

    if (config.cost.monthlyBudgetUsd !== undefined) {
      // The schema requires budgetEmail with monthlyBudgetUsd.
      new CostBudget(this, 'Budget', {
        limitUsd: config.cost.monthlyBudgetUsd,
        tag: costTag,
        email: config.cost.budgetEmail,
      });
    }

    // Not the endpoint itself: its last segment is a secret (the CLI reads it from SSM, endpointPath).
    new CfnOutput(this, 'DiscordApiUrl', {
      value: this.endpoint.apiUrl,
      description: `The Discord endpoint's API; the Interactions Endpoint URL is <this>discord/<the SecureString ${endpointPath.parameterName}>, set by every deploy (npx valheim discord wire prints it)`,
    });
    new CfnOutput(this, 'DiscordSetup', {
      value: this.discordWiring.status,
      description:
        'What the latest deploy did in Discord, one result per step (slash commands, endpoint URL)',
    });
    new CfnOutput(this, 'ClusterName', { value: this.gameServer.cluster.clusterName });
    new CfnOutput(this, 'ServiceName', { value: this.gameServer.service.serviceName });
    new CfnOutput(this, 'BotTokenParameter', {
      value: secrets.botToken,
      description: 'SSM SecureString to fill with the Discord bot token (valheim secrets set)',
    });
    new CfnOutput(this, 'ServerPasswordParameter', {
      value: secrets.serverPassword,
      description: 'SSM SecureString to fill with the server password (valheim secrets set)',
    });
    new CfnOutput(this, 'FileSystemId', {
      value: this.storage.fileSystem.fileSystemId,
      description: 'EFS file system holding the world (kept when the stack is deleted)',
    });
    new CfnOutput(this, 'WorldBucket', {
      value: this.worldBucket.bucket.bucketName,
      description: 'S3 bucket with world snapshots and imports (kept when the stack is deleted)',
    });
    new CfnOutput(this, 'StateTable', {
      value: this.state.table.tableName,
      description: 'DynamoDB table with the bot state and the session ledger (npx valheim starts reads it)',
    });
    new CfnOutput(this, 'TransferSubnets', {
      value: transferSubnets,
      description: 'Subnets the world-transfer task runs in (VALHEIM_TRANSFER_SUBNETS)',
    });
    new CfnOutput(this, 'TransferSecurityGroup', {
      value: transferSecurityGroups,
      description: 'Security group of the world-transfer task (VALHEIM_TRANSFER_SECURITY_GROUP)',
    });
  }

  /** The function the schedule's start times invoke; a throw (a transfer runs) is retried by Lambda. */
  private scheduledStartHandler(
    logRetention: logs.RetentionDays,
    config: ValheimConfig,
    botToken: ssm.IStringParameter,
  ): lambda.IFunction {
    const starter = new BundledFunction(this, 'ScheduledStart', {
      entry: SCHEDULED_START_ENTRY,
      description: 'Starts the Valheim server at the schedule times, unless a world transfer runs',
      logRetention,
      environment: {
        ECS_CLUSTER: this.gameServer.cluster.clusterName,
        ECS_SERVICE: this.gameServer.service.serviceName,
        TRANSFER_FAMILY: this.worldTransfer.family,
        // The scheduled evening: countdowns before each opening and a start early by the median start time.
        STATE_TABLE: this.state.table.tableName,
        SCHEDULE_START: (config.schedule?.start ?? []).join(';'),
        TIME_ZONE: config.timeZone,
        ...(config.discord.noticeChannelId && {
          NOTICE_CHANNEL_ID: config.discord.noticeChannelId,
          BOT_TOKEN_PARAMETER: botToken.parameterName,
        }),
      },
      // Two more tries, a minute or two apart: long enough for a snapshot to finish.
      retryAttempts: 2,
      maxEventAge: Duration.minutes(30),
    });
    this.gameServer.grantServerControl(starter);
    this.state.grant(starter, STATE_TABLE_ACTIONS.scheduledStart);
    if (config.discord.noticeChannelId) grantGetParameter(botToken, starter);
    return starter.function;
  }
}
