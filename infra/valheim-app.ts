import { existsSync } from 'node:fs';
import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_CONFIG_FILE, EXAMPLE_CONFIG_FILE } from '../src/config/load.js';
import { COST_TAG_KEY, type ValheimConfig } from '../src/config/schema.js';
import { ValheimStack } from './valheim-stack.js';

export interface ConfigFileChoice {
  /** The file to load. */
  readonly file: string;
  /** Set when falling back to the example config: one line for stderr. */
  readonly warning?: string;
}

/**
 * Which config file the app reads: the `config` context value (`cdk synth -c config=…`), else the
 * VALHEIM_CONFIG environment variable, else valheim.config.json. Only the default falls back to the committed
 * example (so a fresh clone synthesizes); a file named explicitly must exist.
 */
export function chooseConfigFile(
  context: unknown,
  env: string | undefined,
  exists: (file: string) => boolean = existsSync,
): ConfigFileChoice {
  const requested = typeof context === 'string' && context !== '' ? context : env || undefined;
  if (requested) return { file: requested };
  if (exists(DEFAULT_CONFIG_FILE)) return { file: DEFAULT_CONFIG_FILE };
  return {
    file: EXAMPLE_CONFIG_FILE,
    warning: `warning: ${DEFAULT_CONFIG_FILE} not found, using the example config ${EXAMPLE_CONFIG_FILE}; run "npx valheim setup" to create yours`,
  };
}

/**
 * Adds the Valheim stack to `app` with everything the app-level setup owns: cdk-nag's AWS Solutions checks
 * (synth fails on any unacknowledged finding) and the cost tag on every resource. Used by infra/app.ts and by
 * the tests, so both synthesize the same thing.
 */
export function addValheimStack(app: App, config: ValheimConfig): ValheimStack {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const tags = { ...config.tags, [COST_TAG_KEY]: config.stackName };
  const stack = new ValheimStack(app, config.stackName, {
    config,
    // Region only, no account: synth needs no credentials, and a deploy always lands in the configured region.
    env: { region: config.region },
    description: `Valheim server "${config.server.name}" on ECS Fargate, started from Discord (valheim-ondemand)`,
    // Stack tags (propagated by CloudFormation) in addition to the resource tags below.
    tags,
  });
  for (const [key, value] of Object.entries(tags)) Tags.of(app).add(key, value);
  return stack;
}
