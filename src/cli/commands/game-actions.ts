import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { sdkDocuments } from '../../aws/sdk-dynamodb.js';
import { sdkEcs } from '../../aws/sdk-ecs.js';
import { loadConfig } from '../../config/load.js';
import { s3Installs, snapshotComplete } from '../../game/aws-game.js';
import { DynamoGameRecords } from '../../game/aws-game-records.js';
import {
  branchNameProblem,
  DEFAULT_GAME_SETTING,
  gameParameterName,
  KNOWN_BRANCHES,
  PUBLIC_BRANCH,
  steamBranchAdvice,
  steamcmdBranchArguments,
} from '../../game/branch.js';
import { SsmGameSetting } from '../../game/game-setting-store.js';
import {
  describeRollback,
  executeRollback,
  planRollback,
  type RollbackPorts,
  RollbackRefused,
} from '../../game/rollback.js';
import { serviceActivity } from '../../server/service-activity.js';
import { restoreFromPrefix } from '../../worlds/replace-world.js';
import { sdkSsmParameters } from '../../worlds/sdk-ssm-parameters.js';
import { SNAPSHOTS } from '../../worlds/snapshots.js';
import { awsFailure, CliError } from '../errors.js';
import { findStateTable } from './starts.js';
import { confirm, step, type WorldDeps, withWorldPorts } from './world-common.js';

/** What `valheim game …` needs: the world commands' dependencies, SSM and the state table's DynamoDB. */
export interface GameDeps extends WorldDeps {
  readonly ssm: (region: string) => SSMClient;
  /** @default - a DynamoDBClient in the config's region */
  readonly dynamodb?: (region: string) => DynamoDBClient;
}

const SSM_PERMISSION = 'ssm:GetParameters and ssm:PutParameter on /<stackName>/game/branch';

/** `valheim game branch [name]`: shows or sets the branch parameter. */
export async function gameBranch(
  options: { readonly config: string; readonly name?: string },
  deps: GameDeps,
): Promise<void> {
  const config = loadConfig(options.config);
  const { term } = deps;
  const wanted = options.name?.trim().toLowerCase();
  if (wanted !== undefined) {
    const problem = branchNameProblem(wanted);
    if (problem) throw new CliError(problem, `e.g. npx valheim game branch ${KNOWN_BRANCHES[1]}`);
  }
  const setting = new SsmGameSetting(
    sdkSsmParameters(deps.ssm(config.region)),
    gameParameterName(config.stackName),
  );
  const current = await step(config.region, 'read the game branch', SSM_PERMISSION, () => setting.read());
  const shown = current ?? DEFAULT_GAME_SETTING;
  if (wanted === undefined) {
    term.out(
      `Branch: ${shown.branch}${current ? '' : ' (the parameter is missing: deploy the current version to choose another)'}`,
    );
    if (shown.hold) {
      term.out(
        `Held at build ${shown.hold} by a rollback: starts skip Steam's update until a branch is chosen (npx valheim game branch ${shown.branch}).`,
      );
    }
    const args = steamcmdBranchArguments(shown.branch).replace(/-betapassword \S+/, '-betapassword ***');
    term.out(`steamcmd: +app_update 896660${args ? ` ${args}` : ''}`);
    if (shown.branch !== PUBLIC_BRANCH) term.out(`Players: ${steamBranchAdvice(shown.branch)}`);
    return;
  }
  if (!current) {
    throw new CliError(
      `the game branch parameter ${gameParameterName(config.stackName)} does not exist`,
      'deploy the current version of the stack (npm run deploy); it creates the parameter with server.gameBranch',
    );
  }
  if (current.branch === wanted && !current.hold) {
    term.out(`The server already installs the ${wanted} branch.`);
    return;
  }
  await step(config.region, 'set the game branch', SSM_PERMISSION, () => setting.write({ branch: wanted }));
  term.out(
    `Branch: ${wanted}${current.hold ? ` (the hold on build ${current.hold} is released)` : ''}. The next start installs its current build; a running server keeps its build until it restarts.`,
  );
  term.out(`Players: ${steamBranchAdvice(wanted)}`);
}

/** `valheim game rollback [--dry-run] [--yes]`. */
export async function gameRollback(
  options: { readonly config: string; readonly dryRun?: boolean; readonly yes?: boolean },
  deps: GameDeps,
): Promise<void> {
  await withWorldPorts(options.config, deps, { ...(options.yes && { yes: true }) }, async (context) => {
    const { ports, config } = context;
    const dynamodb = (deps.dynamodb ?? ((region) => new DynamoDBClient({ region })))(config.region);
    const table = await step(config.region, 'find the state table', 'dynamodb:ListTables', () =>
      findStateTable(dynamodb, config.stackName, deps.env),
    );
    const ssm = deps.ssm(config.region);
    const rollbackPorts: RollbackPorts = {
      records: new DynamoGameRecords(sdkDocuments(dynamodb), table),
      setting: new SsmGameSetting(sdkSsmParameters(ssm), gameParameterName(config.stackName)),
      installs: s3Installs(ports.s3, ports.stack.bucket),
      activeWorld: () => context.worldName(undefined),
      snapshotComplete: (id, signal) => snapshotComplete(ports.s3, ports.stack.bucket, id, signal),
      gameActive: async (signal) =>
        (await serviceActivity(sdkEcs(ports.ecs), ports.stack.cluster, ports.stack.gameService, signal))
          .kind === 'active',
    };
    let plan: Awaited<ReturnType<typeof planRollback>>;
    try {
      plan = await planRollback(rollbackPorts);
    } catch (error) {
      if (error instanceof RollbackRefused) throw new CliError(error.problem, error.fix);
      throw awsFailure(error, {
        action: 'work out the rollback',
        permission:
          'dynamodb:GetItem on the state table, s3:ListBucketVersions and s3:GetObjectVersion on the world bucket, ssm:GetParameters',
        region: config.region,
      });
    }
    const lines = describeRollback(plan);
    ports.report.info(
      options.dryRun ? 'A rollback would change this (nothing is changed now):' : 'Rollback:',
    );
    for (const line of lines) ports.report.info(`- ${line}`);
    if (options.dryRun) return;
    await confirm(deps, 'Roll back?', options.yes);
    const done = await executeRollback(rollbackPorts, plan, {
      restoreWorld: async (worldName, snapshotId) => {
        await restoreFromPrefix(ports, {
          worldName,
          sourcePrefix: `${SNAPSHOTS}/${snapshotId}`,
          reason: 'pre-restore',
        });
      },
    });
    for (const line of done) ports.report.info(line);
    ports.report.info(
      `Done. Start the server to play build ${plan.to.build}; npx valheim game branch ${plan.to.branch} takes updates again.`,
    );
  });
}
