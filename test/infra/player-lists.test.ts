import { App, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActiveWorldParameters } from '../../infra/constructs/active-world-parameters.js';
import { PlayerListParameters } from '../../infra/constructs/player-list-parameters.js';
import {
  exampleConfig,
  lambdaEnvironment,
  lambdaFunction,
  policyStatements,
  resources,
  roleOf,
  roleStatements,
  synthesize,
} from './helpers.js';

/*
 * The admin, ban and permitted lists reach the game task like the active world: three SSM parameters the
 * stack creates once (never overwriting what Discord changed), read by ECS as secrets at every launch.
 */

type Template = ReturnType<typeof synthesize>['template'];

const ADMIN = '76561198000000001';
const NAMES = [
  '/valheim-ondemand/players/admins',
  '/valheim-ondemand/players/bans',
  '/valheim-ondemand/players/permitted',
];

function listCreators(template: Template) {
  return Object.entries(resources(template)).flatMap(([logicalId, resource]) => {
    if (resource.Type !== 'Custom::AWS') return [];
    const create = JSON.parse(String(resource.Properties?.Create ?? '{}')) as {
      parameters: { Name: string; Value: string; Overwrite: boolean };
    };
    return create.parameters.Name.includes('/players/') ? [{ logicalId, resource, create }] : [];
  });
}

function gameTask(template: Template) {
  const [logicalId, task] =
    Object.entries(resources(template)).find(
      ([, resource]) =>
        resource.Type === 'AWS::ECS::TaskDefinition' &&
        JSON.stringify(resource.Properties).includes('valheim-server'),
    ) ?? [];
  const containers = (task?.Properties?.ContainerDefinitions ?? []) as Array<Record<string, unknown>>;
  const game = containers.find((container) => container.Essential === true) ?? {};
  return { logicalId, task, game };
}

describe('the player-list parameters', () => {
  let template: Template;
  beforeAll(() => {
    const example = exampleConfig();
    template = synthesize(exampleConfig({ server: { ...example.server, adminSteamIds: [ADMIN] } }), {
      bundling: false,
    }).template;
  });

  it('are created when missing, admins from server.adminSteamIds, the others empty, never overwritten', () => {
    const creators = listCreators(template);
    expect(creators.map((c) => c.create.parameters.Name).sort()).toEqual(NAMES);
    const value = (name: string) => creators.find((c) => c.create.parameters.Name === name)?.create;
    expect(value(NAMES[0] as string)).toMatchObject({
      action: 'PutParameter',
      parameters: { Value: ADMIN, Type: 'String', Overwrite: false },
      ignoreErrorCodesMatching: 'ParameterAlreadyExists',
    });
    // An empty list is one space: SSM refuses "", and the image would leave an empty variable's file alone
    expect(value(NAMES[1] as string)?.parameters.Value).toBe(' ');
    // The stack's one custom-resource function (a singleton, running as the active world's role) may write them
    const singletons = Object.values(resources(template)).filter(
      (resource) =>
        resource.Type === 'AWS::Lambda::Function' &&
        JSON.stringify(resource.Properties).includes('ActiveWorldRole'),
    );
    expect(singletons).toHaveLength(1);
    const put = policyStatements(template).filter(
      (statement) =>
        statement.Action === 'ssm:PutParameter' && JSON.stringify(statement.Resource).includes('/players/'),
    );
    expect(put).toHaveLength(3);
    const policies = Object.values(resources(template)).filter(
      (resource) =>
        resource.Type === 'AWS::IAM::Policy' &&
        JSON.stringify(resource.Properties).includes('/players/admins'),
    );
    expect(JSON.stringify(policies)).toContain('ActiveWorldRole');
    for (const { resource } of creators) {
      expect(resource.Properties).not.toHaveProperty('Update');
      expect(resource.Properties).not.toHaveProperty('Delete');
    }
  });

  it('reach the game task as secrets, read at every launch, and ADMINLIST_IDS is no longer in its environment', () => {
    const { game } = gameTask(template);
    const secrets = game.Secrets as Array<{ Name: string; ValueFrom: unknown }>;
    const from = (name: string) => JSON.stringify(secrets.find((secret) => secret.Name === name)?.ValueFrom);
    expect(from('ADMINLIST_IDS')).toContain(':parameter/valheim-ondemand/players/admins');
    expect(from('BANNEDLIST_IDS')).toContain(':parameter/valheim-ondemand/players/bans');
    expect(from('PERMITTEDLIST_IDS')).toContain(':parameter/valheim-ondemand/players/permitted');
    const environment = (game.Environment as Array<{ Name: string }>).map((variable) => variable.Name);
    expect(environment).not.toContain('ADMINLIST_IDS');
    expect(JSON.stringify(template)).not.toContain(`"ADMINLIST_IDS","Value"`);
  });

  it('exist before the game task can launch: its definition depends on their creation', () => {
    const { task } = gameTask(template);
    const dependsOn = (task?.DependsOn ?? []) as string[];
    for (const { logicalId } of listCreators(template)) expect(dependsOn).toContain(logicalId);
    // and the task's execution role (which resolves secrets) may read them
    const reads = policyStatements(template).filter(
      (statement) =>
        JSON.stringify(statement.Action).includes('ssm:GetParameters') &&
        JSON.stringify(statement.Resource).includes('/players/bans'),
    );
    expect(reads.length).toBeGreaterThan(0);
  });

  it('the Discord commands know where the lists are and may write those three only', () => {
    const { properties } = lambdaFunction(template, /Discord \/valheim command/);
    expect(lambdaEnvironment(properties)).toMatchObject({ PLAYER_LISTS_PREFIX: 'valheim-ondemand' });
    const writes = roleStatements(template, roleOf(properties)).filter(
      (statement) =>
        JSON.stringify(statement.Action).includes('ssm:PutParameter') &&
        JSON.stringify(statement.Resource).includes('/players/'),
    );
    expect(writes).toHaveLength(1);
    const arns = JSON.stringify(writes[0]?.Resource);
    for (const name of NAMES) expect(arns).toContain(`:parameter${name}`);
    expect(arns).not.toContain('*');
    // The monitor does not touch them
    const monitor = lambdaFunction(template, /Watches the Valheim server/).properties;
    expect(JSON.stringify(roleStatements(template, roleOf(monitor)))).not.toContain('/players/');
  });

  it('refuses an initial id that is not one, naming it', () => {
    const stack = new Stack(new App(), 'Bad');
    const world = new ActiveWorldParameters(stack, 'World', {
      parameterPrefix: 'x',
      initialWorld: 'Dedicated',
    });
    expect(
      () =>
        new PlayerListParameters(stack, 'Lists', {
          parameterPrefix: 'x',
          initial: { bans: ['Bjorn'] },
          customResourceRole: world.customResourceRole,
          customResourceLogs: world.customResourceLogs,
        }),
    ).toThrow(/initial\.bans: "Bjorn" is not a player id/);
  });
});
