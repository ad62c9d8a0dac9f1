import { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { estimateCost, formatEstimate } from '../../cost/estimate.js';
import {
  footprintOfFiles,
  IA_MINIMUM_BYTES,
  largeFileShare,
  type WorldFootprint,
} from '../../cost/world-footprint.js';
import { WorldError } from '../../worlds/errors.js';
import { openWorld } from '../../worlds/world-files.js';
import type { CommandContext } from '../command-context.js';
import { CliError } from '../errors.js';
import type { Terminal } from '../io.js';

export const DEFAULT_HOURS_PER_MONTH = 40;
/** The most hours a month has (31 × 24). */
export const MAX_HOURS_PER_MONTH = 744;
const MAX_WORLD_SIZE_GB = 100;

export interface CostEstimateOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
  /** Hours of play a month, 0–744. @default 40 */
  readonly hoursPerMonth?: string | number;
  /** Size of the world files in GB. @default cost.worldSizeGb from the config (0.2) */
  readonly worldSizeGb?: string | number;
  /** A world on this machine to measure (folder, `.fwl`/`.db`, `worlds_local`, `.zip`): its files' real sizes. */
  readonly world?: string;
  /** Print the estimate as one JSON object. */
  readonly json?: boolean;
}

/** `valheim cost estimate`: what the configured server costs, from list prices, offline. */
export function costEstimate(options: CostEstimateOptions, deps: { readonly term: Terminal }): void {
  const hoursPerMonth = parseNumber(options.hoursPerMonth, DEFAULT_HOURS_PER_MONTH);
  if (hoursPerMonth === undefined || hoursPerMonth < 0 || hoursPerMonth > MAX_HOURS_PER_MONTH) {
    throw new CliError(
      `--hours-per-month "${options.hoursPerMonth}" is not a number of hours from 0 to ${MAX_HOURS_PER_MONTH}`,
      `pass the hours the server runs a month, e.g. --hours-per-month 40 (${MAX_HOURS_PER_MONTH} = always on)`,
    );
  }
  const config = loadConfig(options.config);
  if (options.world !== undefined) {
    if (options.worldSizeGb !== undefined) {
      throw new CliError(
        "--world and --world-size-gb both give the world's size",
        'pass one: --world <folder> measures the files, --world-size-gb assumes a size',
      );
    }
    const measured = measureWorld(options.world, config.server.world);
    const estimate = estimateCost(config, { hoursPerMonth, world: measured.footprint });
    if (options.json) {
      deps.term.out(JSON.stringify({ ...estimate, world: measured.summary }));
      return;
    }
    for (const line of measured.text.split('\n')) deps.term.out(line);
    deps.term.out('');
    for (const line of formatEstimate(estimate).split('\n')) deps.term.out(line);
    return;
  }
  const worldSizeGb = parseNumber(options.worldSizeGb, config.cost.worldSizeGb);
  if (worldSizeGb === undefined || worldSizeGb <= 0 || worldSizeGb > MAX_WORLD_SIZE_GB) {
    throw new CliError(
      `--world-size-gb "${options.worldSizeGb}" is not a size from more than 0 to ${MAX_WORLD_SIZE_GB} GB`,
      'pass the size of the world files, e.g. --world-size-gb 0.2 (a well-explored world is 0.05–0.3 GB)',
    );
  }
  const estimate = estimateCost(config, { hoursPerMonth, worldSizeGb });
  if (options.json) deps.term.out(JSON.stringify(estimate));
  else for (const line of formatEstimate(estimate).split('\n')) deps.term.out(line);
}

interface MeasuredWorld {
  readonly footprint: WorldFootprint;
  readonly summary: {
    readonly name: string;
    readonly format: string;
    readonly files: number;
    readonly bytes: number;
    readonly largeFileShare: number;
  };
  readonly text: string;
}

/**
 * The world's files as EFS and S3 bill them: how many, how big, and what share of the bytes sits in files of
 * 128 KiB or more (those move to Infrequent Access at their own size; smaller ones bill 128 KiB there).
 */
function measureWorld(path: string, preferred: string): MeasuredWorld {
  let opened: ReturnType<typeof openWorld>;
  try {
    opened = openWorld(path, preferred);
  } catch (error) {
    if (error instanceof WorldError) throw new CliError(error.problem, error.fix);
    throw error;
  }
  try {
    const { world } = opened;
    const sizes = world.files.map((file) => file.size);
    const footprint = footprintOfFiles(sizes);
    const share = largeFileShare(sizes);
    const small = sizes.filter((size) => size < IA_MINIMUM_BYTES).length;
    const mb = (gb: number) => `${Math.round(gb * 1024 * 10) / 10} MB`;
    const text = [
      `Measured ${world.name} (${world.format === 'legacy' ? 'legacy .fwl/.db' : world.format === 'folder' ? 'Valheim 1.0 folder' : 'both formats'}): ${sizes.length} files, ${mb(footprint.gb)}.`,
      `${Math.round(share * 100)} % of its bytes are in files of 128 KiB or more; ${small} smaller files bill 128 KiB each in EFS Infrequent Access, which bills ${mb(footprint.iaGb)} for the world in all.`,
    ].join('\n');
    return {
      footprint,
      summary: {
        name: world.name,
        format: world.format,
        files: sizes.length,
        bytes: world.totalBytes,
        largeFileShare: share,
      },
      text,
    };
  } finally {
    opened.dispose();
  }
}

/** A decimal number; the fallback when not given; undefined when not a number. */
function parseNumber(value: string | number | undefined, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : undefined;
}

/** `valheim cost` and its subcommands. */
export function costCommand({ deps, configOption }: CommandContext<{ readonly term: Terminal }>): Command {
  const cost = new Command('cost').description('What the server costs');
  cost
    .command('estimate')
    .description('Estimate the monthly cost of the configured server from list prices (offline)')
    .option(
      '--hours-per-month <n>',
      `hours the server runs a month, 0 to ${MAX_HOURS_PER_MONTH} (default ${DEFAULT_HOURS_PER_MONTH})`,
    )
    .option('--world-size-gb <gb>', 'size of the world files (default cost.worldSizeGb from the config, 0.2)')
    .option(
      '--world <path>',
      'measure a world on this machine instead (its folder, .fwl/.db, worlds_local or a .zip): real file sizes',
    )
    .option('--json', 'print one JSON object')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Uses the region, task size, Spot, backup retention and DNS settings from the config. The actual bill is
in Discord (/valheim cost, with cost.costExplorer true) or the AWS Billing console.

Examples:
  npx valheim cost estimate --hours-per-month 60 --world-size-gb 0.3
  npx valheim cost estimate --world ~/AppData/LocalLow/IronGate/Valheim/worlds_local`,
    )
    .action((options: CostEstimateOptions) => {
      costEstimate(options, deps);
    });
  return cost;
}
