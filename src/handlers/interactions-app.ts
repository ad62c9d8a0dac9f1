import { runValheimCommand } from '../bot/valheim-command.js';
import { type HttpRequest, type HttpResponse, handleInteractionRequest } from '../discord/endpoint.js';
import { messageResponse } from '../discord/responses.js';
import { importDiscordPublicKey } from '../discord/verify.js';
import type { Logger } from '../log.js';
import type { GameServer } from '../server/game-server.js';
import type { InteractionsEnvironment } from './environment.js';

export type InteractionsApp = (request: HttpRequest) => Promise<HttpResponse>;

export interface InteractionsAppOptions {
  readonly environment: InteractionsEnvironment;
  readonly log: Logger;
  /** Builds the game server; defaults to ECS through the AWS SDK (loaded on first use). */
  readonly gameServer?: (cluster: string, service: string) => Promise<GameServer>;
  readonly now?: () => Date;
}

/**
 * The interactions endpoint, wired from its environment: what both the Lambda handler and `valheim serve`
 * run, so a local test exercises the deployed code path.
 */
export function createInteractionsApp(options: InteractionsAppOptions): InteractionsApp {
  const { environment, log } = options;
  const publicKey = importDiscordPublicKey(environment.publicKeyHex);
  const settings = environment.commands;
  const makeServer =
    options.gameServer ??
    (async (cluster: string, service: string) =>
      (await import('../server/aws-game-server.js')).awsGameServer(cluster, service));
  let server: Promise<GameServer> | undefined;

  return (request) =>
    handleInteractionRequest(
      request,
      publicKey,
      {
        command: async (interaction) => {
          if (!settings) {
            log.error('endpoint misconfigured', { problems: environment.problems });
            return messageResponse(
              `The bot is misconfigured: ${environment.problems.join('; ')}. Ask whoever set it up to fix its settings and redeploy.`,
              { ephemeral: true },
            );
          }
          return runValheimCommand(interaction, {
            server: () => {
              server ??= makeServer(settings.cluster, settings.service).catch((error: unknown) => {
                server = undefined; // a failed load is retried by the next request
                throw error;
              });
              return server;
            },
            guildId: settings.guildId,
            operatorRoleIds: settings.operatorRoleIds,
            budgetMs: settings.budgetMs,
            now: options.now ?? (() => new Date()),
            log,
          });
        },
      },
      log,
    );
}
