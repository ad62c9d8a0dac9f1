import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/*
 * `npm test` after Biome: the type check and vitest side by side. tsc is one thread for about 25 CPU seconds
 * (it parses aws-cdk-lib's and the AWS SDK's 1.6 million lines of declarations), and vitest keeps both cores
 * busy only until its last files; one after the other, the type check alone was a quarter of npm test's wall
 * time on a 2-core machine (docs/developing.md, "Where the suite's time goes"). vitest prints as it runs; what
 * tsc says comes after it, and either failing fails npm test. Arguments go to vitest
 * (`npm test -- test/cli`).
 */

export interface Step {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Print its output as it comes (one step only), or collect it and print it when all have ended. */
  readonly live?: boolean;
}

export interface StepResult {
  readonly name: string;
  readonly code: number;
  readonly output: string;
}

/** Runs the steps at the same time; resolves when all have ended, each with its exit code and collected output. */
export async function runTogether(steps: readonly Step[]): Promise<StepResult[]> {
  return Promise.all(
    steps.map(
      (step) =>
        new Promise<StepResult>((resolve) => {
          const child = spawn(step.command, step.args, { stdio: step.live ? 'inherit' : 'pipe' });
          const chunks: Buffer[] = [];
          child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
          child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
          child.on('error', (error) => chunks.push(Buffer.from(`${step.name}: ${error.message}\n`)));
          child.on('close', (code, signal) =>
            resolve({
              name: step.name,
              code: code ?? (signal ? 1 : 0),
              output: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        }),
    ),
  );
}

/** One line per step that failed, after their collected output; the exit code npm test ends with. */
export function report(results: readonly StepResult[], write: (text: string) => void): number {
  for (const { name, output } of results) if (output.trim()) write(`\n${name}:\n${output.trimEnd()}\n`);
  const failed = results.filter(({ code }) => code !== 0);
  for (const { name, code } of failed) write(`npm test: ${name} failed (exit code ${code})\n`);
  return failed.length === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // The tools' own scripts, run by this Node.js (no shell, so the same on every platform).
  const tool = (path: string) => fileURLToPath(new URL(`../node_modules/${path}`, import.meta.url));
  const results = await runTogether([
    {
      name: 'vitest run',
      command: process.execPath,
      args: [tool('vitest/vitest.mjs'), 'run', ...process.argv.slice(2)],
      live: true,
    },
    { name: 'tsc --noEmit', command: process.execPath, args: [tool('typescript/bin/tsc'), '--noEmit'] },
  ]);
  process.exitCode = report(results, (text) => process.stdout.write(text));
}
