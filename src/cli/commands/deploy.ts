import { spawn as spawnChild } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { Command } from 'commander';
import { sdkEcs } from '../../aws/sdk-ecs.js';
import { loadConfig } from '../../config/load.js';
import { gameServiceNames } from '../../config/names.js';
import { loadModsDeployment } from '../../mods/deployment.js';
import { type ServiceActivity, serviceActivity } from '../../server/service-activity.js';
import type { CommandContext } from '../command-context.js';
import { awsFailure, CliError } from '../errors.js';
import type { Terminal } from '../io.js';
import {
  announceModProfiles,
  type DeployModsDeps,
  deployedWorldBucket,
  uploadDeployMods,
} from './deploy-mods.js';
import { CROSSPLAY_WARNING } from './mods-actions.js';

export interface DeployOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
  /** Deploy even while the game server runs (it will be stopped). */
  readonly force?: boolean;
  /** Extra arguments for `cdk deploy`, e.g. ["--hotswap"]. */
  readonly cdkArgs?: readonly string[];
}

/** Runs a program with inherited stdio and resolves with its exit code. */
export type Spawner = (command: string, args: readonly string[], env: NodeJS.ProcessEnv) => Promise<number>;

export interface DeployDeps extends DeployModsDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly term: Terminal;
  readonly ecs: (region: string) => ECSClient;
  readonly spawn: Spawner;
  /** The pinned CDK CLI: command and leading arguments. */
  readonly cdk?: () => { command: string; args: readonly string[] };
}

/**
 * The documented deploy: refuses while a game runs (a deploy resets the service's desired count to 0 and
 * would stop it), then runs the pinned `cdk deploy` with the caller's extra arguments.
 * Resolves with cdk's exit code.
 */
export async function deploy(options: DeployOptions, deps: DeployDeps): Promise<number> {
  const config = loadConfig(options.config);
  // A stale lockfile stops the deploy here, before anything changes (the CDK app would refuse it too).
  const mods = loadModsDeployment(options.config, config);
  if (mods && config.server.crossplay) deps.term.err(`valheim: warning: ${CROSSPLAY_WARNING}`);
  const { cluster, service } = gameServiceNames(config.stackName);

  let check: ServiceActivity;
  try {
    check = await serviceActivity(sdkEcs(deps.ecs(config.region)), cluster, service);
  } catch (error) {
    throw awsFailure(error, {
      action: `check whether the game server (ECS service ${service}) is running`,
      permission: 'ecs:DescribeServices',
      region: config.region,
    });
  }

  if (check.kind === 'absent') {
    deps.term.out(
      `No game server in ${config.region} yet (ECS service ${service}): first deploy of ${config.stackName}.`,
    );
  } else if (check.kind === 'stopped') {
    deps.term.out(`The game server is stopped: deploying ${config.stackName} is safe.`);
  } else {
    const tasks = Math.max(check.desiredCount, check.runningCount + check.pendingCount);
    const state = check.runningCount > 0 ? 'running' : 'starting';
    const what = `the server is ${state} (${tasks} task${tasks === 1 ? '' : 's'}); deploying resets its desired count to 0 and stops the game`;
    if (!options.force) {
      throw new CliError(
        what,
        'stop it first (/valheim stop), or deploy anyway: npx valheim deploy --force (through npm: npm run deploy -- --force)',
      );
    }
    deps.term.err(
      `valheim: warning: ${what}; going ahead because of --force (the world is saved on shutdown).`,
    );
  }

  // The locked mods go to the world bucket before the task that installs them (after the first deploy, which
  // makes the bucket): a start never finds its plan missing.
  const bucket = mods && check.kind !== 'absent' ? await deployedWorldBucket(config, deps) : undefined;
  if (mods && bucket) await uploadDeployMods(mods, config, bucket, deps);

  const cdk = (deps.cdk ?? pinnedCdk)();
  const code = await deps.spawn(cdk.command, [...cdk.args, 'deploy', ...(options.cdkArgs ?? [])], {
    ...deps.env,
    VALHEIM_CONFIG: options.config,
  });
  if (code !== 0) {
    deps.term.err(`valheim: cdk deploy failed (exit code ${code}) — see its output above`);
    return code;
  }
  let modsBucket = bucket;
  if (mods && !bucket) {
    const created = await deployedWorldBucket(config, deps);
    if (!created)
      throw new CliError(
        'the stack has no WorldBucket output after the deploy',
        'run npx valheim deploy again',
      );
    await uploadDeployMods(mods, config, created, deps);
    modsBucket = created;
  }
  // Only now does /valheim mods list the new set: the players' profile goes to Discord with it.
  if (mods && modsBucket) await announceModProfiles(mods, config, modsBucket, deps);
  return code;
}

/** The CDK CLI pinned in devDependencies, run with this Node (no global install, no npx lookup). */
export function pinnedCdk(): { command: string; args: readonly string[] } {
  let bin: string;
  try {
    bin = createRequire(import.meta.url).resolve('aws-cdk/bin/cdk');
  } catch {
    throw new CliError('the AWS CDK CLI (aws-cdk) is not installed', 'run npm ci in the project folder');
  }
  return { command: process.execPath, args: [bin] };
}

/** Spawns with inherited stdio; a failure to start becomes a one-line error. */
export const spawnInherited: Spawner = (command, args, env) =>
  new Promise((resolve, reject) => {
    const child = spawnChild(command, args, { stdio: 'inherit', env });
    child.once('error', (error) =>
      reject(new CliError(`could not run ${command} (${error.message})`, 'run npm ci and try again')),
    );
    child.once('exit', (code, signal) =>
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)),
    );
  });

/** `valheim deploy [-- cdk-args…]`. */
export function deployCommand({ deps, configOption, setExitCode }: CommandContext<DeployDeps>): Command {
  return (
    new Command('deploy')
      .description('Deploy the stack with the pinned CDK CLI, refusing while a game is running')
      .argument('[cdk-args...]', 'extra arguments for cdk deploy (any option this command does not know)')
      .option('--force', 'deploy even while the server runs (it will be stopped)')
      .addOption(configOption())
      // cdk's own options (--require-approval never, --hotswap, -c key=value) go through as they are, so
      // `npm run deploy -- --require-approval never` works without a second "--".
      .allowUnknownOption()
      .addHelpText(
        'after',
        `
Options this command does not know are passed to cdk deploy. The same, two ways:
  npx valheim deploy --require-approval never
  npm run deploy -- --require-approval never
Deploy while a game runs (it is stopped):
  npx valheim deploy --force
  npm run deploy -- --force`,
      )
      .action(async (cdkArgs: string[], options: { force?: boolean; config: string }) => {
        setExitCode(await deploy({ ...options, cdkArgs }, deps));
      })
  );
}
