import { sdkEcs } from '../../../aws/sdk-ecs.js';
import { gameServiceNames } from '../../../config/names.js';
import { serviceActivity } from '../../../server/service-activity.js';
import { awsFailure } from '../../errors.js';
import { type DoctorCheck, fail, NEEDS, ok } from '../check.js';

/** The ECS service the bot scales exists; says whether it runs. */
export const gameService: DoctorCheck = {
  name: 'game service',
  needs: [NEEDS.stack],
  async probe({ aws, config }) {
    const { cluster, service } = gameServiceNames(config.stackName);
    try {
      const activity = await serviceActivity(sdkEcs(aws.ecs), cluster, service);
      if (activity.kind === 'absent') {
        return fail(`no ECS service ${service} in cluster ${cluster}`, 'redeploy: npx valheim deploy');
      }
      if (activity.kind === 'stopped') return ok('stopped (desired count 0): /valheim start starts it');
      return ok(
        `active: desired ${activity.desiredCount}, running ${activity.runningCount}, pending ${activity.pendingCount}`,
      );
    } catch (error) {
      const failure = awsFailure(error, {
        action: `read the ECS service ${service}`,
        permission: 'ecs:DescribeServices',
        region: config.region,
      });
      return fail(failure.problem, failure.fix);
    }
  },
};
