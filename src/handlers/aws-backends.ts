import { AwsClient } from '../aws/client.js';
import { DYNAMODB, dynamoDocuments } from '../aws/dynamodb.js';
import { EC2, publicIpOfInterface } from '../aws/ec2.js';
import { ECS, lightEcs } from '../aws/ecs.js';
import { resolveSetup } from '../aws/setup.js';
import type { SpendCache } from '../cost/actual-spend.js';
import { DynamoGameRecords } from '../game/aws-game-records.js';
import { SsmGameSetting } from '../game/game-setting-store.js';
import type { RollbackPorts } from '../game/rollback.js';
import { StateStore } from '../monitor/state-store.js';
import type { PlayerListParameterNames } from '../players/player-lists.js';
import { readServerPassword, SSM } from '../server/aws-password.js';
import { EcsGameServer } from '../server/ecs-game-server.js';
import { eveningStore } from '../server/scheduled-evening.js';
import { serviceActivity } from '../server/service-activity.js';
import type { WorldParameterNames } from '../worlds/active-world.js';
import { ecsWorldTransfers } from '../worlds/aws-world-transfers.js';
import type { TransferTarget } from '../worlds/transfer-task.js';
import { dynamoInteractionLedger } from './aws-interaction-ledger.js';
import type { LogFilterTarget } from './environment.js';

/** CloudWatch Logs (JSON 1.1), for the one call `/valheim feed` makes. */
const LOGS = { signingName: 'logs', endpointPrefix: 'logs', endpointId: 'CLOUDWATCH_LOGS' };

/*
 * The interactions Lambda's AWS backends, on the light client (src/aws): one chunk of a few tens of KB that
 * loads in a few milliseconds, where the SDK's DynamoDB and ECS clients took over a hundred on a cold start
 * (docs/cold-start.md). Clients live at module scope: a warm container reuses them and their connections.
 */

export interface LightBackendOptions {
  /** Region, credentials and AWS_ENDPOINT_URL*. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** Where the Roll back… button's dry-run looks. */
export interface GameRollbackTarget {
  readonly parameter: string;
  readonly stateTable: string;
  readonly bucket: string;
  /** The world the next start runs (the active world). */
  readonly activeWorld: (signal?: AbortSignal) => Promise<string>;
  readonly cluster: string;
  readonly service: string;
}

/** Every backend the commands use, on light clients that share one region and credentials resolution. */
export function lightBackends(options: LightBackendOptions = {}) {
  const env = options.env;
  const clientOptions = env ? { env, setup: onceOf(() => resolveSetup(env)) } : {}; // the process's own setup, shared with every other client
  const dynamoClient = new AwsClient(DYNAMODB, clientOptions);
  const ecsClient = new AwsClient(ECS, clientOptions);
  const ec2Client = new AwsClient(EC2, clientOptions);
  const ssmClient = new AwsClient(SSM, clientOptions);
  const logsClient = new AwsClient(LOGS, clientOptions);
  const documents = dynamoDocuments(dynamoClient);
  const ecs = lightEcs(ecsClient);
  return {
    gameServer: async (cluster: string, service: string) =>
      new EcsGameServer({
        ecs,
        cluster,
        service,
        publicIpOf: (networkInterfaceId, signal) =>
          publicIpOfInterface(ec2Client, networkInterfaceId, signal),
      }),
    stateStore: async (table: string) => new StateStore(documents, table),
    password: (name: string) => readServerPassword(name, undefined, ssmClient),
    /**
     * Cost Explorer stays on the SDK: only `/valheim cost` with a cost tag asks it, at most every 12 hours
     * (the answer is cached in the table), within its own 1.2 s; docs/cold-start.md.
     */
    spend: async (
      tag: { readonly key: string; readonly value: string },
      cache: SpendCache,
      signal: AbortSignal,
    ) => (await import('../cost/actual-spend.js')).monthToDateSpend(tag, new Date(), cache, signal),
    worldTransfers: async (target: TransferTarget) => ecsWorldTransfers(ecs, target),
    interactionLedger: async (table: string) => dynamoInteractionLedger(documents, table),
    /** The game branch parameter (/valheim game branch), on the light SSM client. */
    gameSetting: async (parameter: string) => {
      const { lightSsmParameters } = await import('../worlds/aws-worlds.js');
      return new SsmGameSetting(lightSsmParameters(ssmClient), parameter);
    },
    /**
     * What the Roll back… button's dry-run reads. The install cache's versions and the snapshot manifests are
     * in S3, which only the SDK speaks here: loaded by the first click, never by the other commands.
     */
    gameRollback: async (target: GameRollbackTarget): Promise<RollbackPorts> => {
      // One destructured await each: the bundle check (test/e2e/lazy-imports.test.ts) reads what they take.
      const { S3Client } = await import('@aws-sdk/client-s3');
      const { s3Installs, snapshotComplete } = await import('../game/aws-game.js');
      const { lightSsmParameters } = await import('../worlds/aws-worlds.js');
      const s3 = new S3Client(env?.AWS_REGION ? { region: env.AWS_REGION } : {});
      return {
        records: new DynamoGameRecords(documents, target.stateTable),
        setting: new SsmGameSetting(lightSsmParameters(ssmClient), target.parameter),
        installs: s3Installs(s3, target.bucket),
        activeWorld: target.activeWorld,
        snapshotComplete: (id, signal) => snapshotComplete(s3, target.bucket, id, signal),
        gameActive: async (signal) =>
          (await serviceActivity(ecs, target.cluster, target.service, signal)).kind === 'active',
      };
    },
    eveningStore: async (table: string) => {
      const state = new StateStore(documents, table);
      return eveningStore(documents, table, (from, to) => state.sessions(from, to));
    },
    /** Replaces the pattern of the filter the stack made (same name, same destination). */
    putLogFilter: async (target: LogFilterTarget, pattern: string, signal: AbortSignal) => {
      await logsClient.json(
        'Logs_20140328.PutSubscriptionFilter',
        {
          logGroupName: target.logGroupName,
          filterName: target.filterName,
          destinationArn: target.destinationArn,
          filterPattern: pattern,
        },
        { version: '1.1', signal },
      );
    },
    worlds: async (table: string, parameters: WorldParameterNames) => {
      const { DynamoWorldCatalog, SsmActiveWorld, lightSsmParameters } = await import(
        '../worlds/aws-worlds.js'
      );
      return {
        catalog: new DynamoWorldCatalog(documents, table),
        active: new SsmActiveWorld(lightSsmParameters(ssmClient), parameters),
        ledger: new StateStore(documents, table),
      };
    },
    /** Loaded by `/valheim access` only. */
    playerLists: async (table: string, names: PlayerListParameterNames) => {
      const { awsPlayerLists } = await import('../players/aws-player-lists.js');
      const { lightSsmParameters } = await import('../worlds/aws-worlds.js');
      return awsPlayerLists(lightSsmParameters(ssmClient), names, documents, table);
    },
    /** Credentials, region, endpoints and the transport of the two services every command calls. */
    prepare: async () => {
      await Promise.all([dynamoClient.prepare(), ecsClient.prepare()]);
    },
  };
}

function onceOf<T>(create: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= create();
    return value;
  };
}

/** The Lambda's: configured by its environment. */
export const awsBackends = lightBackends();
