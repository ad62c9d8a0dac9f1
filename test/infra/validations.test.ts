import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { addValheimStack } from '../../infra/valheim-app.js';
import type { ValheimStack } from '../../infra/valheim-stack.js';
import { acknowledge } from '../../infra/validations.js';
import { appContext, cdkJson, exampleConfig, synthesize } from './helpers.js';

const VALIDATE_AS_ERRORS = '@aws-cdk/core:validateAgainstDefaultRules';

/** Every acknowledgement recorded in the construct tree, as [construct path, rule ID, reason]. */
function acknowledgements(root: IConstruct): Array<[string, string, string]> {
  const found: Array<[string, string, string]> = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push([construct.node.path, id, reason]);
      }
    }
  }
  return found;
}

describe('cdk-nag (AWS Solutions)', () => {
  let app: App;
  let stack: ValheimStack;

  beforeAll(() => {
    // Given the app built from the example config with a schedule, a DNS name, Cost Explorer and a budget (so
    // every construct and grant is present); the checks do not look at Lambda code, so nothing is bundled
    const synthesized = synthesize(
      exampleConfig({
        schedule: { start: ['Fri 19:00'], stop: ['Sat 02:00'] },
        dns: {
          hostedZoneId: 'Z0123456789ABCDEFGHIJ',
          zoneName: 'example.com',
          recordName: 'valheim.example.com',
        },
        cost: { costExplorer: true, monthlyBudgetUsd: 20, budgetEmail: 'ops@example.com' },
      }),
      { bundling: false },
    );
    app = synthesized.app;
    stack = synthesized.stack;
  });

  it('reports no unacknowledged finding', () => {
    // When the rule pack checks the stack directly
    const report = new AwsSolutionsChecks().validateScope(stack);
    // Then
    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
  });

  it('acknowledges only these rules, each with a reason', () => {
    // When
    const found = acknowledgements(app);
    // Then every acknowledgement explains itself
    for (const [path, id, reason] of found) {
      expect({ path, id, reason: reason.trim().length >= 40 }).toEqual({ path, id, reason: true });
    }
    // And the list is the reviewed one (logical IDs in finding IDs masked)
    const ids = found.map(
      ([path, id]) =>
        `${path.replace(/^[^/]+\//, '')} ${id.replace(/<[A-Za-z0-9]+(\.[A-Za-z]+)?>/g, '<id>')}`,
    );
    // (cdk-nag 3 reads plain rule IDs, which aws-cdk-lib records with its "Annotation::" prefix)
    expect(ids.sort()).toEqual([
      'Backup/Plan/World Annotation::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      'Discord/CatchAll Annotation::AwsSolutions-APIG4',
      'Discord/Interactions Annotation::AwsSolutions-APIG4',
      'DiscordPath/Handler/Function Annotation::AwsSolutions-L1',
      'DiscordWiring/Handler/Function Annotation::AwsSolutions-L1',
      'Game/Cluster Annotation::AwsSolutions-ECS4',
      'Game/SecurityGroup Annotation::AwsSolutions-EC23',
      'Game/Service Annotation::@aws-cdk/aws-ecs:shouldUseCircuitBreaker',
      'Game/Task Annotation::AwsSolutions-ECS2',
      // The install cache: one tarball per Steam branch, named by the branch chosen at run time.
      'Game/Task/TaskRole Annotation::AwsSolutions-IAM5[Resource::<id>/server-install/*]',
      'Interactions/Function Annotation::AwsSolutions-L1',
      // One per grant with a wildcard: the game's status, running the transfer task, Cost Explorer.
      'Interactions/Role Annotation::AwsSolutions-IAM5[Resource::*]',
      'Interactions/Role Annotation::AwsSolutions-IAM5[Resource::*]',
      'Interactions/Role Annotation::AwsSolutions-IAM5[Resource::*]',
      // The Roll back… button's dry-run: the install cache's tarball versions and the snapshots' manifests.
      'Interactions/Role Annotation::AwsSolutions-IAM5[Resource::<id>/server-install/*]',
      'Interactions/Role Annotation::AwsSolutions-IAM5[Resource::<id>/snapshots/*/manifest.json]',
      'Interactions/Role Annotation::AwsSolutions-IAM5[Resource::arn:aws:ecs:eu-central-1:<AWS::AccountId>:task-definition/valheim-ondemand-world-transfer:*]',
      'Interactions/Role Annotation::AwsSolutions-IAM5[Resource::arn:aws:ecs:eu-central-1:<AWS::AccountId>:task/<id>/*]',
      'Interactions/Role Annotation::AwsSolutions-IAM5[Resource::arn:aws:ecs:eu-central-1:<AWS::AccountId>:task/<id>/*]',
      'Monitor/Handler/Function Annotation::AwsSolutions-L1',
      'Monitor/Handler/Role Annotation::AwsSolutions-IAM5[Resource::*]',
      // session snapshots: the transfer task, as the interactions Lambda runs it, and pruning below snapshots/
      'Monitor/Handler/Role Annotation::AwsSolutions-IAM5[Resource::*]',
      'Monitor/Handler/Role Annotation::AwsSolutions-IAM5[Resource::<id>/snapshots/*]',
      'Monitor/Handler/Role Annotation::AwsSolutions-IAM5[Resource::arn:aws:ecs:eu-central-1:<AWS::AccountId>:task-definition/valheim-ondemand-world-transfer:*]',
      'Monitor/Handler/Role Annotation::AwsSolutions-IAM5[Resource::arn:aws:ecs:eu-central-1:<AWS::AccountId>:task/<id>/*]',
      'Monitor/Handler/Role Annotation::AwsSolutions-IAM5[Resource::arn:aws:ecs:eu-central-1:<AWS::AccountId>:task/<id>/*]',
      'Network/Vpc Annotation::AwsSolutions-VPC7',
      // The scheduled start: invoking its one function, and the game's status (ListTasks for transfers).
      'Schedule/StartRole Annotation::AwsSolutions-IAM5[Resource::<id>:*]',
      'ScheduledStart/Function Annotation::AwsSolutions-L1',
      'ScheduledStart/Role Annotation::AwsSolutions-IAM5[Resource::*]',
      'ScheduledStart/Role Annotation::AwsSolutions-IAM5[Resource::arn:aws:ecs:eu-central-1:<AWS::AccountId>:task/<id>/*]',
      'ServerLog/Handler/Function Annotation::AwsSolutions-L1',
      'WorldTransfer/Task Annotation::AwsSolutions-ECS2',
      'WorldTransfer/Task/TaskRole Annotation::AwsSolutions-IAM5[Resource::<id>/image-backups/*]',
      'WorldTransfer/Task/TaskRole Annotation::AwsSolutions-IAM5[Resource::<id>/imports/*]',
      'WorldTransfer/Task/TaskRole Annotation::AwsSolutions-IAM5[Resource::<id>/listings/*]',
      'WorldTransfer/Task/TaskRole Annotation::AwsSolutions-IAM5[Resource::<id>/snapshots/*]',
      'Worlds/Bucket Annotation::AwsSolutions-S1',
      // Added by aws-cdk-lib itself for the VPC's availability zones.
      'valheim-ondemand CloudFormation-Validate::W3010',
    ]);
  });

  it('fails synthesis on a finding nobody acknowledged', () => {
    // Given the same app with a non-compliant resource added
    const failing = new App({ context: appContext({ bundling: false }) });
    const failingStack = addValheimStack(failing, exampleConfig());
    new s3.Bucket(failingStack, 'UnloggedBucket');
    // When / Then
    expect(() => failing.synth()).toThrow(/AwsSolutions-S1/);
  });

  it('refuses an acknowledgement without a reason', () => {
    // Given
    const scope = new Stack();
    // When / Then
    expect(() => acknowledge(scope, 'AwsSolutions-S1', ' ')).toThrow(/AwsSolutions-S1 needs a reason/);
  });
});

describe('CloudFormation schema validation', () => {
  function appWithInvalidResource(context: Record<string, unknown>): App {
    const app = new App({ context });
    const stack = new Stack(app, 'Invalid');
    new CfnResource(stack, 'Queue', { type: 'AWS::SQS::Queue', properties: { NoSuchProperty: 1 } });
    return app;
  }

  it('is switched to errors in cdk.json with a flag this aws-cdk-lib knows', () => {
    // Then
    expect(cdkJson.app).toBe('npx tsx infra/app.ts');
    expect(cdkJson.context[VALIDATE_AS_ERRORS]).toBe(true);
    expect(cxapi.FLAGS[VALIDATE_AS_ERRORS]).toBeDefined();
    // And every other context key is a real feature flag (a typo would silently do nothing), or one of the
    // CDK CLI's own settings named here (test/ci/tooling.test.ts checks the CLI reads it)
    const cliSettings = ['cli-telemetry'];
    expect(
      Object.keys(cdkJson.context).filter((key) => !(key in cxapi.FLAGS) && !cliSettings.includes(key)),
    ).toEqual([]);
  });

  it('fails synthesis on a schema error with the cdk.json context', () => {
    // Given an app with the project's context and a resource CloudFormation would reject
    const app = appWithInvalidResource(cdkJson.context);
    // When / Then
    expect(() => app.synth()).toThrow(/NoSuchProperty/);
  });

  it('would only warn without the flag (so the flag is what makes it an error)', () => {
    // Given
    const { [VALIDATE_AS_ERRORS]: _flag, ...context } = cdkJson.context;
    const app = appWithInvalidResource(context);
    // The warning this test provokes is caught here, so a passing `npm test` prints none.
    const warned = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      // When / Then it synthesizes, and only warns
      expect(() => app.synth()).not.toThrow();
      expect(warned.mock.calls.flat().join('\n')).toMatch(
        /\[Warning\] Template validation found issues[\s\S]*NoSuchProperty/,
      );
    } finally {
      warned.mockRestore();
    }
  });
});
