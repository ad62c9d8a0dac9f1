import type { APIInteractionResponseChannelMessageWithSource } from 'discord-api-types/v10';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsClient } from '../../src/aws/client.js';
import { ECS, lightEcs } from '../../src/aws/ecs.js';
import { resolveSetup } from '../../src/aws/setup.js';
import { type CommandContext, runValheimCommand } from '../../src/bot/valheim-command.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_LIFECYCLE } from '../../src/monitor/decide.js';
import { StateStore } from '../../src/monitor/state-store.js';
import { EcsGameServer } from '../../src/server/ecs-game-server.js';
import { commandInteraction, GUILD_ID } from '../support/discord-signing.js';
import { type LocalDynamo, lightDocumentsAt, startDynalite } from '../support/dynalite.js';
import { type FakeAwsEndpoint, fakeAwsEnv, startFakeAws } from '../support/fake-aws-endpoint.js';

let aws: FakeAwsEndpoint;

/**
 * One Lambda instance of the interactions endpoint: its own light clients (as the Lambda has), the shared
 * table (dynalite) and the shared service (the loopback ECS stand-in).
 */
function instance(endpoint: string, table: string): CommandContext {
  const store = new StateStore(lightDocumentsAt(endpoint), table);
  const env = fakeAwsEnv(aws.url);
  const setup = resolveSetup(env);
  const server = new EcsGameServer({
    ecs: lightEcs(new AwsClient(ECS, { env, setup: () => setup })),
    cluster: 'valheim',
    service: 'valheim-server',
    publicIpOf: async () => '3.120.45.67',
  });
  return {
    server: async () => server,
    store: async () => store,
    guildId: GUILD_ID,
    operatorRoleIds: [],
    passwordVisibleTo: 'members',
    lifecycle: DEFAULT_LIFECYCLE,
    budgetMs: 2500,
    now: () => new Date(),
    log: silentLogger,
  };
}

describe('concurrent /valheim stop from separate Lambda instances', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startDynalite();
    await dynamo.createTable('concurrent-stops');
  });
  afterAll(async () => {
    await aws?.close();
    await dynamo.close();
  });

  beforeEach(async () => {
    await aws?.close();
    // ECS keeps reporting the server as running with desired count 1: it has not caught up with any stop
    aws = await startFakeAws({ desiredCount: 1, taskRunning: true, ignoreUpdates: true });
  });

  it('makes one UpdateService call for 20 stops, whatever order their reads and writes interleave in', async () => {
    // Given 20 members pressing Stop within 150 ms, each request served by its own instance
    const replies = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, (i * 37) % 150));
        const response = (await runValheimCommand(
          commandInteraction({ subcommand: 'stop' }),
          instance(dynamo.endpoint, 'concurrent-stops'),
        )) as APIInteractionResponseChannelMessageWithSource;
        return response.data.content ?? '';
      }),
    );
    // Then the service was scaled down once, and one member was told they stopped it
    expect(aws.inputs('ecs:UpdateService')).toEqual([
      { cluster: 'valheim', service: 'valheim-server', desiredCount: 0 },
    ]);
    expect(replies.filter((text) => text.includes('stopped the server'))).toHaveLength(1);
    // and everyone else that it is already stopping, or that someone else changed it just now
    expect(
      replies.filter((text) => text.includes('already stopping') || text.includes('at the same moment')),
    ).toHaveLength(19);
  });

  it('lets the stop be tried again at once when the scale-down failed', async () => {
    // Given the first stop's UpdateService fails
    aws.state.faults.push({ call: 'ecs:UpdateService', code: 'AccessDeniedException', message: 'denied' });
    await dynamo.createTable('retried-stop');
    const first = instance(dynamo.endpoint, 'retried-stop');
    const failed = (await runValheimCommand(
      commandInteraction({ subcommand: 'stop' }),
      first,
    )) as APIInteractionResponseChannelMessageWithSource;
    expect(failed.data.content).toContain('not allowed');
    // When the member tries again
    const again = (await runValheimCommand(
      commandInteraction({ subcommand: 'stop' }),
      first,
    )) as APIInteractionResponseChannelMessageWithSource;
    // Then it is not taken for a repeat of the failed one
    expect(again.data.content).toContain('stopped the server');
    expect(aws.inputs('ecs:UpdateService')).toHaveLength(2);
  });
});
