import { awsFailure } from '../../errors.js';
import { describeStack } from '../../stack-outputs.js';
import { type DoctorCheck, fail, NEEDS, ok } from '../check.js';

/** The stack is deployed and settled (not mid-deploy, not failed). */
export const stack: DoctorCheck = {
  name: 'stack',
  needs: [NEEDS.aws, NEEDS.region],
  async probe({ aws, config: { stackName, region }, found }) {
    try {
      const deployed = await describeStack(aws.cloudFormation, stackName);
      if (!deployed)
        return fail(`${stackName} is not deployed in ${region}`, 'deploy it: npx valheim deploy');
      if (/IN_PROGRESS$/.test(deployed.status) && !/CLEANUP/.test(deployed.status)) {
        return fail(
          `${stackName} is ${deployed.status}`,
          'wait for the deploy to finish, then run doctor again',
        );
      }
      if (/FAILED$|ROLLBACK_COMPLETE$/.test(deployed.status)) {
        return fail(
          `${stackName} is ${deployed.status}${deployed.statusReason ? ` (${deployed.statusReason})` : ''}`,
          deployed.status === 'ROLLBACK_COMPLETE'
            ? 'the first deploy failed: see its events in the CloudFormation console, delete the stack, deploy again'
            : 'see the stack events in the CloudFormation console, fix the cause, deploy again',
        );
      }
      found.stack = deployed;
      return ok(`${stackName} ${deployed.status}`);
    } catch (error) {
      const failure = awsFailure(error, {
        action: `read the stack ${stackName}`,
        permission: 'cloudformation:DescribeStacks',
        region,
      });
      return fail(failure.problem, failure.fix);
    }
  },
};
