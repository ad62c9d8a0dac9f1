import { resolve } from 'node:path';
import { sdkEcs } from '../aws/sdk-ecs.js';
import { serviceActivity } from '../server/service-activity.js';
import { WorldError } from './errors.js';
import { runTransfer } from './run-transfer.js';
import { type DownloadedWorld, downloadSnapshotWorld, readManifest, SNAPSHOTS } from './snapshots.js';
import { transferId } from './transfer-id.js';
import { awsStep, WORLD_PERMISSIONS, type WorldPorts } from './world-ports.js';

export interface ExportedWorld {
  readonly worldName: string;
  /** The snapshot taken for the export; it stays in S3. */
  readonly snapshotId: string;
  readonly downloaded: DownloadedWorld;
}

/**
 * Snapshots the server's world to S3 (reason "manual") with the transfer task, then downloads the world's
 * files into `<out>/<world>-<id>/`, laid out as in worlds_local, ready to copy to a PC. A running server is
 * exported as of its last save (with a warning).
 */
export async function exportWorld(
  ports: WorldPorts,
  options: { readonly worldName: string /** @default the current folder */; readonly out?: string },
): Promise<ExportedWorld> {
  const { s3, stack, ecs, report } = ports;
  const { worldName: world } = options;
  const out = resolve(options.out ?? '.');

  const activity = await awsStep('check whether the game server runs', WORLD_PERMISSIONS.service, () =>
    serviceActivity(sdkEcs(ecs), stack.cluster, stack.gameService),
  );
  if (activity.kind === 'active') {
    report.warn(
      'the server is running; the export holds the world as of its last save (Valheim saves every 30 minutes by default). Stop the server first for an up-to-date copy.',
    );
  }

  const snapshotId = transferId('manual', ports.now());
  report.progress(`Taking snapshot ${snapshotId} of "${world}" on the server…`);
  await runTransfer(ports, { mode: 'snapshot', snapshotId, worldName: world });
  const manifest = await awsStep('read the snapshot manifest', WORLD_PERMISSIONS.bucket, () =>
    readManifest(s3, stack.bucket, `${SNAPSHOTS}/${snapshotId}`),
  );
  if (!manifest) {
    throw new WorldError(
      `snapshot ${snapshotId} has no manifest although the task succeeded`,
      'try again; if it keeps happening, check the bucket',
    );
  }
  if (manifest.format === 'none') {
    throw new WorldError(
      `the server has no world "${world}"${manifest.worlds.length > 0 ? ` (it holds ${manifest.worlds.join(', ')})` : ''}`,
      `valheim world list shows the worlds; the snapshot of what is there stays in S3 as snapshot:${snapshotId}`,
    );
  }
  const downloaded = await awsStep(`download snapshot ${snapshotId}`, WORLD_PERMISSIONS.bucket, () =>
    downloadSnapshotWorld(s3, stack.bucket, manifest, out, report.bytes(`Downloading ${world}`)),
  );
  return { worldName: world, snapshotId, downloaded };
}
