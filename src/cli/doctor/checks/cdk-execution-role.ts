import { ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { errorSummary } from '../../errors.js';
import { type DoctorCheck, fail, NEEDS, ok, skip } from '../check.js';

/** What CloudFormation deploys with: AdministratorAccess there makes the scoped deploy policy moot. */
export const cdkExecutionRole: DoctorCheck = {
  name: 'CDK execution role',
  needs: [NEEDS.aws, NEEDS.region, NEEDS.bootstrap],
  async probe({ aws, config: { region }, found }) {
    const roleName = `cdk-hnb659fds-cfn-exec-role-${found.account}-${region}`;
    try {
      const attached =
        (await aws.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies ??
        [];
      if (attached.some((policy) => policy.PolicyArn?.endsWith(':policy/AdministratorAccess'))) {
        return fail(
          `${roleName} (what CloudFormation deploys with) still has AdministratorAccess`,
          're-bootstrap with the scoped policy: see README, Security',
        );
      }
      return ok(
        `${roleName}: ${attached.map((policy) => policy.PolicyName).join(', ') || 'no managed policies'}`,
      );
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'NoSuchEntity' || name === 'NoSuchEntityException') {
        // CDKToolkit exists, so the default qualifier's roles would: its bootstrap used another qualifier
        // (or the role was deleted), and a deploy with this project's default synthesizer cannot work.
        return fail(
          `${roleName} does not exist, although the CDKToolkit stack does (bootstrapped with a custom --qualifier, or the role was deleted)`,
          `bootstrap again with the default qualifier: npx cdk bootstrap aws://${found.account}/${region}`,
        );
      }
      return skip(`could not check (${errorSummary(error)}; needs iam:ListAttachedRolePolicies)`);
    }
  },
};
