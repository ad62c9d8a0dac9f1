import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import {
  addCiAccessStack,
  addValheimStack,
  buildConfiguredApp,
  CI_ACCESS_CONTEXT,
  DISCORD_DEPLOY_RUN_CONTEXT,
  discordDeployRun,
} from '../../infra/valheim-app.js';
import { chooseConfigFile } from '../../src/config/load.js';
import { appContext, exampleConfig } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('chooseConfigFile', () => {
  it('prefers the config context, then VALHEIM_CONFIG', () => {
    // When / Then
    expect(chooseConfigFile('from-context.json', 'from-env.json', () => false)).toEqual({
      file: 'from-context.json',
    });
    expect(chooseConfigFile(undefined, 'from-env.json', () => false)).toEqual({ file: 'from-env.json' });
  });

  it('reads valheim.config.json when nothing is named', () => {
    // Given the default file exists
    // When / Then
    expect(chooseConfigFile(undefined, undefined, (file) => file === 'valheim.config.json')).toEqual({
      file: 'valheim.config.json',
    });
  });

  it('falls back to the example with a one-line warning when valheim.config.json is missing', () => {
    // When
    const choice = chooseConfigFile(undefined, '', () => false);
    // Then
    expect(choice.file).toBe('valheim.config.example.json');
    expect(choice.warning).toMatch(/using the example config .*"npx valheim setup"/);
    expect(choice.warning).not.toContain('\n');
  });
});

describe('discordDeployRun', () => {
  it('is the synth time, so each deploy gives the Discord wiring a new value', () => {
    // Given two synths an hour apart
    const at = (iso: string) => discordDeployRun(new App(), () => new Date(iso));
    // Then each gets its own value
    expect(at('2026-12-01T09:00:00Z')).toBe('2026-12-01T09:00:00.000Z');
    expect(at('2026-12-01T10:00:00Z')).toBe('2026-12-01T10:00:00.000Z');
  });

  it('is pinned by -c discordDeployRun=… for a reproducible template', () => {
    // Given the context value / Then it wins over the time
    const app = new App({ context: { [DISCORD_DEPLOY_RUN_CONTEXT]: 'pinned' } });
    expect(discordDeployRun(app, () => new Date())).toBe('pinned');
  });
});

describe('infra/app.ts', () => {
  /** The entry as the CDK CLI runs it: its own Node.js process (about 2 CPU seconds, so only where the exit shows). */
  function runApp(env: Record<string, string>) {
    return spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
  }

  it('prints one line per bad field and exits 1 without a stack trace', () => {
    // Given a config with two mistakes
    const dir = mkdtempSync(join(tmpdir(), 'valheim-infra-'));
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        region: 'mars-1',
        server: { name: 'Vikings', world: 'has spaces' },
        discord: {
          applicationId: '123456789012345678',
          publicKey: 'ab'.repeat(32),
          guildId: '234567890123456789',
        },
      }),
    );
    // When
    const result = runApp({ VALHEIM_CONFIG: file });
    // Then
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/region .*"mars-1"/),
      expect.stringMatching(/server\.world/),
    ]);
    for (const line of lines) expect(line.startsWith(`${file}: `)).toBe(true);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('buildConfiguredApp (what infra/app.ts runs)', () => {
  /** The app as the CDK CLI runs it, with `-c` values as context; what it prints, and its exit code. */
  function build(env: { VALHEIM_CONFIG?: string }, context: Record<string, unknown> = {}) {
    const app = new App({ context: { ...appContext({ bundling: false }), ...context } });
    const printed: string[] = [];
    const exitCode = buildConfiguredApp(app, env, (message) => printed.push(...message.split('\n')));
    return { app, exitCode, printed };
  }

  it('refuses server.imageTag "v1.2.0" at synth and names the tag that exists', () => {
    // Given the git tag's spelling of the image release
    const file = join(mkdtempSync(join(tmpdir(), 'valheim-infra-')), 'v-tag.json');
    const example = JSON.parse(readFileSync(join(root, 'valheim.config.example.json'), 'utf8'));
    writeFileSync(file, JSON.stringify({ ...example, server: { ...example.server, imageTag: 'v1.2.0' } }));
    // When
    const { exitCode, printed, app } = build({ VALHEIM_CONFIG: file });
    // Then
    expect(exitCode).toBe(1);
    expect(printed).toEqual([
      `${file}: server.imageTag "v1.2.0" has a "v", but image tags are the bare version: use "1.2.0"`,
    ]);
    expect(app.node.children).toEqual([]);
  });

  it('exits 1 with one line naming the valid options for a misspelled -c ciAccess… key, before building anything', () => {
    // Given the spelling the README used to show
    const context = { ciAccess: 'group/valheim', ciAccessGithub: 'owner/valheim' };
    // When
    const { exitCode, printed, app } = build({}, context);
    // Then
    expect(exitCode).toBe(1);
    expect(printed.at(-1)).toBe(
      '-c ciAccessGithub: not a CI access option; the options are ciAccess, ciAccessGitLabHost, ciAccessGitHub, ciAccessGitHubEnvironment, ciAccessExistingProviders (see docs/ci-cd.md)',
    );
    expect(app.node.children).toEqual([]);
  });

  it('exits 1 when a named config file does not exist', () => {
    // When
    const { exitCode, printed } = build({ VALHEIM_CONFIG: '/nonexistent/valheim.config.json' });
    // Then
    expect(exitCode).toBe(1);
    expect(printed).toEqual([
      expect.stringMatching(/^\/nonexistent\/valheim\.config\.json: not found; run "npx valheim setup"/),
    ]);
  });

  it('reads -c config=… before VALHEIM_CONFIG and builds the game stack from it', () => {
    // Given a valid config named by the context, and a missing one by the environment
    const file = join(mkdtempSync(join(tmpdir(), 'valheim-infra-')), 'named.json');
    const example = JSON.parse(readFileSync(join(root, 'valheim.config.example.json'), 'utf8'));
    writeFileSync(file, JSON.stringify({ ...example, stackName: 'from-context' }));
    // When
    const { exitCode, printed, app } = build({ VALHEIM_CONFIG: '/nonexistent.json' }, { config: file });
    // Then
    expect({ exitCode, printed }).toEqual({ exitCode: 0, printed: [] });
    expect(app.node.children.map((child) => child.node.id)).toEqual(['from-context']);
  });
});

describe('the CI access stack', () => {
  /** The app as infra/app.ts builds it, with extra context (`-c key=value`); nothing is bundled. */
  function buildApp(context: Record<string, string>) {
    const app = new App({ context: { ...appContext({ bundling: false }), ...context } });
    const config = exampleConfig({ tags: { owner: 'alice' } });
    addValheimStack(app, config);
    const ciAccess = addCiAccessStack(app, config);
    return { app, ciAccess };
  }

  it('is left out without the ciAccess context: only the game stack is synthesized', () => {
    // Given
    const { app, ciAccess } = buildApp({});
    // When
    const assembly = app.synth();
    // Then
    expect(ciAccess).toBeUndefined();
    expect(assembly.stacks.map((stack) => stack.stackName)).toEqual(['valheim-ondemand']);
    // And a blank value counts as none
    const blank = { [CI_ACCESS_CONTEXT.gitlab]: ' ', [CI_ACCESS_CONTEXT.github]: '' };
    expect(buildApp(blank).ciAccess).toBeUndefined();
  });

  it('is added as <stackName>-ci-access for a GitLab project, in the game region, with the game tags', () => {
    // Given
    const { app, ciAccess } = buildApp({ ciAccess: 'group/valheim' });
    // When (the checks run on both stacks: synth throws on any finding)
    const assembly = app.synth();
    // Then
    expect(assembly.stacks.map((stack) => stack.stackName).sort()).toEqual([
      'valheim-ondemand',
      'valheim-ondemand-ci-access',
    ]);
    expect(ciAccess?.region).toBe('eu-central-1');
    const template = Template.fromStack(ciAccess as NonNullable<typeof ciAccess>);
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.hasResourceProperties('AWS::IAM::OIDCProvider', { Url: 'https://gitlab.com' });
    expect(JSON.stringify(template.toJSON())).toContain('project_path:group/valheim:ref_type:tag:ref:v*');
    // And the deploy role may read the service of this game stack
    expect(JSON.stringify(template.toJSON())).toContain(':service/valheim-ondemand/valheim-ondemand-server');
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'project', Value: 'valheim-ondemand' },
          { Key: 'owner', Value: 'alice' },
        ]),
      );
    }
  });

  it('trusts a GitHub repository with ciAccessGitHub, alone or next to GitLab', () => {
    // When
    const github = buildApp({ ciAccessGitHub: 'owner/valheim' }).ciAccess;
    const both = buildApp({ ciAccess: 'group/valheim', ciAccessGitHub: 'owner/valheim' }).ciAccess;
    // Then
    const providers = (stack: typeof github) =>
      Object.values(
        Template.fromStack(stack as NonNullable<typeof stack>).findResources('AWS::IAM::OIDCProvider'),
      )
        .map((provider) => provider.Properties.Url)
        .sort();
    expect(providers(github)).toEqual(['https://token.actions.githubusercontent.com']);
    expect(providers(both)).toEqual(['https://gitlab.com', 'https://token.actions.githubusercontent.com']);
  });

  it('is checked by cdk-nag like the game stack', () => {
    // Given a finding nobody acknowledged in the CI access stack
    const { app, ciAccess } = buildApp({ ciAccess: 'group/valheim' });
    new s3.Bucket(ciAccess as NonNullable<typeof ciAccess>, 'UnloggedBucket');
    // When / Then
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });

  it('names a bad value with the -c option it came from', () => {
    // When / Then
    expect(() => buildApp({ ciAccess: 'group/*' })).toThrow(
      /^-c ciAccess: gitlabProjectPath must be .* "group\/\*" was provided/,
    );
    expect(() => buildApp({ ciAccess: 'g/p', ciAccessGitLabHost: 'https://gitlab.example.com' })).toThrow(
      /^-c ciAccessGitLabHost: gitlabHost must be a host name/,
    );
    expect(() => buildApp({ ciAccessGitHub: 'o/r', ciAccessGitHubEnvironment: 'prod*' })).toThrow(
      /^-c ciAccessGitHubEnvironment: githubEnvironment must be/,
    );
  });

  it.each(['ciAccessGithub', 'ciaccess', 'ciAccessGitlabHost', 'ciAccessGitHubEnv', 'ci-access'])(
    'fails on the misspelled key %s with the list of valid ones (a typo must not drop a trust silently)',
    (key) => {
      // When / Then
      expect(() => buildApp({ ciAccess: 'group/valheim', [key]: 'owner/valheim' })).toThrow(
        new RegExp(
          `^-c ${key}: not a CI access option; the options are ciAccess, ciAccessGitLabHost, ciAccessGitHub, ciAccessGitHubEnvironment, ciAccessExistingProviders`,
        ),
      );
    },
  );

  it('refuses an option without the project it belongs to', () => {
    // When / Then
    expect(() => buildApp({ ciAccessGitLabHost: 'gitlab.example.com' })).toThrow(
      '-c ciAccessGitLabHost needs -c ciAccess=group/project',
    );
    expect(() => buildApp({ ciAccess: 'g/p', ciAccessGitHubEnvironment: 'prod' })).toThrow(
      '-c ciAccessGitHubEnvironment needs -c ciAccessGitHub=owner/repo',
    );
    expect(() => buildApp({ ciAccess: 'g/p', ciAccessExistingProviders: 'gitlab,bitbucket' })).toThrow(
      /"bitbucket" is not a platform; use gitlab, github or gitlab,github/,
    );
    expect(() => buildApp({ ciAccess: 'g/p', ciAccessExistingProviders: 'github' })).toThrow(
      '-c ciAccessExistingProviders=github needs -c ciAccessGitHub as well',
    );
  });

  it('refers to the providers the account already has instead of creating them', () => {
    // When
    const { ciAccess } = buildApp({
      ciAccess: 'group/valheim',
      ciAccessGitHub: 'owner/valheim',
      ciAccessExistingProviders: 'gitlab, github',
    });
    // Then
    const template = Template.fromStack(ciAccess as NonNullable<typeof ciAccess>);
    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(JSON.stringify(template.toJSON())).toContain(':oidc-provider/gitlab.com');
  });
});

describe('the CI access command lines in the docs', () => {
  /** Every `npx cdk deploy …-ci-access -c k=v …` line of the README and docs/ci-cd.md, as context. */
  function documentedCommandLines(): Array<{ line: string; context: Record<string, string> }> {
    const found: Array<{ line: string; context: Record<string, string> }> = [];
    for (const file of ['README.md', 'docs/ci-cd.md']) {
      for (const match of readFileSync(join(root, file), 'utf8').matchAll(
        /npx cdk deploy valheim-ondemand-ci-access(?: -c [^\s`]+)+/g,
      )) {
        const line = match[0];
        const context = Object.fromEntries(
          [...line.matchAll(/-c ([^=\s]+)=([^\s`]+)/g)].map(([, key, value]) => [key, value]),
        ) as Record<string, string>;
        found.push({ line, context });
      }
    }
    return found;
  }

  /** [condition key, sub pattern] of each trust statement of the role with this description. */
  function trustOf(template: Template, description: RegExp) {
    const role = Object.values(template.findResources('AWS::IAM::Role')).find((r) =>
      description.test(String(r.Properties.Description)),
    ) as {
      Properties: {
        AssumeRolePolicyDocument: { Statement: Array<{ Condition: Record<string, Record<string, string>> }> };
      };
    };
    return role.Properties.AssumeRolePolicyDocument.Statement.map((statement) => statement.Condition);
  }

  const lines = documentedCommandLines();

  it('documents GitLab.com, self-managed GitLab, GitHub and both, and every option', () => {
    // Then
    expect(lines.length).toBeGreaterThanOrEqual(4);
    const keys = new Set(lines.flatMap(({ context }) => Object.keys(context)));
    expect([...keys].sort()).toEqual(Object.values(CI_ACCESS_CONTEXT).sort());
  });

  it.each(lines.map(({ line, context }) => [line, context] as const))(
    '%s synthesizes with the trust it promises',
    (_line, context) => {
      // Given the line's options (the tests above synthesize the game stack beside a CI access stack)
      const app = new App({ context: { ...appContext({ bundling: false }), ...context } });
      // When
      const ciAccess = addCiAccessStack(app, exampleConfig());
      app.synth();
      // Then every platform the line names is trusted, with its own host in the provider, aud and sub
      const template = Template.fromStack(ciAccess as NonNullable<typeof ciAccess>);
      const providers = Object.values(template.findResources('AWS::IAM::OIDCProvider')).map(
        (provider) => provider.Properties.Url,
      );
      const expectedDeploy: unknown[] = [];
      const expectedDiff: unknown[] = [];
      const trusted = (host: string, deploySub: string, diffSub: string) => {
        if (!context.ciAccessExistingProviders) expect(providers).toContain(`https://${host}`);
        const condition = (sub: string) => ({
          StringEquals: { [`${host}:aud`]: 'sts.amazonaws.com' },
          StringLike: { [`${host}:sub`]: sub },
        });
        expectedDeploy.push(condition(deploySub));
        expectedDiff.push(condition(diffSub));
      };
      const project = context.ciAccess;
      if (project) {
        const host = context.ciAccessGitLabHost ?? 'gitlab.com';
        trusted(host, `project_path:${project}:ref_type:tag:ref:v*`, `project_path:${project}:*`);
      }
      const repository = context.ciAccessGitHub;
      if (repository) {
        const environment = context.ciAccessGitHubEnvironment ?? 'production';
        trusted(
          'token.actions.githubusercontent.com',
          `repo:${repository}:environment:${environment}`,
          `repo:${repository}:pull_request`,
        );
      }
      expect(trustOf(template, /deploy from protected version tags/)).toEqual(expectedDeploy);
      expect(trustOf(template, /read-only diff/)).toEqual(expectedDiff);
      // And a self-managed GitLab is trusted instead of gitlab.com, never next to it
      if (context.ciAccessGitLabHost) expect(JSON.stringify(template.toJSON())).not.toContain('gitlab.com');
    },
  );
});
