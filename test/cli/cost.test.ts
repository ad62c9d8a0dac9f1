import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { costEstimate } from '../../src/cli/commands/cost.js';
import { run } from '../../src/cli/program.js';
import { loadConfig } from '../../src/config/load.js';
import { type Estimate, estimateCost, formatEstimate } from '../../src/cost/estimate.js';
import { footprintOfFiles } from '../../src/cost/world-footprint.js';
import { captureTerminal, cliDeps, writeConfig } from './helpers.js';

/** Offline: any AWS client the command asked for would throw. */
function offlineDeps(env: NodeJS.ProcessEnv = {}) {
  const unused = () => {
    throw new Error('cost estimate must not call AWS');
  };
  return cliDeps(env, {
    ssm: unused as (region: string) => SSMClient,
    ecs: unused as (region: string) => ECSClient,
  });
}

describe('valheim cost estimate', () => {
  it('prints the estimate table for 40 hours a month by default, offline', async () => {
    // Given the example config
    const config = writeConfig();
    const d = offlineDeps({ VALHEIM_CONFIG: config });

    // When
    const code = await run(['cost', 'estimate'], d);

    // Then it is the shared table, with the config's world size (default 0.2 GB)
    expect(code).toBe(0);
    const expected = formatEstimate(
      estimateCost(loadConfig(config), { hoursPerMonth: 40, worldSizeGb: 0.2 }),
    );
    expect(d.term.stdout.join('\n')).toBe(expected);
    expect(d.term.stdout[0]).toBe(
      'Estimated cost in eu-central-1 for 40 hours of play a month (USD, list prices)',
    );
    expect(d.term.stderr).toEqual([]);
  });

  it('takes the hours and the world size from the flags, and prints JSON with --json', () => {
    // Given
    const config = writeConfig({ task: { cpu: 2048, memoryMiB: 8192, spot: true } });
    const term = captureTerminal();

    // When
    costEstimate({ config, hoursPerMonth: '100', worldSizeGb: '1.5', json: true }, { term });

    // Then
    expect(term.stdout).toHaveLength(1);
    const estimate = JSON.parse(term.stdout[0] ?? '') as Estimate;
    expect(estimate).toEqual(
      JSON.parse(JSON.stringify(estimateCost(loadConfig(config), { hoursPerMonth: 100, worldSizeGb: 1.5 }))),
    );
    expect(estimate.hoursPerMonth).toBe(100);
    expect(estimate.playing[0]?.item).toContain('Spot');
    expect(estimate.totalMonthly).toBeCloseTo(estimate.idleMonthly + estimate.perHour * 100, 9);
  });

  it('accepts the bounds 0 and 744 hours', () => {
    for (const hours of ['0', '744']) {
      const term = captureTerminal();
      costEstimate({ config: writeConfig(), hoursPerMonth: hours }, { term });
      expect(term.stdout[0]).toContain(`for ${hours} hours of play a month`);
    }
  });

  it.each(['745', '-1', 'forty', '1e3', ''])(
    'rejects --hours-per-month %j in one line (exit 1)',
    async (hours) => {
      // Given
      const d = offlineDeps({ VALHEIM_CONFIG: writeConfig() });

      // When
      const code = await run(['cost', 'estimate', '--hours-per-month', hours], d);

      // Then
      expect(code).toBe(1);
      expect(d.term.stdout).toEqual([]);
      expect(d.term.stderr).toEqual([
        `valheim: --hours-per-month "${hours}" is not a number of hours from 0 to 744 — pass the hours the server runs a month, e.g. --hours-per-month 40 (744 = always on)`,
      ]);
    },
  );

  it('rejects a world size that is not more than 0 GB', async () => {
    // Given
    const d = offlineDeps({ VALHEIM_CONFIG: writeConfig() });

    // When
    const code = await run(['cost', 'estimate', '--world-size-gb', '0'], d);

    // Then
    expect(code).toBe(1);
    expect(d.term.stderr).toEqual([
      expect.stringMatching(/^valheim: --world-size-gb "0" is not a size .* — /),
    ]);
  });

  it('measures a world on this machine with --world: file count, the share in big files, what IA bills', async () => {
    // Given a Valheim 1.0 world folder: four small files and two chunks of 300 KiB
    const root = mkdtempSync(join(tmpdir(), 'cost-world-'));
    const world = join(root, 'worlds_local', 'Dedicated');
    mkdirSync(world, { recursive: true });
    for (const [name, size] of [
      ['_main.4.fwl2', 120],
      ['_main.4.db2', 40 * 1024],
      ['_main.4.chunks', 2 * 1024],
      ['_main.4.ok', 4],
      ['1e_1e__1_7.chunk', 300 * 1024],
      ['1e_1f__1_3.chunk', 300 * 1024],
    ] as const) {
      writeFileSync(join(world, name), Buffer.alloc(size));
    }
    const config = writeConfig();
    const d = offlineDeps({ VALHEIM_CONFIG: config });

    // When
    const code = await run(
      ['cost', 'estimate', '--world', join(root, 'worlds_local'), '--hours-per-month', '0'],
      d,
    );

    // Then it says what it measured, and the estimate is priced from those files
    expect(code).toBe(0);
    const total = 120 + 40 * 1024 + 2 * 1024 + 4 + 600 * 1024;
    const share = Math.round(((600 * 1024) / total) * 100);
    expect(d.term.stdout[0]).toBe(
      `Measured Dedicated (Valheim 1.0 folder): 6 files, ${Math.round((total / 1024 ** 2) * 10) / 10} MB.`,
    );
    expect(d.term.stdout[1]).toBe(
      `${share} % of its bytes are in files of 128 KiB or more; 4 smaller files bill 128 KiB each in EFS Infrequent Access, which bills ${Math.round(((4 * 128 + 600) / 1024) * 10) / 10} MB for the world in all.`,
    );
    const sizes = [120, 40 * 1024, 2 * 1024, 4, 300 * 1024, 300 * 1024];
    const expected = formatEstimate(
      estimateCost(loadConfig(config), { hoursPerMonth: 0, world: footprintOfFiles(sizes) }),
    );
    expect(d.term.stdout.slice(3).join('\n')).toBe(expected);
    expect(expected).not.toContain('--world <folder> measures yours');
  });

  it('says in one line what is wrong with --world, and refuses it together with --world-size-gb', async () => {
    const config = writeConfig();
    const missing = offlineDeps({ VALHEIM_CONFIG: config });
    expect(await run(['cost', 'estimate', '--world', '/nonexistent/world'], missing)).toBe(1);
    expect(missing.term.stderr).toEqual(['valheim: /nonexistent/world does not exist — check the path']);
    const both = offlineDeps({ VALHEIM_CONFIG: config });
    expect(await run(['cost', 'estimate', '--world', '/tmp', '--world-size-gb', '1'], both)).toBe(1);
    expect(both.term.stderr[0]).toMatch(/--world and --world-size-gb both give the world's size — pass one/);
  });
});
