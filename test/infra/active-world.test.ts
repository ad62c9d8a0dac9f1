import { beforeAll, describe, expect, it } from 'vitest';
import { WORLD_PREFETCH_CONTAINER } from '../../src/server/world-prefetch.js';
import {
  exampleConfig,
  exampleSynthesis,
  lambdaEnvironment,
  lambdaFunction,
  policyStatements,
  resources,
  roleOf,
  roleStatements,
  synthesize,
} from './helpers.js';

/*
 * The active world reaches the game task through two SSM parameters that the stack creates once and a
 * deploy never writes again. In CloudFormation terms: a resource calls PutParameter (without overwrite)
 * when it is created and nothing when it is updated or deleted, so a redeploy, even one that changes
 * server.world, leaves the world a switch chose.
 */

type Template = ReturnType<typeof synthesize>['template'];

/** The SDK calls of the stack's Custom::AWS resources, parsed, keyed by parameter name. */
function parameterCreators(template: Template): Record<string, Record<string, unknown>> {
  const byName: Record<string, Record<string, unknown>> = {};
  for (const resource of Object.values(resources(template))) {
    if (resource.Type !== 'Custom::AWS') continue;
    const properties = resource.Properties ?? {};
    const create = JSON.parse(String((properties.Create as string | undefined) ?? '{}')) as {
      parameters: { Name: string };
    };
    byName[create.parameters.Name] = { ...properties, Create: create };
  }
  return byName;
}

describe('the active-world parameters', () => {
  let first: Template;
  let changed: Template;
  beforeAll(() => {
    first = exampleSynthesis().template;
    const example = exampleConfig();
    changed = synthesize(exampleConfig({ server: { ...example.server, world: 'Renamed' } }), {
      bundling: false,
    }).template;
  });

  it('are created with the configured world when missing, and never overwritten', () => {
    const creators = parameterCreators(first);
    // (the player lists' parameters are created the same way: test/infra/player-lists.test.ts)
    expect(
      Object.keys(creators)
        .filter((name) => name.includes('/world/'))
        .sort(),
    ).toEqual(['/valheim-ondemand/world/args', '/valheim-ondemand/world/name']);
    expect(creators['/valheim-ondemand/world/name']?.Create).toMatchObject({
      service: 'SSM',
      action: 'PutParameter',
      parameters: { Value: 'Dedicated', Type: 'String', Overwrite: false },
      ignoreErrorCodesMatching: 'ParameterAlreadyExists',
    });
    expect(creators['/valheim-ondemand/world/args']?.Create).toMatchObject({
      parameters: { Value: '-world Dedicated', Overwrite: false },
    });
  });

  it('a deploy changes nothing: no call on update or delete, also when server.world changed', () => {
    for (const template of [first, changed]) {
      for (const creator of Object.values(parameterCreators(template))) {
        expect(creator).not.toHaveProperty('Update');
        expect(creator).not.toHaveProperty('Delete');
      }
    }
    // The only difference a changed server.world makes is the value a missing parameter would get
    expect(parameterCreators(changed)['/valheim-ondemand/world/name']?.Create).toMatchObject({
      parameters: { Value: 'Renamed', Overwrite: false },
    });
  });

  it('reach the game task as secrets (read at every launch), not as its environment', () => {
    const task = Object.values(resources(first)).find(
      (resource) =>
        resource.Type === 'AWS::ECS::TaskDefinition' &&
        JSON.stringify(resource.Properties).includes('valheim-server'),
    );
    const containers = (task?.Properties?.ContainerDefinitions ?? []) as Array<Record<string, unknown>>;
    const game = containers.find((container) => container.Essential === true) ?? {};
    const secrets = JSON.stringify(game.Secrets);
    expect(secrets).toContain(':parameter/valheim-ondemand/world/name');
    expect(secrets).toContain(':parameter/valheim-ondemand/world/args');
    const environment = (game.Environment as Array<{ Name: string }>).map((variable) => variable.Name);
    expect(environment).not.toContain('WORLD_NAME');
    expect(environment).toContain('PRE_SERVER_RUN_HOOK');
    // The world prefetch reads the active world's files too, not the configured one's
    const prefetch = containers.find((container) => container.Name === WORLD_PREFETCH_CONTAINER) ?? {};
    expect(JSON.stringify(prefetch.Secrets)).toContain(':parameter/valheim-ondemand/world/name');
    expect(JSON.stringify(prefetch.Environment ?? [])).not.toContain('WORLD_NAME');
  });

  it('PutParameter is granted on those two parameters only', () => {
    // (The game branch parameter has its own, test/infra/game-branch.test.ts.)
    const statements = policyStatements(first).filter(
      (statement) =>
        JSON.stringify(statement.Action).includes('ssm:PutParameter') &&
        !JSON.stringify(statement.Resource).includes('/game/branch'),
    );
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      // (and the Discord endpoint's secret path, which its own custom resource writes)
      expect(JSON.stringify(statement.Resource)).toMatch(
        /parameter\/valheim-ondemand\/(world\/(name|args)|players\/(admins|bans|permitted)|discord-endpoint-path)/,
      );
    }
  });
  it.each([
    ['the Discord commands', /Discord \/valheim command/],
    ['the monitor', /Watches the Valheim server/],
  ])('%s know the parameters and may read and switch them', (_who, description) => {
    const { properties } = lambdaFunction(first, description);
    expect(lambdaEnvironment(properties)).toMatchObject({
      WORLD_NAME_PARAMETER: '/valheim-ondemand/world/name',
      WORLD_ARGS_PARAMETER: '/valheim-ondemand/world/args',
      WORLD_NAME: 'Dedicated',
    });
    const ssm = roleStatements(first, roleOf(properties)).filter(
      (statement) =>
        JSON.stringify(statement.Action).includes('ssm:PutParameter') &&
        JSON.stringify(statement.Resource).includes('/world/'),
    );
    expect(ssm).toHaveLength(1);
    expect(ssm[0]?.Action).toEqual(['ssm:GetParameter', 'ssm:GetParameters', 'ssm:PutParameter']);
    const arns = JSON.stringify(ssm[0]?.Resource);
    expect(arns).toContain(':parameter/valheim-ondemand/world/name');
    expect(arns).toContain(':parameter/valheim-ondemand/world/args');
  });

  it('the Discord commands get the idle cost of a world per GB, from the config', () => {
    const { properties } = lambdaFunction(first, /Discord \/valheim command/);
    expect(Number(lambdaEnvironment(properties).WORLD_IDLE_USD_PER_GB)).toBeGreaterThan(0.05);
  });
});
