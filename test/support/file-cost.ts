import { appendFileSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { afterAll, expect } from 'vitest';
import type { FileCost } from './cost-reporter.js';

/** Where the previous file of this worker ended, for workers that run several files (isolate: false). */
const MARK = Symbol.for('valheim.test-cost.mark');
type Marked = typeof globalThis & { [MARK]?: { cpu: number; children: number } };

/** CPU seconds of this process and of the children it waited for (Linux: /proc/self/stat). */
function cpuNow(): { cpu: number; children: number } {
  const { user, system } = process.cpuUsage();
  let children = 0;
  try {
    // Fields after the command name: state is field 3, cutime 16 and cstime 17 (in clock ticks, 100 a second).
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    children = (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    // not Linux: children unknown
  }
  return { cpu: (user + system) / 1e6, children };
}

/** Appends this file's cost to `log` when the file's tests are done. */
export function recordFileCost(log: string): void {
  afterAll(() => {
    const marked = globalThis as Marked;
    const since = marked[MARK] ?? { cpu: 0, children: 0 };
    const now = cpuNow();
    marked[MARK] = now;
    const file = relative(process.cwd(), expect.getState().testPath ?? '');
    const cost: FileCost = { file, cpu: now.cpu - since.cpu, children: now.children - since.children };
    appendFileSync(log, `${JSON.stringify(cost)}\n`);
  });
}
