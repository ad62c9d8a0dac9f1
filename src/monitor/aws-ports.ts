import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DisableRuleCommand, EnableRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { sdkDocuments } from '../aws/sdk-dynamodb.js';
import { sdkEcs } from '../aws/sdk-ecs.js';
import { DiscordRest } from '../discord/rest-client.js';
import { DynamoGameRecords } from '../game/aws-game-records.js';
import type { Logger } from '../log.js';
import { queryInfo } from '../players/a2s.js';
import { awsGameServer, ecsClient } from '../server/aws-game-server.js';
import type { GameServer } from '../server/game-server.js';
import { DynamoWorldCatalog, SsmActiveWorld } from '../worlds/aws-worlds.js';
import { sdkSsmParameters } from '../worlds/sdk-ssm-parameters.js';
import { transfersInProgress } from '../worlds/transfer-task.js';
import { discordLive, discordNotifier } from './discord-notifier.js';
import type { MonitorEnvironment } from './environment.js';
import type { MonitorPorts } from './monitor.js';
import { monitorWorlds } from './monitor-worlds.js';
import { sessionSnapshots } from './session-snapshots.js';
import { discordStartProgress } from './start-progress.js';
import { StateStore } from './state-store.js';

/*
 * The monitor's real-world connections, built once per Lambda container. Clients pick up region and
 * endpoints from the standard AWS_* variables.
 */
const dynamo = new DynamoDBClient({});
const events = new EventBridgeClient({});
const ssm = new SSMClient({});
const route53 = new Route53Client({});
/** Only for pruning snapshots, after a snapshot completed: loaded then, once per container. */
let s3: Promise<S3Client> | undefined;
const s3Client = (): Promise<S3Client> => {
  s3 ??= import('@aws-sdk/client-s3').then(({ S3Client }) => new S3Client({}));
  return s3;
};

/** Steam's query port is the game port plus one. */
const QUERY_PORT = 2457;
const DNS_TTL_SECONDS = 30;

export function awsMonitorPorts(env: MonitorEnvironment, log: Logger): MonitorPorts {
  let botToken: Promise<string> | undefined;
  const readBotToken = () => {
    botToken ??= ssm
      .send(new GetParameterCommand({ Name: env.botTokenParameter, WithDecryption: true }))
      .then((result) => {
        const value = result.Parameter?.Value;
        if (!value)
          throw new Error(`SSM parameter ${env.botTokenParameter} is empty: run "npx valheim secrets set"`);
        return value;
      })
      .catch((error: unknown) => {
        botToken = undefined;
        throw error;
      });
    return botToken;
  };
  const setRule = async (enabled: boolean) => {
    const Command = enabled ? EnableRuleCommand : DisableRuleCommand;
    await events.send(new Command({ Name: env.pollRuleName }));
  };
  const changeRecord = async (action: 'UPSERT' | 'DELETE', ip: string) => {
    if (!env.dns) return;
    try {
      await route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: env.dns.hostedZoneId,
          ChangeBatch: {
            Changes: [
              {
                Action: action,
                ResourceRecordSet: {
                  Name: env.dns.recordName,
                  Type: 'A',
                  TTL: DNS_TTL_SECONDS,
                  ResourceRecords: [{ Value: ip }],
                },
              },
            ],
          },
        }),
      );
    } catch (error) {
      // Deleting a record that is already gone is fine.
      if (action === 'DELETE' && (error as Error).name === 'InvalidChangeBatch') return;
      throw error;
    }
  };

  const rest = new DiscordRest({
    ...(env.discordApiUrl && { baseUrl: env.discordApiUrl }),
    botToken: readBotToken,
    // Within the Lambda's 30 s: what Discord cannot take now, a later tick delivers.
    timeoutMs: 4000,
    retryBudgetMs: 5000,
  });
  const store = new StateStore(sdkDocuments(dynamo), env.stateTable);
  const server = awsGameServer(env.cluster, env.service);
  return {
    server,
    store,
    queryPlayers: async (host, signal) =>
      (await queryInfo(host, QUERY_PORT, { timeoutMs: 3000, signal })).players,
    notify: discordNotifier({
      rest,
      ...(env.noticeChannelId && { noticeChannelId: env.noticeChannelId }),
      now: Date.now,
      log,
    }),
    ...(env.noticeChannelId && {
      live: { discord: discordLive(rest), channelId: env.noticeChannelId, store },
    }),
    dns: { upsert: (ip) => changeRecord('UPSERT', ip), remove: (ip) => changeRecord('DELETE', ip) },
    polling: { enable: () => setRule(true), disable: () => setRule(false) },
    startProgress: discordStartProgress({
      rest,
      ...(env.noticeChannelId && { noticeChannelId: env.noticeChannelId }),
      store,
      now: Date.now,
    }),
    ...(env.snapshots && {
      snapshots: sessionSnapshots(ecsClient, s3Client, env.cluster, env.service, env.snapshots),
    }),
    game: new DynamoGameRecords(sdkDocuments(dynamo), env.stateTable),
    ...(env.transferFamily && {
      transfersInProgress: (signal) =>
        transfersInProgress(
          sdkEcs(ecsClient),
          { cluster: env.cluster, taskDefinition: env.transferFamily ?? '' },
          signal,
        ),
    }),
    ...(env.worlds && { worlds: worldsOf(env.worlds, env, store, server) }),
    now: Date.now,
    log,
  };
}

/** The worlds on the state table (catalog, ledger) and the active world's SSM parameters. */
function worldsOf(
  worlds: NonNullable<MonitorEnvironment['worlds']>,
  env: MonitorEnvironment,
  store: StateStore,
  server: GameServer,
) {
  return monitorWorlds({
    catalog: new DynamoWorldCatalog(sdkDocuments(dynamo), env.stateTable),
    active: new SsmActiveWorld(sdkSsmParameters(ssm), {
      name: worlds.nameParameter,
      args: worlds.argsParameter,
    }),
    ledger: store,
    gameActive: async (signal) =>
      (await server.status(signal ?? AbortSignal.timeout(3000))).state !== 'stopped',
    firstWorld: worlds.firstWorld,
    now: () => new Date(),
  });
}
