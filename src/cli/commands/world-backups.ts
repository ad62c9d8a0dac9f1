import type { BackupEntry } from '../../worlds/backups.js';
import { listWorldBackups } from '../../worlds/list-backups.js';
import { formatBytes } from '../../worlds/world-files.js';
import { toCliError, type WorldDeps, withWorldPorts } from './world-common.js';

export interface WorldBackupsOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
  /** Print one JSON array. */
  readonly json?: boolean;
  /** Also list the image's zips in /config/backups (runs a short task). @default true */
  readonly zips?: boolean;
  /** Only snapshots holding this world. @default the active world */
  readonly world?: string;
}

/**
 * `valheim world backups`: snapshots in S3, AWS Backup recovery points of the file system and the image's
 * own zips, newest first, each with the id `valheim world restore` takes (see src/worlds/list-backups.ts).
 */
export async function worldBackups(options: WorldBackupsOptions, deps: WorldDeps): Promise<void> {
  await withWorldPorts(options.config, deps, {}, async ({ ports, config, worldName }) => {
    const world = await worldName(options.world);
    const { entries, warnings } = await listWorldBackups(ports, {
      ...(options.zips === false && { zips: false }),
      world,
    });
    for (const warning of warnings) {
      const text =
        typeof warning === 'string'
          ? warning
          : `${warning.unlisted} not listed: ${toCliError(warning.error, config.region).message}`;
      deps.term.err(`valheim: warning: ${text}`);
    }
    if (options.json) {
      deps.term.out(
        JSON.stringify(
          entries.map((entry) => ({ ...entry, created: entry.created.toISOString() })),
          null,
          2,
        ),
      );
      return;
    }
    if (entries.length === 0) {
      deps.term.out('No backups yet. Take a snapshot with: npx valheim world export');
      return;
    }
    for (const line of table(entries)) deps.term.out(line);
    deps.term.out('');
    deps.term.out(
      `Restore "${world}" from one with: npx valheim world restore <ID>${options.world ? ` --world ${world}` : ''} (the server's worlds are saved as a snapshot first)`,
    );
  });
}

function table(entries: readonly BackupEntry[]): string[] {
  const rows = entries.map((entry) => [
    entry.created.toISOString().slice(0, 16).replace('T', ' '),
    entry.sizeBytes === undefined ? '' : formatBytes(entry.sizeBytes),
    entry.id,
    entry.description,
  ]);
  const header = ['CREATED (UTC)', 'SIZE', 'ID', 'WHAT'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  return [header, ...rows].map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
