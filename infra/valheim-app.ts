import { existsSync } from 'node:fs';
import { type App, type Stack, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_BOOTSTRAP_QUALIFIER, permissionsBoundaryName } from '../src/config/bootstrap-policy.js';
import { ConfigError, DEFAULT_CONFIG_FILE, EXAMPLE_CONFIG_FILE } from '../src/config/load.js';
import { COST_TAG_KEY, type ValheimConfig } from '../src/config/schema.js';
import type { ModsDeployment } from '../src/mods/deployment.js';
import {
  CiAccessStack,
  DEFAULT_GITHUB_ENVIRONMENT,
  DEFAULT_GITLAB_HOST,
  validateCiAccessProps,
} from './ci-access-stack.js';
import { ValheimStack } from './valheim-stack.js';

/**
 * The context keys (`-c key=value`) of the CI access stack, one spelling each (docs/ci-cd.md documents every
 * one): the GitLab project path, the host of a self-managed GitLab, the GitHub repository, the GitHub
 * environment of the deploy job, and which OIDC providers already exist in the account.
 */
export const CI_ACCESS_CONTEXT = {
  gitlab: 'ciAccess',
  gitlabHost: 'ciAccessGitLabHost',
  github: 'ciAccessGitHub',
  githubEnvironment: 'ciAccessGitHubEnvironment',
  existingProviders: 'ciAccessExistingProviders',
} as const;

const CI_ACCESS_OPTION_OF_PROP = {
  gitlabProjectPath: CI_ACCESS_CONTEXT.gitlab,
  gitlabHost: CI_ACCESS_CONTEXT.gitlabHost,
  githubRepository: CI_ACCESS_CONTEXT.github,
  githubEnvironment: CI_ACCESS_CONTEXT.githubEnvironment,
} as const;

/** What the CI access context asks for (see CI_ACCESS_CONTEXT); undefined fields were not given. */
export interface CiAccessContext {
  readonly gitlabProjectPath: string | undefined;
  readonly gitlabHost: string | undefined;
  readonly githubRepository: string | undefined;
  readonly githubEnvironment: string | undefined;
  /** Platforms whose OIDC provider the account already has (`-c ciAccessExistingProviders=gitlab,github`). */
  readonly existingProviders: ReadonlySet<'gitlab' | 'github'>;
}

/**
 * Reads the CI access context of `app`. Throws a ConfigError (one line, with the valid keys) for a key that
 * looks like a CI access key but is none of them — a misspelled key would otherwise be ignored and, say, a
 * GitHub trust silently not created — and for an option without the project it belongs to.
 */
export function readCiAccessContext(app: App): CiAccessContext {
  const valid: readonly string[] = Object.values(CI_ACCESS_CONTEXT);
  const context = app.node.getAllContext() as Record<string, unknown>;
  for (const key of Object.keys(context)) {
    const looksLikeCiAccess = key
      .toLowerCase()
      .replace(/[^a-z]/g, '')
      .startsWith('ciaccess');
    if (looksLikeCiAccess && !valid.includes(key)) {
      throw new ConfigError(
        `-c ${key}: not a CI access option; the options are ${valid.join(', ')} (see docs/ci-cd.md)`,
      );
    }
  }
  const value = (key: string) => contextString(app, key);
  const given = {
    gitlabProjectPath: value(CI_ACCESS_CONTEXT.gitlab),
    gitlabHost: value(CI_ACCESS_CONTEXT.gitlabHost),
    githubRepository: value(CI_ACCESS_CONTEXT.github),
    githubEnvironment: value(CI_ACCESS_CONTEXT.githubEnvironment),
  };
  if (given.gitlabHost !== undefined && given.gitlabProjectPath === undefined) {
    throw new ConfigError(
      `-c ${CI_ACCESS_CONTEXT.gitlabHost} needs -c ${CI_ACCESS_CONTEXT.gitlab}=group/project`,
    );
  }
  if (given.githubEnvironment !== undefined && given.githubRepository === undefined) {
    throw new ConfigError(
      `-c ${CI_ACCESS_CONTEXT.githubEnvironment} needs -c ${CI_ACCESS_CONTEXT.github}=owner/repo`,
    );
  }
  const existingProviders = new Set<'gitlab' | 'github'>();
  for (const name of (value(CI_ACCESS_CONTEXT.existingProviders) ?? '').split(',')) {
    const platform = name.trim();
    if (platform !== 'gitlab' && platform !== 'github') {
      if (platform === '') continue;
      throw new ConfigError(
        `-c ${CI_ACCESS_CONTEXT.existingProviders}: "${platform}" is not a platform; use gitlab, github or gitlab,github`,
      );
    }
    const project = platform === 'gitlab' ? CI_ACCESS_CONTEXT.gitlab : CI_ACCESS_CONTEXT.github;
    if (value(project) === undefined) {
      throw new ConfigError(
        `-c ${CI_ACCESS_CONTEXT.existingProviders}=${platform} needs -c ${project} as well`,
      );
    }
    existingProviders.add(platform);
  }
  return { ...given, existingProviders };
}

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
  options: { readonly discordDeployRun?: string; readonly mods?: ModsDeployment } = {},
): ValheimStack {
  const tags = applyAppSetup(app, config);
  return withPermissionsBoundary(
    new ValheimStack(app, config.stackName, {
      config,
      discordDeployRun: options.discordDeployRun,
      ...(options.mods && { mods: options.mods }),
      // Region only, no account: synth needs no credentials, and a deploy always lands in the configured region.
      env: { region: config.region },
      description: `Valheim server "${config.server.name}" on ECS Fargate, started from Discord (valheim-ondemand)`,
      // Stack tags (propagated by CloudFormation) in addition to the resource tags.
      tags,
    }),
    config,
  );
}

/**
 * Puts the permissions boundary `<stackName>-permissions-boundary` (src/config/bootstrap-policy.ts) on every
 * role of `stack`: the least-privileged execution policy refuses to create a role without it, and it caps
 * whatever a template grants a role. The policy must exist before the deploy (README, Set it up).
 */
function withPermissionsBoundary<T extends Stack>(stack: T, config: ValheimConfig): T {
  const boundary = iam.ManagedPolicy.fromManagedPolicyName(
    stack,
    'PermissionsBoundary',
    permissionsBoundaryName(config.stackName),
  );
  iam.PermissionsBoundary.of(stack).apply(boundary);
  return stack;
}

/**
 * Adds the CI access stack (OIDC roles for GitLab and/or GitHub pipelines) when the app's context names a
 * project (see CI_ACCESS_CONTEXT), with the same checks and tags as the game stack; otherwise adds nothing.
 * It is deployed once by hand: `npx cdk deploy valheim-ondemand-ci-access -c ciAccess=group/project`.
 * A bad value fails with a ConfigError naming the `-c` option.
 */
export function addCiAccessStack(
  app: App,
  config: ValheimConfig,
  context: CiAccessContext = readCiAccessContext(app),
): CiAccessStack | undefined {
  const { gitlabProjectPath, gitlabHost, githubRepository, githubEnvironment, existingProviders } = context;
  if (gitlabProjectPath === undefined && githubRepository === undefined) return undefined;
  const props = {
    gitlabProjectPath,
    gitlabHost: gitlabHost ?? DEFAULT_GITLAB_HOST,
    githubRepository,
    githubEnvironment: githubEnvironment ?? DEFAULT_GITHUB_ENVIRONMENT,
    bootstrapQualifier: DEFAULT_BOOTSTRAP_QUALIFIER,
    gameStackName: config.stackName,
  };
  try {
    validateCiAccessProps(props);
  } catch (error) {
    // The message starts with the prop's name: say which -c option it came from.
    const message = (error as Error).message;
    const prop = message.split(' ')[0] as keyof typeof CI_ACCESS_OPTION_OF_PROP;
    const option = CI_ACCESS_OPTION_OF_PROP[prop] ?? CI_ACCESS_CONTEXT.gitlab;
    throw new ConfigError(`-c ${option}: ${message}`);
  }
  const tags = applyAppSetup(app, config);
  return withPermissionsBoundary(
    new CiAccessStack(app, `${config.stackName}-ci-access`, {
      ...props,
      createGitlabProvider: !existingProviders.has('gitlab'),
      createGithubProvider: !existingProviders.has('github'),
      env: { region: config.region },
      description: `CI access (OIDC roles) for the Valheim stack ${config.stackName} (valheim-ondemand)`,
      tags,
    }),
    config,
  );
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
