import { resolve } from 'node:path';
import { sdkEcs } from '../../aws/sdk-ecs.js';
import { serviceActivity } from '../../server/service-activity.js';
import { downloadSnapshotWorld, readManifest, SNAPSHOTS } from '../../worlds/snapshots.js';
import { transferId } from '../../worlds/transfer-id.js';
import { CliError } from '../errors.js';
import {
  describeWorld,
  PERMISSIONS,
  progressLines,
  runTask,
  step,
  type WorldDeps,
  worldContext,
} from './world-common.js';

export interface WorldExportOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
  /** Folder to put `<world>-<snapshot id>/` in. @default the current folder */
  readonly out?: string;
}

/**
 * `valheim world export`: snapshots the server's world to S3 (reason "manual") with the transfer task, then
 * downloads the world's files into `<out>/<world>-<id>/`, laid out as in worlds_local, ready to copy to a PC.
 */
export async function worldExport(options: WorldExportOptions, deps: WorldDeps): Promise<void> {
  const context = await worldContext(options.config, deps);
  const { config, stack, s3, ecs } = context;
  const world = config.server.world;
  const out = resolve(options.out ?? '.');

  const activity = await step(
    config.region,
    'check whether the game server runs',
    'ecs:DescribeServices',
    () => serviceActivity(sdkEcs(ecs), stack.cluster, stack.gameService),
  );
  if (activity.kind === 'active') {
    deps.term.err(
      'valheim: warning: the server is running; the export holds the world as of its last save (Valheim saves every 30 minutes by default). Stop the server first for an up-to-date copy.',
    );
  }

  const snapshotId = transferId('manual', context.now());
  deps.term.err(`Taking snapshot ${snapshotId} of "${world}" on the server…`);
  await runTask(context, { mode: 'snapshot', snapshotId, worldName: world });
  const manifest = await step(config.region, 'read the snapshot manifest', PERMISSIONS.bucket, () =>
    readManifest(s3, stack.bucket, `${SNAPSHOTS}/${snapshotId}`),
  );
  if (!manifest) {
    throw new CliError(
      `snapshot ${snapshotId} has no manifest although the task succeeded`,
      'try again; if it keeps happening, check the bucket',
    );
  }
  if (manifest.format === 'none') {
    throw new CliError(
      `the server has no world "${world}"${manifest.worlds.length > 0 ? ` (it holds ${manifest.worlds.join(', ')})` : ''}`,
      `check server.world in the config; the snapshot of what is there stays in S3 as snapshot:${snapshotId}`,
    );
  }

  const downloaded = await step(config.region, `download snapshot ${snapshotId}`, PERMISSIONS.bucket, () =>
    downloadSnapshotWorld(s3, stack.bucket, manifest, out, progressLines(deps.term, `Downloading ${world}`)),
  );
  deps.term.out(`Exported "${world}" (${describeWorld(downloaded)}) to ${downloaded.directory}`);
  deps.term.out(
    "To play it on your PC, copy what is inside that folder into Valheim's worlds_local folder: %USERPROFILE%\\AppData\\LocalLow\\IronGate\\Valheim\\worlds_local on Windows, ~/.config/unity3d/IronGate/Valheim/worlds_local on Linux.",
  );
  deps.term.out(`The snapshot stays in S3: npx valheim world restore snapshot:${snapshotId} brings it back.`);
}
