import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { ValheimConfig } from '../../config/schema.js';
import { estimateCost } from '../../cost/estimate.js';
import type { CommandContext } from '../command-context.js';
import { awsFailure, CliError } from '../errors.js';
import { type DeployedStack, describeStack } from '../stack-outputs.js';
import { pinnedCdk, type Spawner } from './deploy.js';
import type { WorldDeps } from './world-common.js';

export interface DestroyOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
  /** Skip the offer to export the world first (never asked without a terminal). */
  readonly export?: boolean;
  /** The stack name, typed ahead: the confirmation for scripts. */
  readonly confirm?: string;
}

export interface DestroyDeps extends WorldDeps {
  readonly spawn: Spawner;
  /** Whether questions can be asked (a terminal). */
  readonly stdinIsTTY: boolean;
  /** The pinned CDK CLI: command and leading arguments. */
  readonly cdk?: () => { command: string; args: readonly string[] };
  /** For checking that the stack exists. @default - a CloudFormationClient in the config's region */
  readonly cloudFormation?: (region: string) => CloudFormationClient;
  /** The world export offered first. @default valheim world export into the current folder */
  readonly exportWorld?: (config: string, deps: WorldDeps) => Promise<void>;
}

/** What the deletion keeps (the world and its copies) and what each keeps costing, from the estimate. */
export interface KeptResource {
  readonly what: string;
  readonly monthlyUsd: number;
}

/** The world's file system, bucket and backup vault outlive the stack (RETAIN); priced as `cost estimate` does. */
export function keptResources(config: ValheimConfig): KeptResource[] {
  const worldGb = config.cost.worldSizeGb;
  const estimate = estimateCost(config, { hoursPerMonth: 0, worldSizeGb: worldGb });
  // Every S3 line of the estimate is in the world bucket (snapshots, the server-install cache).
  const monthly = (prefix: string): number =>
    estimate.idle.filter((line) => line.item.startsWith(prefix)).reduce((sum, line) => sum + line.monthly, 0);
  return [
    {
      what: "the world's file system (EFS)",
      monthlyUsd: monthly('EFS'),
    },
    {
      what: `the world bucket (S3 snapshots, each about ${worldGb} GB, and the game-install cache)`,
      monthlyUsd: monthly('S3'),
    },
    {
      what: `the backup vault (AWS Backup recovery points, each expires after ${config.backup.retentionDays} days)`,
      monthlyUsd: monthly('AWS Backup'),
    },
  ];
}

/**
 * `valheim destroy`: says what is deleted and what is kept (with what the kept parts cost a month), offers a
 * world export first, asks for the stack name, then runs the pinned `cdk destroy`. Resolves with its exit code.
 */
export async function destroy(options: DestroyOptions, deps: DestroyDeps): Promise<number> {
  const config = loadConfig(options.config);
  const { stackName, region } = config;
  const { term } = deps;

  // cdk destroy of a stack that does not exist "succeeds": say so before listing what would be deleted.
  const cloudFormation = (deps.cloudFormation ?? ((at: string) => new CloudFormationClient({ region: at })))(
    region,
  );
  let stack: DeployedStack | undefined;
  try {
    stack = await describeStack(cloudFormation, stackName);
  } catch (error) {
    throw awsFailure(error, {
      action: `find the stack ${stackName}`,
      permission: 'cloudformation:DescribeStacks',
      region,
    });
  }
  if (!stack) {
    throw new CliError(
      `there is no stack ${stackName} in ${region}, so nothing was deleted`,
      `check stackName and region in ${options.config}; the world's file system, bucket and backup vault of an earlier deployment, if any, outlive it (README, "Tear it down")`,
    );
  }

  term.out(
    `Deleting the stack ${stackName} in ${region} removes the game server (ECS), the Discord endpoint`,
  );
  term.out('(API Gateway, Lambdas), the monitor, the state table with the play-time ledger, the schedules,');
  term.out('the budget, the DNS record and the logs. /valheim stops working in Discord.');
  term.out(
    'Kept, because they hold the world (delete them yourself once you have an export; see the README,',
  );
  term.out('"Tear it down"):');
  for (const kept of keptResources(config)) {
    term.out(`  - ${kept.what}: about $${kept.monthlyUsd.toFixed(kept.monthlyUsd < 1 ? 3 : 2)} a month`);
  }
  term.out(`Also kept: the SSM parameters /${stackName}/… (free), and the Discord application.`);

  const interactive = deps.stdinIsTTY && options.confirm === undefined;
  if (options.export !== false && interactive) {
    const reply = (await deps.promptLine('Export the world to this folder first? [Y/n]: ')).trim();
    if (!/^n(o)?$/i.test(reply)) {
      const exportWorld =
        deps.exportWorld ??
        (async (file: string, worldDeps: WorldDeps) => {
          const { worldExport } = await import('./world-export.js');
          await worldExport({ config: file }, worldDeps);
        });
      // A failed export stops here: nothing is deleted without the copy the user asked for.
      await exportWorld(options.config, deps);
    }
  }

  const typed = interactive
    ? (await deps.promptLine(`Type the stack name (${stackName}) to delete it: `)).trim()
    : options.confirm;
  if (typed === undefined) {
    throw new CliError(
      'destroy needs a confirmation and there is no terminal to ask',
      `pass --confirm ${stackName}`,
    );
  }
  if (typed !== stackName) {
    throw new CliError(`"${typed}" is not the stack name ${stackName}; nothing was deleted`, 'run it again');
  }

  const cdk = (deps.cdk ?? pinnedCdk)();
  const code = await deps.spawn(cdk.command, [...cdk.args, 'destroy', stackName, '--force'], {
    ...deps.env,
    VALHEIM_CONFIG: options.config,
  });
  if (code !== 0) {
    term.err(`valheim: cdk destroy failed (exit code ${code}) — see its output above; run it again to retry`);
    return code;
  }
  term.out(
    `Deleted ${stackName}. The world's file system, bucket and backup vault are still there (see above).`,
  );
  return 0;
}

/** `valheim destroy`. */
export function destroyCommand({ deps, configOption, setExitCode }: CommandContext<DestroyDeps>): Command {
  return new Command('destroy')
    .description('Delete the stack; the world (file system, bucket, backups) is kept')
    .option('--no-export', 'do not offer to export the world first')
    .option('--confirm <stack-name>', 'the stack name, to delete without the question (scripts)')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Says what is deleted and what is kept, with what the kept parts cost a month; offers to export the world
into the current folder first (valheim world export); asks for the stack name; then runs the pinned
cdk destroy. The world's file system, the world bucket and the backup vault are kept (retained by the
stack): the README's "Tear it down" section says how to delete them after an export.

Examples:
  npx valheim destroy
  npx valheim destroy --no-export --confirm valheim-ondemand`,
    )
    .action(async (options: DestroyOptions) => {
      setExitCode(await destroy(options, deps));
    });
}
