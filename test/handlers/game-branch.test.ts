import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lightBackends } from '../../src/handlers/aws-backends.js';
import { readInteractionsEnvironment } from '../../src/handlers/environment.js';
import { createInteractionsApp, type InteractionsApp } from '../../src/handlers/interactions-app.js';
import { silentLogger } from '../../src/log.js';
import {
  commandInteraction,
  GUILD_ID,
  makeSigningKeys,
  OPERATOR_ROLE,
  signatureTimestamp,
  signedRequest,
} from '../support/discord-signing.js';
import { type FakeAwsEndpoint, fakeAwsEnv, startFakeAws } from '../support/fake-aws-endpoint.js';

/*
 * /valheim game branch through the endpoint as deployed: the environment the stack gives the function → the
 * light AWS backends → SSM answered by the loopback stand-in.
 */

const keys = makeSigningKeys();
const NOW = new Date('2026-12-01T19:05:00Z');
const PARAMETER = '/valheim-ondemand/game/branch';

const ENV = {
  DISCORD_PUBLIC_KEY: keys.publicKeyHex,
  DISCORD_GUILD_ID: GUILD_ID,
  OPERATOR_ROLE_IDS: OPERATOR_ROLE,
  ECS_CLUSTER: 'valheim-ondemand',
  ECS_SERVICE: 'valheim-ondemand-server',
};

let aws: FakeAwsEndpoint;
beforeEach(async () => {
  aws = await startFakeAws({});
});
afterEach(() => aws.close());

function appWith(env: Record<string, string>): InteractionsApp {
  return createInteractionsApp({
    environment: readInteractionsEnvironment(env),
    log: silentLogger,
    now: () => NOW,
    backends: lightBackends({ env: fakeAwsEnv(aws.url) }),
  });
}

async function branch(app: InteractionsApp, name: string | undefined, roles: string[] = []) {
  const interaction = commandInteraction({ roles });
  const body = {
    ...interaction,
    data: {
      ...interaction.data,
      options: [
        {
          type: 2,
          name: 'game',
          options: [
            {
              type: 1,
              name: 'branch',
              options: name === undefined ? [] : [{ type: 3, name: 'name', value: name }],
            },
          ],
        },
      ],
    },
  };
  const signed = signedRequest(keys, JSON.stringify(body), signatureTimestamp(NOW));
  const response = await app({ headers: signed.headers, body: signed.body });
  expect(response.statusCode).toBe(200);
  const parsed = JSON.parse(response.body) as { data: { content: string; flags?: number } };
  return { content: parsed.data.content, ephemeral: parsed.data.flags === 64 };
}

describe('/valheim game branch (endpoint, light AWS client)', () => {
  it('reads the parameter and sets it for an operator: a String, overwritten, read by the next launch', async () => {
    // Given the parameter the stack created
    aws.state.parameters[PARAMETER] = 'public';
    const app = appWith({ ...ENV, GAME_BRANCH_PARAMETER: PARAMETER });
    // When a member looks, then an operator chooses default_old
    const shown = await branch(app, undefined);
    const set = await branch(app, 'default_old', [OPERATOR_ROLE]);
    // Then the member saw public, and the parameter now says default_old
    expect(shown.content).toContain('installs the **public** branch');
    expect(set.content).toContain('now installs the **default_old** branch');
    expect(aws.state.parameters[PARAMETER]).toBe('default_old');
    expect(aws.inputs('ssm:PutParameter')).toEqual([
      { Name: PARAMETER, Value: 'default_old', Type: 'String', Overwrite: true },
    ]);
  });

  it('says how to get it on a stack deployed before the parameter existed', async () => {
    const app = appWith(ENV);
    const answer = await branch(app, 'default_old', [OPERATOR_ROLE]);
    expect(answer.ephemeral).toBe(true);
    expect(answer.content).toContain('npm run deploy');
    expect(aws.inputs('ssm:PutParameter')).toEqual([]);
  });

  it('answers readably when SSM refuses, and changes nothing', async () => {
    aws.state.parameters[PARAMETER] = 'public';
    aws.state.faults.push({
      call: 'ssm:PutParameter',
      code: 'AccessDeniedException',
      message: 'not allowed',
    });
    const app = appWith({ ...ENV, GAME_BRANCH_PARAMETER: PARAMETER });
    const answer = await branch(app, 'default_old', [OPERATOR_ROLE]);
    expect(answer.ephemeral).toBe(true);
    expect(answer.content).toMatch(/change the game branch/);
    expect(aws.state.parameters[PARAMETER]).toBe('public');
  });
});
