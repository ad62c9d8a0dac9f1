import { describe, expect, it } from 'vitest';
import {
  type DoctorCheck,
  type DoctorContext,
  fail,
  NEEDS,
  type Outcome,
  ok,
} from '../../src/cli/doctor/check.js';
import { DOCTOR_CHECKS } from '../../src/cli/doctor/checks/index.js';
import { formatCheck, runChecks, summary } from '../../src/cli/doctor/runner.js';
import { run } from '../../src/cli/program.js';
import { loadConfig } from '../../src/config/load.js';
import { cliDeps, writeConfig } from './helpers.js';

/** A context with no AWS or Discord behind it: these checks never call out. */
function context(): DoctorContext {
  return {
    config: loadConfig(writeConfig()),
    env: {},
    found: {},
    aws: {} as DoctorContext['aws'],
    discord: () => {
      throw new Error('no Discord in this test');
    },
  };
}

describe('the doctor runner', () => {
  it('runs the checks in order, skips one whose precondition is unmet with the first unmet reason, and leaves out one that does not apply', async () => {
    // Given credentials that fail, a check that needs them, one that needs the region after them, and one
    // that does not apply to this config
    const probed: string[] = [];
    const probe = (name: string, outcome: Outcome) => () => {
      probed.push(name);
      return outcome;
    };
    const checks: DoctorCheck[] = [
      { name: 'first', probe: probe('first', fail('broken', 'mend it')) },
      { name: 'second', needs: [NEEDS.aws, NEEDS.region], probe: probe('second', ok('x')) },
      { name: 'third', appliesTo: () => false, probe: probe('third', ok('x')) },
      { name: 'fourth', probe: probe('fourth', ok('fine')) },
    ];
    // When
    const printed: string[] = [];
    const report = await runChecks(checks, context(), (line) => printed.push(formatCheck(line)));
    // Then
    expect(probed).toEqual(['first', 'fourth']);
    expect(printed).toEqual([
      '✗ first: broken — mend it',
      '– second: skipped: needs working AWS credentials',
      '✓ fourth: fine',
    ]);
    expect(report.ok).toBe(false);
    expect(summary(report)).toBe('1 problem(s): fix the first ✗ first, the later ones may follow from it.');
  });

  it('names the second precondition once the first holds', async () => {
    // Given credentials that worked but a region that did not
    const given = context();
    given.found.account = '111122223333';
    const check: DoctorCheck = { name: 'bootstrap', needs: [NEEDS.aws, NEEDS.region], probe: () => ok('x') };
    // When
    const report = await runChecks([check], given);
    // Then
    expect(report.checks).toEqual([
      { check: 'bootstrap', state: 'skip', detail: 'skipped: needs the region eu-central-1' },
    ]);
    expect(summary(report)).toBe('Everything checked is fine.');
  });

  it('lists every check by name, in order, in valheim doctor --help', async () => {
    // When
    const deps = cliDeps({});
    await run(['doctor', '--help'], deps);
    // Then
    const help = deps.term.stdout.join('\n').replace(/\s+/g, ' ');
    expect(help).toContain(`Checks, in order: ${DOCTOR_CHECKS.map((check) => check.name).join(', ')}.`);
    expect(new Set(DOCTOR_CHECKS.map((check) => check.name)).size).toBe(DOCTOR_CHECKS.length);
  });
});
