import type { Terminal } from '../io.js';
import type { CheckLine, CheckState, DoctorCheck, DoctorContext } from './check.js';

const SYMBOL: Record<CheckState, string> = { ok: '✓', fail: '✗', skip: '–' };

export function formatCheck(line: CheckLine): string {
  return `${SYMBOL[line.state]} ${line.check}: ${line.detail}${line.fix ? ` — ${line.fix}` : ''}`;
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly checks: readonly CheckLine[];
}

/**
 * Runs the checks in order, one line each as it completes: a check whose precondition an earlier link did
 * not establish is skipped (–) with that reason instead of piling up ✗ that all follow from one cause.
 * With `json`, nothing is printed per check and the caller prints the report.
 */
export async function runChecks(
  checks: readonly DoctorCheck[],
  context: DoctorContext,
  print?: (line: CheckLine) => void,
): Promise<DoctorReport> {
  const lines: CheckLine[] = [];
  for (const check of checks) {
    if (check.appliesTo && !check.appliesTo(context.config)) continue;
    const unmet = check.needs?.find((requirement) => !requirement.met(context));
    const outcome = unmet
      ? { state: 'skip' as const, detail: `skipped: needs ${unmet.missing(context)}` }
      : await check.probe(context);
    const line: CheckLine = { check: check.name, ...outcome };
    lines.push(line);
    print?.(line);
  }
  return { ok: lines.every((line) => line.state !== 'fail'), checks: lines };
}

/** The closing line: all fine, or how many problems and where to start. */
export function summary(report: DoctorReport): string {
  const problems = report.checks.filter((line) => line.state === 'fail').length;
  return report.ok
    ? 'Everything checked is fine.'
    : `${problems} problem(s): fix the first ✗ first, the later ones may follow from it.`;
}

/** Prints the report as the terminal or `--json` wants it. */
export function printReport(report: DoctorReport, term: Terminal, json: boolean): void {
  term.out(json ? JSON.stringify(report, null, 2) : summary(report));
}
