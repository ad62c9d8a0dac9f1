import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { addValheimStack } from '../../infra/valheim-app.js';
import type { ValheimStack } from '../../infra/valheim-stack.js';
import { EXAMPLE_CONFIG_FILE, parseConfig } from '../../src/config/load.js';
import type { ValheimConfig } from '../../src/config/schema.js';
import type { ModsDeployment } from '../../src/mods/deployment.js';

const root = new URL('../../', import.meta.url);

/** cdk.json as the CLI reads it: the tests synthesize with the same feature flags and validation settings. */
export const cdkJson = JSON.parse(readFileSync(new URL('cdk.json', root), 'utf8')) as {
  app: string;
  context: Record<string, unknown>;
};

/** The committed example config, with top-level sections replaced by `overrides`, validated by the schema. */
export function exampleConfig(overrides: Record<string, unknown> = {}): ValheimConfig {
  const example = JSON.parse(readFileSync(new URL(EXAMPLE_CONFIG_FILE, root), 'utf8')) as Record<
    string,
    unknown
  >;
  return parseConfig({ ...example, ...overrides }, 'test config');
}

export interface Synthesized {
  readonly app: App;
  readonly stack: ValheimStack;
  readonly template: Template;
}

/**
 * The cdk.json context, optionally without bundling (what `cdk deploy` does for stacks it does not deploy):
 * for tests that look at the construct tree or the checks rather than at the Lambda code.
 */
export function appContext(options: { bundling?: boolean } = {}): Record<string, unknown> {
  return options.bundling === false ? { ...cdkJson.context, [cxapi.BUNDLING_STACKS]: [] } : cdkJson.context;
}

/**
 * Builds the app exactly as infra/app.ts does (cdk-nag, tags, cdk.json context) and synthesizes it.
 * Synthesis runs every validation plugin: it throws on any unacknowledged cdk-nag finding or CloudFormation
 * schema error. Bundles the Lambdas with esbuild (unless `bundling: false`), so share one result per config
 * across tests (beforeAll).
 */
export function synthesize(
  config: ValheimConfig,
  options: { bundling?: boolean; mods?: ModsDeployment } = {},
): Synthesized {
  const app = new App({ context: appContext(options) });
  const stack = addValheimStack(app, config, options.mods ? { mods: options.mods } : {});
  return { app, stack, template: Template.fromStack(stack) };
}

let sharedExample: Synthesized | undefined;

/**
 * The committed example config synthesized without bundling, once per worker: the test files that only read
 * its template share it (vitest.config.ts runs them in one module cache per worker), where each used to
 * synthesize it again (about 1.7 CPU seconds each). The template is frozen: a test that changed it would
 * change it for the files after it, so it throws instead.
 */
export function exampleSynthesis(): Synthesized {
  if (!sharedExample) {
    sharedExample = synthesize(exampleConfig(), { bundling: false });
    deepFreeze(sharedExample.template.toJSON());
  }
  return sharedExample;
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }
>;

export function resources(template: Template): Resources {
  return template.toJSON().Resources as Resources;
}

/** The one resource of `type` matching `predicate`, with its logical ID (read, never hard-coded). */
export function findOne(
  template: Template,
  type: string,
  predicate: (properties: Record<string, unknown>) => boolean = () => true,
): { id: string; properties: Record<string, unknown> } {
  const found = Object.entries(resources(template)).filter(
    ([, resource]) => resource.Type === type && predicate(resource.Properties ?? {}),
  );
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  const [id, resource] = found[0] as [string, Resources[string]];
  return { id, properties: resource.Properties ?? {} };
}

/** Every IAM policy statement in the template: AWS::IAM::Policy documents and roles' inline policies. */
export function policyStatements(template: Template): Array<Record<string, unknown>> {
  const statements: Array<Record<string, unknown>> = [];
  for (const resource of Object.values(resources(template))) {
    const documents: unknown[] = [];
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      documents.push(resource.Properties?.PolicyDocument);
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of (resource.Properties?.Policies as Array<{ PolicyDocument: unknown }>) ?? []) {
        documents.push(policy.PolicyDocument);
      }
    }
    for (const document of documents) {
      statements.push(...((document as { Statement: Array<Record<string, unknown>> }).Statement ?? []));
    }
  }
  return statements;
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The one Lambda function whose description matches, with its logical ID. */
export function lambdaFunction(
  template: Template,
  description: RegExp,
): { id: string; properties: Record<string, unknown> } {
  return findOne(template, 'AWS::Lambda::Function', (p) => description.test(String(p.Description)));
}

/** The environment variables of a Lambda function (none for CDK's own custom-resource handler). */
export function lambdaEnvironment(properties: Record<string, unknown>): Record<string, unknown> {
  return (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
}

/** The logical ID of a Lambda function's execution role. */
export function roleOf(properties: Record<string, unknown>): string {
  return (properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

/** Every statement of the AWS::IAM::Policy resources attached to one role. */
export function roleStatements(template: Template, roleId: string): Array<Record<string, unknown>> {
  const statements: Array<Record<string, unknown>> = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const properties = policy.Properties as {
      Roles: unknown[];
      PolicyDocument: { Statement: Array<Record<string, unknown>> };
    };
    if (properties.Roles.some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId }))) {
      statements.push(...properties.PolicyDocument.Statement);
    }
  }
  return statements;
}
