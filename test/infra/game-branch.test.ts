import { beforeAll, describe, expect, it } from 'vitest';
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
 * The game branch reaches the game task like the active world: one SSM parameter the stack creates once (with
 * server.gameBranch) and a deploy never writes again; ECS reads it at every launch.
 */

type Template = ReturnType<typeof synthesize>['template'];

function creatorOf(template: Template, name: string): Record<string, unknown> | undefined {
  for (const resource of Object.values(resources(template))) {
    if (resource.Type !== 'Custom::AWS') continue;
    const properties = resource.Properties ?? {};
    const create = JSON.parse(String(properties.Create ?? '{}')) as { parameters: { Name: string } };
    if (create.parameters.Name === name) return { ...properties, Create: create };
  }
  return undefined;
}

type Container = { Name: string; Secrets?: Array<{ Name: string; ValueFrom: unknown }> };

describe('the game branch parameter', () => {
  let template: Template;
  beforeAll(() => {
    const example = exampleConfig();
    template = synthesize(exampleConfig({ server: { ...example.server, gameBranch: 'default_old' } }), {
      bundling: false,
    }).template;
  });

  it('is created with server.gameBranch when missing, and never overwritten by a deploy', () => {
    const creator = creatorOf(template, '/valheim-ondemand/game/branch');
    expect(creator?.Create).toMatchObject({
      action: 'PutParameter',
      parameters: { Value: 'default_old', Type: 'String', Overwrite: false },
      ignoreErrorCodesMatching: 'ParameterAlreadyExists',
    });
    expect(creator).not.toHaveProperty('Update');
    expect(creator).not.toHaveProperty('Delete');
  });

  it('is read by the game container at every launch (an ECS secret, never plain environment)', () => {
    const task = Object.values(resources(template)).find(
      (resource) =>
        resource.Type === 'AWS::ECS::TaskDefinition' &&
        ((resource.Properties?.ContainerDefinitions ?? []) as Container[]).some((c) => c.Name === 'Valheim'),
    );
    const game = ((task?.Properties?.ContainerDefinitions ?? []) as Container[]).find(
      (c) => c.Name === 'Valheim',
    );
    const secret = game?.Secrets?.find((s) => s.Name === 'GAME_BRANCH');
    expect(JSON.stringify(secret?.ValueFrom)).toContain(':parameter/valheim-ondemand/game/branch');
  });

  it('PutParameter on the branch is granted to the function that creates it, on that parameter only', () => {
    const statements = policyStatements(template).filter(
      (statement) =>
        JSON.stringify(statement.Action).includes('ssm:PutParameter') &&
        JSON.stringify(statement.Resource).includes('/game/branch'),
    );
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(JSON.stringify(statement.Resource)).toMatch(/parameter\/valheim-ondemand\/game\/branch"/);
    }
  });

  it('is read and set by the interactions function (/valheim game branch), which may only read what a rollback plan needs in the bucket', () => {
    const interactions = lambdaFunction(template, /Discord \/valheim command/);
    expect(lambdaEnvironment(interactions.properties).GAME_BRANCH_PARAMETER).toBe(
      '/valheim-ondemand/game/branch',
    );
    const statements = roleStatements(template, roleOf(interactions.properties));
    const onBranch = statements.filter((statement) =>
      JSON.stringify(statement.Resource).includes('/game/branch'),
    );
    expect(onBranch.flatMap((statement) => [statement.Action].flat())).toEqual(
      expect.arrayContaining(['ssm:GetParameters', 'ssm:PutParameter']),
    );
    const s3 = statements.filter((statement) => JSON.stringify(statement.Action).includes('s3:'));
    const actions = s3.flatMap((statement) => [statement.Action].flat());
    // Read only: nothing that writes, copies over or deletes a tarball or a snapshot
    expect(actions).toEqual(
      expect.arrayContaining(['s3:ListBucketVersions', 's3:GetObjectVersion', 's3:GetObject']),
    );
    expect(actions.filter((action) => /Put|Delete|\*/.test(String(action)))).toEqual([]);
    const versions = s3.find((statement) => JSON.stringify(statement.Action).includes('ListBucketVersions'));
    expect(versions?.Condition).toEqual({ StringLike: { 's3:prefix': ['server-install/*'] } });
  });

  it("keeps the install cache's previous tarball (the rollback's build), and only that one", () => {
    const bucket = Object.values(resources(template)).find((resource) => resource.Type === 'AWS::S3::Bucket');
    const lifecycle = bucket?.Properties?.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> };
    const rules = lifecycle.Rules;
    expect(rules.find((rule) => rule.Id === 'ServerInstallVersions')).toMatchObject({
      Prefix: 'server-install/',
      NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 1 },
    });
  });
});
