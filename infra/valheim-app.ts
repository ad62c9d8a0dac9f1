import { type App, type Stack, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_BOOTSTRAP_QUALIFIER, permissionsBoundaryName } from '../src/config/bootstrap-policy.js';
import { ConfigError, chooseConfigFile, loadConfig } from '../src/config/load.js';
import { COST_TAG_KEY, type ValheimConfig } from '../src/config/schema.js';
import { loadModsDeployment, type ModsDeployment } from '../src/mods/deployment.js';
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

/**
 * What infra/app.ts does with the app the CDK CLI runs: reads the config it names (-c config=…, VALHEIM_CONFIG,
 * valheim.config.json, else the example with a warning) and the CI access options, then adds the stacks.
 * A config mistake is the user's to fix: its lines go to `printError` (one per field, no stack trace) and the
 * answer is exit code 1, before anything is built; anything else throws.
 */
export function buildConfiguredApp(
  app: App,
  env: { readonly VALHEIM_CONFIG?: string | undefined },
  printError: (message: string) => void,
): 0 | 1 {
  try {
    const choice = chooseConfigFile(app.node.tryGetContext('config'), env.VALHEIM_CONFIG);
    if (choice.warning) printError(choice.warning);
    const config = loadConfig(choice.file);
    // Read first, so that a misspelled -c ciAccess… option fails before anything is built.
    const ciAccess = readCiAccessContext(app);
    // Every deploy reconciles Discord (commands, endpoint URL), so a redeploy retries what failed before.
    // The locked mods next to the config (valheim.mods.lock.json, mods/config): refused when stale.
    const mods = loadModsDeployment(choice.file, config);
    addValheimStack(app, config, { discordDeployRun: discordDeployRun(app), ...(mods && { mods }) });
    // Only with -c ciAccess=group/project and/or -c ciAccessGitHub=owner/repo.
    addCiAccessStack(app, config, ciAccess);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    printError(error.message);
    return 1;
  }
}
