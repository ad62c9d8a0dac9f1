import { ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { type DoctorCheck, fail, NEEDS, ok, skip } from '../check.js';

/** What CloudFormation deploys with: AdministratorAccess there makes the scoped deploy policy moot. */
export const cdkExecutionRole: DoctorCheck = {
  name: 'CDK execution role',
  needs: [NEEDS.aws, NEEDS.region],
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
        return skip(`${roleName} not found (bootstrapped with another qualifier?)`);
      }
      return skip(`could not check (${name}; needs iam:ListAttachedRolePolicies)`);
    }
  },
};
