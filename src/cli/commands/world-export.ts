import { exportWorld } from '../../worlds/export-world.js';
import { describeWorld } from '../../worlds/replace-world.js';
import { type WorldDeps, withWorldPorts } from './world-common.js';

export interface WorldExportOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
  /** Folder to put `<world>-<snapshot id>/` in. @default the current folder */
  readonly out?: string;
  /** The world to export. @default the active one */
  readonly world?: string;
}

/** `valheim world export`: see exportWorld (src/worlds/export-world.ts); then how to play it on a PC. */
export async function worldExport(options: WorldExportOptions, deps: WorldDeps): Promise<void> {
  await withWorldPorts(options.config, deps, {}, async (context) => {
    const { worldName, snapshotId, downloaded } = await exportWorld(context.ports, {
      worldName: await context.worldName(options.world),
      ...(options.out && { out: options.out }),
    });
    deps.term.out(`Exported "${worldName}" (${describeWorld(downloaded)}) to ${downloaded.directory}`);
    deps.term.out(
      "To play it on your PC, copy what is inside that folder into Valheim's worlds_local folder: %USERPROFILE%\\AppData\\LocalLow\\IronGate\\Valheim\\worlds_local on Windows, ~/.config/unity3d/IronGate/Valheim/worlds_local on Linux.",
    );
    deps.term.out(
      `The snapshot stays in S3: npx valheim world restore snapshot:${snapshotId} brings it back.`,
    );
  });
}
