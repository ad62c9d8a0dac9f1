import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const workflowsDir = join(root, '.github', 'workflows');
const validator = join(root, 'node_modules', '.bin', 'action-validator');
const workflows = readdirSync(workflowsDir).filter((file) => /\.ya?ml$/.test(file));

/** Runs @action-validator/cli (offline JSON-schema validation of a workflow file). */
function validate(file: string): { status: number | null; output: string } {
  const result = spawnSync(validator, [file], { encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const read = (file: string) => readFileSync(join(workflowsDir, file), 'utf8');

describe('GitHub Actions workflows', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'workflows-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('are the two expected files', () => {
    expect(workflows.sort()).toEqual(['ci.yml', 'deploy.yml']);
  });

  it.each(workflows)('%s passes action-validator', (file) => {
    // When
    const result = validate(join(workflowsDir, file));
    // Then
    expect(result).toEqual({ status: 0, output: '' });
  });

  it('action-validator rejects a broken workflow (so the checks above mean something)', () => {
    // Given a workflow with a misspelt job keyword and an invalid permission level
    const broken = join(scratch, 'broken.yml');
    writeFileSync(
      broken,
      [
        'name: broken',
        'on: push',
        'permissions:',
        '  id-token: writ',
        'jobs:',
        '  test:',
        '    runs-on: ubuntu-latest',
        '    stepz:',
        '      - run: npm test',
        '',
      ].join('\n'),
    );
    // When
    const result = validate(broken);
    // Then
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("Additional property 'stepz' is not allowed");
  });

  it('store no long-lived AWS keys and request ID tokens only where AWS is used', () => {
    for (const file of workflows) {
      expect(read(file)).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/i);
    }
    expect(read('ci.yml')).not.toContain('id-token');
    // Both AWS jobs in deploy.yml ask for an ID token and a role from a repository variable
    const deploy = read('deploy.yml');
    expect(deploy.match(/id-token: write/g)).toHaveLength(2);
    expect(deploy).toMatch(/role-to-assume: \$\{\{ vars\.AWS_DEPLOY_ROLE_ARN \}\}/);
    expect(deploy).toMatch(/role-to-assume: \$\{\{ vars\.AWS_DIFF_ROLE_ARN \}\}/);
  });

  it('deploys from the environment the deploy role trusts (CiAccessStack githubEnvironment default)', () => {
    // The role's trust is repo:OWNER/REPO:environment:production: a deploy job in another environment, or in
    // none, could not assume it.
    expect(read('deploy.yml')).toMatch(/\n {4}environment: production\n/);
  });
});
