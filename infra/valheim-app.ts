import { existsSync } from 'node:fs';
import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_CONFIG_FILE, EXAMPLE_CONFIG_FILE } from '../src/config/load.js';
import { COST_TAG_KEY, type ValheimConfig } from '../src/config/schema.js';
import { CiAccessStack } from './ci-access-stack.js';
import { ValheimStack } from './valheim-stack.js';

/**
 * Context values that add the CI access stack (`${stackName}-ci-access`): the GitLab project path
 * (`-c ciAccess=group/project`) and/or the GitHub repository (`-c ciAccessGithub=owner/repo`).
 */
export const CI_ACCESS_CONTEXT = { gitlab: 'ciAccess', github: 'ciAccessGithub' } as const;

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
export function addValheimStack(
  app: App,
  config: ValheimConfig,
  options: { readonly discordDeployRun?: string } = {},
): ValheimStack {
  const tags = applyAppSetup(app, config);
  return new ValheimStack(app, config.stackName, {
    config,
    discordDeployRun: options.discordDeployRun,
    // Region only, no account: synth needs no credentials, and a deploy always lands in the configured region.
    env: { region: config.region },
    description: `Valheim server "${config.server.name}" on ECS Fargate, started from Discord (valheim-ondemand)`,
    // Stack tags (propagated by CloudFormation) in addition to the resource tags.
    tags,
  });
}

/**
 * Adds the CI access stack (OIDC roles for GitLab and/or GitHub pipelines) when the app's context names a
 * project (see CI_ACCESS_CONTEXT), with the same checks and tags as the game stack; otherwise adds nothing.
 * It is deployed once by hand: `npx cdk deploy valheim-ondemand-ci-access -c ciAccess=group/project`.
 */
export function addCiAccessStack(app: App, config: ValheimConfig): CiAccessStack | undefined {
  const gitlabProjectPath = contextString(app, CI_ACCESS_CONTEXT.gitlab);
  const githubRepository = contextString(app, CI_ACCESS_CONTEXT.github);
  if (gitlabProjectPath === undefined && githubRepository === undefined) return undefined;
  const tags = applyAppSetup(app, config);
  return new CiAccessStack(app, `${config.stackName}-ci-access`, {
    gitlabProjectPath,
    githubRepository,
    gameStackName: config.stackName,
    env: { region: config.region },
    description: `CI access (OIDC roles) for the Valheim stack ${config.stackName} (valheim-ondemand)`,
    tags,
  });
}

const setUpApps = new WeakSet<App>();

/** cdk-nag and the tags, once per app (every stack of the app gets both); returns the tags. */
function applyAppSetup(app: App, config: ValheimConfig): Record<string, string> {
  const tags = { ...config.tags, [COST_TAG_KEY]: config.stackName };
  if (!setUpApps.has(app)) {
    setUpApps.add(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    for (const [key, value] of Object.entries(tags)) Tags.of(app).add(key, value);
  }
  return tags;
}

/** The context value that pins the Discord wiring's per-deploy value (`-c discordDeployRun=…`). */
export const DISCORD_DEPLOY_RUN_CONTEXT = 'discordDeployRun';

/**
 * A value new at every synth (the time), so every deploy reconciles Discord and retries what failed before;
 * `-c discordDeployRun=<value>` pins it for a reproducible template.
 */
export function discordDeployRun(app: App, now: () => Date = () => new Date()): string {
  return contextString(app, DISCORD_DEPLOY_RUN_CONTEXT) ?? now().toISOString();
}

/** A context value given as a non-empty string (`-c key=value`), else undefined. */
function contextString(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
