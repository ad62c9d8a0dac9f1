import { existsSync, readFileSync, rmSync } from 'node:fs';
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * What each test file costs: `npm run test:cost` (docs/developing.md, "Where the suite's time goes").
 *
 * Wall-clock numbers on a shared 2-core machine say more about the neighbours than about the tests, so this
 * reports CPU time as well: test/setup.ts appends, per file, the CPU its worker process and the processes
 * it waited for used (from /proc/self/stat) to the file named by VALHEIM_TEST_COST. The reporter prints the
 * files that cost most, with vitest's own split of the wall time (import vs tests), and the totals.
 */

export interface FileCost {
  readonly file: string;
  /** CPU seconds of the worker process (user + sys), from its start or from the previous file's end. */
  readonly cpu: number;
  /** CPU seconds of child processes the file started and waited for. */
  readonly children: number;
}

interface Row {
  file: string;
  importSeconds: number;
  testSeconds: number;
  cpu: number;
  children: number;
}

/** CPU seconds of this (vitest's main) process so far. */
function mainCpu(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

export default class CostReporter implements Reporter {
  private readonly rows = new Map<string, Row>();
  private readonly log = process.env.VALHEIM_TEST_COST;
  private readonly top = Number(process.env.VALHEIM_TEST_COST_TOP ?? 25);

  onTestModuleEnd(module: TestModule): void {
    const diagnostic = module.diagnostic();
    const file = relative(process.cwd(), module.moduleId);
    this.rows.set(file, {
      file,
      importSeconds:
        (diagnostic.collectDuration + diagnostic.setupDuration + diagnostic.prepareDuration) / 1000,
      testSeconds: diagnostic.duration / 1000,
      cpu: 0,
      children: 0,
    });
  }

  onTestRunEnd(): void {
    if (this.log && existsSync(this.log)) {
      for (const line of readFileSync(this.log, 'utf8').split('\n').filter(Boolean)) {
        const cost = JSON.parse(line) as FileCost;
        const row = this.rows.get(cost.file);
        if (row) {
          row.cpu += cost.cpu;
          row.children += cost.children;
        }
      }
      rmSync(this.log, { force: true });
    }
    const rows = [...this.rows.values()];
    const sum = (pick: (row: Row) => number) => rows.reduce((total, row) => total + pick(row), 0);
    const seconds = (value: number) => value.toFixed(1).padStart(6);
    const lines = [
      '',
      `The ${Math.min(this.top, rows.length)} costliest of ${rows.length} test files (seconds; CPU = the worker's, + children = processes it ran):`,
      `${'CPU'.padStart(6)} ${'+child'.padStart(6)} ${'import'.padStart(6)} ${'tests'.padStart(6)}  file`,
      ...rows
        .sort((a, b) => b.cpu + b.children - (a.cpu + a.children) || b.testSeconds - a.testSeconds)
        .slice(0, this.top)
        .map(
          (row) =>
            `${seconds(row.cpu)} ${seconds(row.children)} ${seconds(row.importSeconds)} ${seconds(row.testSeconds)}  ${row.file}`,
        ),
      `${seconds(sum((row) => row.cpu))} ${seconds(sum((row) => row.children))} ${seconds(sum((row) => row.importSeconds))} ${seconds(sum((row) => row.testSeconds))}  total`,
      // The main process transforms every file the workers import and runs the reporters: not in any row.
      `${seconds(mainCpu())} ${''.padStart(6)} ${''.padStart(6)} ${''.padStart(6)}  vitest's main process`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
