import { Aws, CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { DEFAULT_BOOTSTRAP_QUALIFIER } from '../src/config/bootstrap-policy.js';
import { COST_TAG_KEY } from '../src/config/schema.js';
import { acknowledge, nagFinding } from './validations.js';

/** The audience both pipelines request for their ID token (GitLab `id_tokens: aud`, GitHub's default for AWS). */
export const CI_TOKEN_AUDIENCE = 'sts.amazonaws.com';
/** GitHub Actions' OIDC issuer host. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
/** GitLab.com, the issuer unless a self-managed host is named. */
export const DEFAULT_GITLAB_HOST = 'gitlab.com';
/** The GitHub environment the deploy job names (.github/workflows/deploy.yml). */
export const DEFAULT_GITHUB_ENVIRONMENT = 'production';
/** The CDK bootstrap roles `cdk deploy` assumes (bootstrap template v6+). */
export const CDK_BOOTSTRAP_ROLES = ['deploy', 'file-publishing', 'image-publishing', 'lookup'] as const;

export interface CiAccessStackProps extends StackProps {
  /**
   * GitLab project whose pipelines may use the roles, as "group/project" (subgroups allowed).
   * At least one of `gitlabProjectPath` and `githubRepository` is required.
   * @default - no GitLab trust
   */
  readonly gitlabProjectPath?: string;
  /**
   * Host name of the GitLab instance, without scheme or port; its OIDC issuer is `https://HOST`.
   * @default 'gitlab.com'
   */
  readonly gitlabHost?: string;
  /**
   * Whether to create the GitLab OIDC provider. An AWS account holds at most one provider per issuer URL:
   * set `false` when the account already has one for the GitLab host (it must list the client ID
   * `sts.amazonaws.com`).
   * @default true
   */
  readonly createGitlabProvider?: boolean;
  /**
   * GitHub repository whose workflows may use the roles, as "owner/repo".
   * @default - no GitHub trust
   */
  readonly githubRepository?: string;
  /**
   * GitHub environment of the deploy job. A job that names an environment gets the subject claim
   * `repo:OWNER/REPO:environment:NAME`; limit that environment to `v*` tags in the repository settings.
   * @default 'production'
   */
  readonly githubEnvironment?: string;
  /**
   * Whether to create the GitHub OIDC provider (`false` when the account already has one for
   * token.actions.githubusercontent.com with the client ID `sts.amazonaws.com`).
   * @default true
   */
  readonly createGithubProvider?: boolean;
  /**
   * Qualifier of the CDK bootstrap stack (`cdk bootstrap --qualifier`).
   * @default 'hnb659fds'
   */
  readonly bootstrapQualifier?: string;
  /**
   * Name of the game stack (`stackName` in valheim.config.json): the deploy role may read its ECS service
   * (the `valheim deploy` safety check), the diff role may read its template.
   * @default 'valheim-ondemand'
   */
  readonly gameStackName?: string;
}

/**
 * What a CI pipeline needs to reach AWS without stored keys: the OIDC provider(s) of GitLab and/or GitHub and
 * two roles. Deploy it once by hand (`-c ciAccess=group/project`), in the game's region and account.
 *
 * - Deploy role: only for protected version tags (GitLab: `v*` tags of the project; GitHub: jobs in the
 *   deploy environment). It may only assume the CDK bootstrap roles of this account and region (which do the
 *   actual deploy) and read the game's ECS service, which `valheim deploy` checks before deploying.
 * - Diff role: for any ref of the project (merge requests). It may only read the game stack's template and
 *   status in CloudFormation: no bootstrap role, so it cannot deploy, publish assets, or read anything else.
 */
export class CiAccessStack extends Stack {
  /** Assumed by deploy jobs of protected version tags. */
  public readonly deployRole: iam.Role;
  /** Assumed by diff jobs of merge requests (read-only). */
  public readonly diffRole: iam.Role;

  constructor(scope: Construct, id: string, props: CiAccessStackProps) {
    super(scope, id, props);
    const gitlabHost = props.gitlabHost ?? DEFAULT_GITLAB_HOST;
    const qualifier = props.bootstrapQualifier ?? DEFAULT_BOOTSTRAP_QUALIFIER;
    const gameStackName = props.gameStackName ?? 'valheim-ondemand';
    const githubEnvironment = props.githubEnvironment ?? DEFAULT_GITHUB_ENVIRONMENT;
    validateCiAccessProps({
      gitlabProjectPath: props.gitlabProjectPath,
      gitlabHost,
      githubRepository: props.githubRepository,
      githubEnvironment,
      bootstrapQualifier: qualifier,
      gameStackName,
    });

    // Who may assume which role: [OIDC provider, issuer host, subject pattern] per pipeline platform.
    const deployTrust: Trust[] = [];
    const diffTrust: Trust[] = [];
    if (props.gitlabProjectPath) {
      const provider = this.oidcProvider('GitLab', gitlabHost, props.createGitlabProvider ?? true);
      // GitLab's sub claim: project_path:GROUP/PROJECT:ref_type:branch|tag:ref:NAME (merge requests: the
      // source branch). Only maintainers can push protected tags: protect `v*` in the project settings.
      deployTrust.push({
        provider,
        host: gitlabHost,
        subject: `project_path:${props.gitlabProjectPath}:ref_type:tag:ref:v*`,
      });
      diffTrust.push({ provider, host: gitlabHost, subject: `project_path:${props.gitlabProjectPath}:*` });
    }
    if (props.githubRepository) {
      const provider = this.oidcProvider('GitHub', GITHUB_OIDC_HOST, props.createGithubProvider ?? true);
      deployTrust.push({
        provider,
        host: GITHUB_OIDC_HOST,
        subject: `repo:${props.githubRepository}:environment:${githubEnvironment}`,
      });
      diffTrust.push({
        provider,
        host: GITHUB_OIDC_HOST,
        subject: `repo:${props.githubRepository}:pull_request`,
      });
    }

    this.deployRole = this.ciRole(
      'DeployRole',
      deployTrust,
      'valheim-ondemand CI: deploy from protected version tags',
    );
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeCdkBootstrapRoles',
        actions: ['sts:AssumeRole'],
        resources: CDK_BOOTSTRAP_ROLES.map((role) =>
          this.formatArn({
            service: 'iam',
            region: '',
            resource: 'role',
            resourceName: `cdk-${qualifier}-${role}-role-${Aws.ACCOUNT_ID}-${Aws.REGION}`,
          }),
        ),
      }),
    );
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadGameService',
        actions: ['ecs:DescribeServices'],
        // The names ValheimStack gives its cluster and service (see gameServiceNames in src/cli).
        resources: [
          this.formatArn({
            service: 'ecs',
            resource: 'service',
            resourceName: `${gameStackName}/${gameStackName}-server`,
          }),
        ],
      }),
    );

    this.diffRole = this.ciRole(
      'DiffRole',
      diffTrust,
      'valheim-ondemand CI: read-only diff for merge requests',
    );
    const gameStackArn = this.formatArn({
      service: 'cloudformation',
      resource: 'stack',
      resourceName: `${gameStackName}/*`,
    });
    this.diffRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadGameStackTemplate',
        actions: ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate'],
        resources: [gameStackArn],
      }),
    );
    acknowledge(
      this.diffRole,
      `AwsSolutions-IAM5[Resource::${nagFinding(this, gameStackArn)}]`,
      'The only wildcard is the stack ID suffix of the game stack ARN (stack/NAME/*): CloudFormation assigns it at creation, and the two actions only read.',
    );

    // The game's cost-allocation tag (as on the game stack), on every resource here.
    Tags.of(this).add(COST_TAG_KEY, gameStackName);
    new CfnOutput(this, 'DeployRoleArn', {
      value: this.deployRole.roleArn,
      description:
        'CI/CD variable AWS_DEPLOY_ROLE_ARN (GitLab: protected) / GitHub variable AWS_DEPLOY_ROLE_ARN',
    });
    new CfnOutput(this, 'DiffRoleArn', {
      value: this.diffRole.roleArn,
      description: 'CI/CD variable AWS_DIFF_ROLE_ARN (GitLab) / GitHub variable AWS_DIFF_ROLE_ARN',
    });
  }

  private oidcProvider(id: string, host: string, create: boolean): iam.IOidcProvider {
    if (!create) {
      return iam.OidcProviderNative.fromOidcProviderArn(
        this,
        `${id}Provider`,
        this.formatArn({ service: 'iam', region: '', resource: 'oidc-provider', resourceName: host }),
      );
    }
    // No thumbprints: IAM obtains the issuer's certificate thumbprint itself when the provider is created.
    return new iam.OidcProviderNative(this, `${id}Provider`, {
      url: `https://${host}`,
      clientIds: [CI_TOKEN_AUDIENCE],
    });
  }

  private ciRole(id: string, trust: readonly Trust[], description: string): iam.Role {
    const [first, ...rest] = trust.map(
      ({ provider, host, subject }) =>
        new iam.OpenIdConnectPrincipal(provider, {
          StringEquals: { [`${host}:aud`]: CI_TOKEN_AUDIENCE },
          // StringLike for every subject, so that a pattern is never compared literally by mistake.
          StringLike: { [`${host}:sub`]: subject },
        }),
    );
    if (!first) throw new Error('CiAccessStack needs gitlabProjectPath or githubRepository');
    const role = new iam.Role(this, id, { assumedBy: first, description });
    // One trust statement per platform: each keeps its own conditions.
    for (const principal of rest) {
      role.assumeRolePolicy?.addStatements(
        new iam.PolicyStatement({
          actions: [principal.assumeRoleAction],
          principals: [principal],
        }),
      );
    }
    return role;
  }
}

interface Trust {
  readonly provider: iam.IOidcProvider;
  readonly host: string;
  readonly subject: string;
}

/**
 * Checks the names that end up in trust conditions and ARNs. Wildcard characters are rejected everywhere: a
 * `*` in a project path would widen who may deploy.
 */
export function validateCiAccessProps(props: {
  readonly gitlabProjectPath?: string | undefined;
  readonly gitlabHost: string;
  readonly githubRepository?: string | undefined;
  readonly githubEnvironment: string;
  readonly bootstrapQualifier: string;
  readonly gameStackName: string;
}): void {
  const check = (what: string, value: string | undefined, pattern: RegExp, expected: string) => {
    if (value !== undefined && !pattern.test(value)) {
      throw new Error(`${what} must be ${expected}, but "${value}" was provided`);
    }
  };
  if (props.gitlabProjectPath === undefined && props.githubRepository === undefined) {
    throw new Error(
      'CiAccessStack needs gitlabProjectPath ("group/project") or githubRepository ("owner/repo")',
    );
  }
  check(
    'gitlabProjectPath',
    props.gitlabProjectPath,
    /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$/,
    'a GitLab project path such as "group/project"',
  );
  check(
    'gitlabHost',
    props.gitlabHost,
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/,
    'a host name such as "gitlab.com" (no scheme, port or path)',
  );
  check(
    'githubRepository',
    props.githubRepository,
    /^[A-Za-z0-9-]+\/[A-Za-z0-9_.-]+$/,
    'a GitHub repository such as "owner/repo"',
  );
  check('githubEnvironment', props.githubEnvironment, /^[A-Za-z0-9_.-]+$/, 'a GitHub environment name');
  check('bootstrapQualifier', props.bootstrapQualifier, /^[A-Za-z0-9]{1,10}$/, 'up to 10 letters or digits');
  check(
    'gameStackName',
    props.gameStackName,
    /^[A-Za-z][A-Za-z0-9-]{0,63}$/,
    'a CloudFormation stack name (letters, digits, "-")',
  );
}
