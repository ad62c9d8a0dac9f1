import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CiAccessStack } from '../../infra/ci-access-stack.js';
import { type FakeAws, SESSION_KEY, startFakeAws } from './fake-aws.js';
import {
  eventArgs,
  Fixture,
  fixturePipeline,
  HOST_NODE_MODULES,
  INSTALL_STEP,
  type PipelineEvent,
  root,
} from './gitlab-ci-local.js';

/*
 * .gitlab-ci.yml checked with gitlab-ci-local 4.73: GitLab's CI schema, the rules per pipeline event
 * (--list-csv), and real runs of the lint, diff and deploy jobs with the shell executor against a fake AWS.
 * All of it in temporary git repositories (see ./gitlab-ci-local.ts); nothing needs the network.
 *
 * `npm run test:pipelines` runs this file (vitest.pipelines.config.ts), `npm test` does not: each
 * gitlab-ci-local call is a Node.js process of about a CPU second, a dozen of them even for the rule listings,
 * which was the largest single cost of the suite. .ci/run and the GitHub workflow run both.
 */

const pipelineSource = readFileSync(join(root, '.gitlab-ci.yml'), 'utf8');

// Pipeline events as GitLab describes them with predefined variables.
const branchPush = (branch: string, isProtected = false): PipelineEvent => ({
  variables: {
    CI_PIPELINE_SOURCE: 'push',
    CI_COMMIT_BRANCH: branch,
    CI_COMMIT_REF_NAME: branch,
    CI_COMMIT_REF_PROTECTED: String(isProtected),
  },
});
const mergeRequest: PipelineEvent = {
  variables: {
    CI_PIPELINE_SOURCE: 'merge_request_event',
    CI_MERGE_REQUEST_IID: '1',
    CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature/bigger-world',
    CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
    CI_COMMIT_REF_NAME: 'feature/bigger-world',
    CI_COMMIT_REF_PROTECTED: 'false',
  },
  // Merge request pipelines have no CI_COMMIT_BRANCH.
  unset: ['CI_COMMIT_BRANCH'],
};
const tagPush = (tag: string, isProtected: boolean): PipelineEvent => ({
  variables: {
    CI_PIPELINE_SOURCE: 'push',
    CI_COMMIT_TAG: tag,
    CI_COMMIT_REF_NAME: tag,
    CI_COMMIT_REF_PROTECTED: String(isProtected),
  },
  // Tag pipelines have no CI_COMMIT_BRANCH.
  unset: ['CI_COMMIT_BRANCH'],
});

/*
 * Job runs use --force-shell-executor (the host shell; `image:` is ignored) and --shell-isolation (a copy of the
 * tracked files, as on a runner). The install step is swapped for a link to this project's node_modules
 * because `npm ci` needs the registry. None of the jobs run here starts vitest, so nothing recurses; and inside
 * any GitLab or gitlab-ci-local job (CI_JOB_NAME is set) the runs are skipped: there, the pipeline itself is the
 * real run. gitlab-ci-local copies files with rsync.
 */
const insideCiJob = process.env.CI_JOB_NAME !== undefined;
/** Job runs need rsync (.ci/run installs it before `npm run test:pipelines`). */
const describeJobRuns = (name: string, body: () => void) => describe.skipIf(insideCiJob)(name, body);
const JOB_RUN = ['--force-shell-executor', '--shell-isolation'];

function requireRsync(): void {
  if (spawnSync('rsync', ['--version']).error) {
    throw new Error('gitlab-ci-local needs rsync: apt-get install -y rsync');
  }
}

describe('.gitlab-ci.yml', () => {
  let fixture: Fixture;
  beforeAll(() => {
    fixture = new Fixture();
    fixture.write('src/ok.ts', 'export const answer = 42;\n');
  });
  afterAll(() => fixture?.remove());

  it('is valid for GitLab (gitlab-ci-local checks it against GitLab’s CI schema)', async () => {
    // When the unmodified file is parsed
    const result = await fixture.run(['--file', 'original-gitlab-ci.yml', '--list-csv']);
    // Then
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toContain('json schema validated');
  });

  it('is rejected when broken (so the check above means something)', async () => {
    // Given a misspelt keyword
    fixture.write('broken-gitlab-ci.yml', pipelineSource.replace('stage: synth', 'stgae: synth'));
    // When
    const result = await fixture.run(['--file', 'broken-gitlab-ci.yml', '--list-csv']);
    // Then
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/stgae/);
  });

  describe('runs exactly these jobs', () => {
    const names = async (event: PipelineEvent) => (await fixture.list(event)).jobs.map((job) => job.name);

    it('on a push to a branch: lint, test, synth', async () => {
      expect(await names(branchPush('feature/bigger-world'))).toEqual(['lint', 'test', 'synth']);
    });

    it('on a push to the protected default branch: lint, test, synth (no deploy from branches)', async () => {
      expect(await names(branchPush('main', true))).toEqual(['lint', 'test', 'synth']);
    });

    it('on a push to a branch with an open merge request: no branch pipeline (the MR pipeline runs)', async () => {
      // Given
      const { variables } = branchPush('feature/bigger-world');
      // When
      const pipeline = await fixture.list({
        variables: { ...variables, CI_OPEN_MERGE_REQUESTS: 'group/valheim!1' },
      });
      // Then
      expect(pipeline).toEqual({ created: false, jobs: [] });
    });

    it('on a merge request: lint, test, synth, diff', async () => {
      expect(await names(mergeRequest)).toEqual(['lint', 'test', 'synth', 'diff']);
    });

    it('on a protected version tag: lint, test, synth, deploy to production', async () => {
      // When
      const pipeline = await fixture.list(tagPush('v1.2.3', true));
      // Then
      expect(pipeline.jobs).toEqual([
        { name: 'lint', stage: 'test', when: 'on_success', environment: '' },
        { name: 'test', stage: 'test', when: 'on_success', environment: '' },
        { name: 'synth', stage: 'synth', when: 'on_success', environment: '' },
        { name: 'deploy', stage: 'deploy', when: 'on_success', environment: 'production' },
      ]);
    });

    it('on an unprotected version tag: no deploy', async () => {
      expect(await names(tagPush('v1.2.3', false))).toEqual(['lint', 'test', 'synth']);
    });

    it.each(['v1.2', 'release-1.2.3', 'latest'])(
      'on a protected tag that is no version (%s): no deploy',
      async (tag) => {
        expect(await names(tagPush(tag, true))).toEqual(['lint', 'test', 'synth']);
      },
    );

    it('never runs a job manually, and every artifact a job uses comes from a job of the same pipeline', async () => {
      for (const event of [mergeRequest, tagPush('v1.2.3', true)]) {
        // When
        const pipeline = await fixture.list(event);
        const chain = await fixture.run([...eventArgs(event), '--validate-dependency-chain']);
        // Then
        expect(pipeline.jobs.filter((job) => job.when !== 'on_success')).toEqual([]);
        expect(chain.status, chain.stdout + chain.stderr).toBe(0);
      }
    });
  });

  describeJobRuns('lint job, run with gitlab-ci-local', () => {
    const runLint = () => {
      requireRsync();
      return fixture.run([...JOB_RUN, '--variable', `HOST_NODE_MODULES=${HOST_NODE_MODULES}`, 'lint']);
    };

    it('passes on clean code, running the install step and `npm run lint` in a copy of the repository', async () => {
      // When
      const result = await runLint();
      // Then
      const output = result.stdout + result.stderr;
      expect(result.status, output).toBe(0);
      expect(output).toContain('$ ln -s "$HOST_NODE_MODULES" node_modules');
      expect(output).toContain('$ npm run lint');
      expect(output).toMatch(/Checked \d+ files?/);
      expect(output).toMatch(/PASS\s+lint/);
    });

    it('fails on a lint error', async () => {
      // Given
      fixture.write('src/bad.ts', 'export function stop(): void {\n  debugger;\n}\n');
      // When
      const result = await runLint();
      // Then
      const output = result.stdout + result.stderr;
      expect(result.status, output).not.toBe(0);
      expect(output).toContain('noDebugger');
      expect(output).toMatch(/FAIL\s+lint/);
    });
  });
});

/** The actions CiAccessStack grants a role (by its description), from the synthesized template. */
function grantedActions(template: Template, description: RegExp): string[] {
  const [roleId] = Object.entries(template.findResources('AWS::IAM::Role')).find(([, role]) =>
    description.test(String((role.Properties as { Description: string }).Description)),
  ) ?? [''];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .map(
      (policy) =>
        policy.Properties as {
          Roles: Array<{ Ref: string }>;
          PolicyDocument: { Statement: Array<{ Action: string | string[] }> };
        },
    )
    .filter((policy) => policy.Roles.some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.PolicyDocument.Statement.flatMap((statement) => statement.Action));
}

describeJobRuns('diff and deploy jobs, run with gitlab-ci-local against a fake AWS', () => {
  const DIFF_ROLE = 'arn:aws:iam::123456789012:role/valheim-ci-diff';
  const DEPLOY_ROLE = 'arn:aws:iam::123456789012:role/valheim-ci-deploy';
  const ID_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.fake-gitlab-id-token.signature';
  let fixture: Fixture;
  let aws: FakeAws;
  let ciAccess: Template;

  beforeAll(async () => {
    requireRsync();
    // The deploy job runs the valheim CLI (bin/, src/) with the config named by VALHEIM_CONFIG.
    fixture = new Fixture(['bin', 'src', 'tsconfig.json', 'valheim.config.example.json']);
    // What the synth job hands on (its artifact): a small cloud assembly with a stack of the game's name.
    const app = new App({ outdir: join(fixture.artifactsOf('synth'), 'cdk.out') });
    const stack = new Stack(app, 'valheim-ondemand', { env: { region: 'eu-central-1' } });
    new CfnResource(stack, 'Topic', { type: 'AWS::SNS::Topic' });
    app.synth();
    // The roles the jobs are meant to run with.
    ciAccess = Template.fromStack(
      new CiAccessStack(new App(), 'CiAccess', { gitlabProjectPath: 'group/valheim' }),
    );
    aws = await startFakeAws();
  });
  afterAll(async () => {
    await aws?.close();
    fixture?.remove();
  });

  /** Runs `job` for `event` with what GitLab would provide (the ID token, the CI/CD variables). */
  async function runJob(job: string, event: PipelineEvent, variables: Record<string, string>) {
    const before = aws.calls.length;
    const result = await fixture.run(
      [
        ...eventArgs(event),
        ...Object.entries({
          HOST_NODE_MODULES,
          // GitLab puts the id_tokens token into AWS_ID_TOKEN; gitlab-ci-local does not mint tokens.
          AWS_ID_TOKEN: ID_TOKEN,
          VALHEIM_CONFIG: join(fixture.dir, 'valheim.config.example.json'),
          AWS_ENDPOINT_URL: aws.url,
          AWS_EC2_METADATA_DISABLED: 'true',
          ...variables,
        }).flatMap(([name, value]) => ['--variable', `${name}=${value}`]),
        ...JOB_RUN,
        job,
      ],
      90_000,
    );
    return { ...result, output: result.stdout + result.stderr, calls: aws.calls.slice(before) };
  }

  it('diff: takes the diff role from the ID token and reads no more than that role may', async () => {
    // When
    const run = await runJob('diff', mergeRequest, { AWS_DIFF_ROLE_ARN: DIFF_ROLE });
    // Then the job shows the diff of the synthesized stack against the deployed one
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('$ npx cdk diff --app cdk.out --method template');
    expect(run.output).toMatch(/\[\+\] AWS::SNS::Topic Topic/);
    // And the SDK itself exchanged the job's token for the diff role, with the job's session name
    const [first, ...rest] = run.calls;
    expect(first).toMatchObject({
      action: 'sts:AssumeRoleWithWebIdentity',
      signedWith: 'unsigned',
      params: {
        RoleArn: DIFF_ROLE,
        WebIdentityToken: ID_TOKEN,
        RoleSessionName: expect.stringMatching(/^gitlab-\d+-\d+$/),
      },
    });
    expect(rest.every((call) => call.signedWith === SESSION_KEY)).toBe(true);
    // And its only refused call is the CDK lookup role the diff role may not assume (the CLI then reads itself)
    expect(rest.filter((call) => call.failed).map((call) => [call.action, call.params.RoleArn])).toEqual([
      [
        'sts:AssumeRole',
        'arn:aws:iam::123456789012:role/cdk-hnb659fds-lookup-role-123456789012-eu-central-1',
      ],
    ]);
    // And everything else it did is granted to CiAccessStack's diff role (GetCallerIdentity needs no grant)
    const used = [...new Set(rest.filter((call) => !call.failed).map((call) => call.action))];
    expect(used).toContain('cloudformation:GetTemplate');
    const granted = grantedActions(ciAccess, /read-only diff/);
    expect(used.filter((action) => action !== 'sts:GetCallerIdentity' && !granted.includes(action))).toEqual(
      [],
    );
  });

  it('deploy: takes the deploy role from the ID token and refuses while the game server runs', async () => {
    // When (the fake ECS reports a running server)
    const run = await runJob('deploy', tagPush('v1.2.3', true), { AWS_DEPLOY_ROLE_ARN: DEPLOY_ROLE });
    // Then the job fails before CloudFormation is touched
    expect(run.status, run.output).not.toBe(0);
    expect(run.output).toContain('$ node bin/valheim.js deploy -- --app cdk.out --require-approval never');
    expect(run.output).toMatch(/the server is running/);
    expect(run.calls.map((call) => call.action)).toEqual([
      'sts:AssumeRoleWithWebIdentity',
      'ecs:DescribeServices',
    ]);
    expect(run.calls[0]?.params).toMatchObject({ RoleArn: DEPLOY_ROLE, WebIdentityToken: ID_TOKEN });
    // And it asked ECS with the deploy role's session, which CiAccessStack allows to do just that
    expect(run.calls[1]).toMatchObject({
      signedWith: SESSION_KEY,
      params: { cluster: 'valheim-ondemand', services: ['valheim-ondemand-server'] },
    });
    expect(grantedActions(ciAccess, /deploy from protected version tags/)).toContain('ecs:DescribeServices');
  });

  it('diff and deploy stop with a clear message when the role variable is missing', async () => {
    // When
    const run = await runJob('diff', mergeRequest, {});
    // Then
    expect(run.status).not.toBe(0);
    expect(run.output).toContain(
      'set the CI/CD variable AWS_DEPLOY_ROLE_ARN (protected) or AWS_DIFF_ROLE_ARN',
    );
    expect(run.calls).toEqual([]);
  });
});

describe('fixturePipeline', () => {
  it('swaps only the install step and adds the workflow probe', () => {
    // When
    const derived = fixturePipeline(pipelineSource);
    // Then
    expect(derived).not.toContain(INSTALL_STEP);
    expect(derived.startsWith(pipelineSource.slice(0, pipelineSource.indexOf(INSTALL_STEP)))).toBe(true);
    expect(derived).toMatch(
      /\nworkflow-probe:\n {2}stage: test\n {2}rules: !reference \[workflow, rules\]\n/,
    );
  });

  it('refuses a pipeline whose install step changed', () => {
    expect(() => fixturePipeline(pipelineSource.replace(INSTALL_STEP, '- npm install'))).toThrow(
      /should install with "- npm ci/,
    );
  });
});
