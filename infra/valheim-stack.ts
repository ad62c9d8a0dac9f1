import { fileURLToPath } from 'node:url';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { secretParameterNames } from '../src/config/parameters.js';
import type { ValheimConfig } from '../src/config/schema.js';
import {
  BundledFunction,
  DiscordEndpoint,
  GameNetwork,
  GameServer,
  ServerSchedule,
  WorldBackup,
  WorldStorage,
} from './constructs/index.js';

/** The Discord interactions handler, bundled into the endpoint's Lambda. */
export const INTERACTIONS_ENTRY = fileURLToPath(new URL('../src/handlers/interactions.ts', import.meta.url));

export interface ValheimStackProps extends StackProps {
  /** The validated valheim.config.json. */
  readonly config: ValheimConfig;
}

/**
 * Everything for one Valheim server: network, world storage and its backups, the (normally stopped) game
 * service, optional start/stop times, and the Discord endpoint that starts and stops it.
 */
export class ValheimStack extends Stack {
  public readonly gameServer: GameServer;
  public readonly storage: WorldStorage;
  public readonly endpoint: DiscordEndpoint;
  public readonly interactions: BundledFunction;

  constructor(scope: Construct, id: string, props: ValheimStackProps) {
    super(scope, id, props);
    const { config } = props;
    // The schema accepts only CloudWatch Logs' retention values, which are the enum's values.
    const logRetention = config.logRetentionDays as logs.RetentionDays;
    const secrets = secretParameterNames(config.stackName);

    const network = new GameNetwork(this, 'Network', { maxAzs: 2 });
    this.storage = new WorldStorage(this, 'World', { vpc: network.vpc });
    new WorldBackup(this, 'Backup', {
      fileSystem: this.storage.fileSystem,
      schedule: config.backup.schedule,
      timeZone: config.timeZone,
      retentionDays: config.backup.retentionDays,
    });

    // CloudFormation cannot create SecureStrings: `valheim secrets set` writes it, the stack only refers to it.
    const serverPassword = ssm.StringParameter.fromSecureStringParameterAttributes(this, 'ServerPassword', {
      parameterName: secrets.serverPassword,
    });
    this.gameServer = new GameServer(this, 'Game', {
      vpc: network.vpc,
      fileSystem: this.storage.fileSystem,
      accessPoint: this.storage.accessPoint,
      serverPassword,
      serverName: config.server.name,
      worldName: config.server.world,
      publicListing: config.server.public,
      crossplay: config.server.crossplay,
      extraArgs: config.server.extraArgs,
      adminSteamIds: config.server.adminSteamIds,
      imageTag: config.server.imageTag,
      cpu: config.task.cpu,
      memoryMiB: config.task.memoryMiB,
      spot: config.task.spot,
      timeZone: config.timeZone,
      logRetention,
      // Fixed names: `npm run deploy` checks the service for a running game before CloudFormation is involved
      // (src/cli/commands/deploy.ts, gameServiceNames).
      clusterName: config.stackName,
      serviceName: `${config.stackName}-server`,
    });
    this.storage.allowMountFrom(this.gameServer.securityGroup);

    const start = config.schedule?.start ?? [];
    const stop = config.schedule?.stop ?? [];
    if (start.length + stop.length > 0) {
      new ServerSchedule(this, 'Schedule', {
        service: this.gameServer.service,
        start,
        stop,
        timeZone: config.timeZone,
      });
    }

    this.interactions = new BundledFunction(this, 'Interactions', {
      entry: INTERACTIONS_ENTRY,
      description: 'Answers the Discord /valheim command: start, stop, status',
      logRetention,
      environment: {
        DISCORD_PUBLIC_KEY: config.discord.publicKey,
        DISCORD_GUILD_ID: config.discord.guildId,
        OPERATOR_ROLE_IDS: config.discord.operatorRoleIds.join(','),
        ECS_CLUSTER: this.gameServer.cluster.clusterName,
        ECS_SERVICE: this.gameServer.service.serviceName,
      },
    });
    this.gameServer.grantStartStop(this.interactions);
    this.gameServer.grantReadStatus(this.interactions);
    this.endpoint = new DiscordEndpoint(this, 'Discord', {
      handler: this.interactions.function,
      path: '/discord',
      logRetention,
    });

    new CfnOutput(this, 'DiscordEndpointUrl', {
      value: this.endpoint.url,
      description: 'Interactions Endpoint URL for the Discord Developer Portal (General Information)',
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
  }
}
