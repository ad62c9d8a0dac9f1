import { awsFailure } from '../../errors.js';
import { describeStack } from '../../stack-outputs.js';
import { type DoctorCheck, fail, NEEDS, ok } from '../check.js';

/** The CDK bootstrap version the pinned CDK needs at least (new-style synthesis with asset checks). */
const MIN_BOOTSTRAP_VERSION = 6;

/** CDK's deploy bucket and roles (the CDKToolkit stack) exist in the region, recent enough. */
export const cdkBootstrap: DoctorCheck = {
  name: 'CDK bootstrap',
  needs: [NEEDS.aws, NEEDS.region],
  async probe({ aws, config: { region }, found }) {
    const fix = `run npx cdk bootstrap aws://${found.account}/${region}`;
    try {
      const toolkit = await describeStack(aws.cloudFormation, 'CDKToolkit');
      if (!toolkit) return fail(`no CDKToolkit stack in ${region}`, fix);
      found.bootstrapped = true;
      if (!/_COMPLETE$/.test(toolkit.status) || /ROLLBACK/.test(toolkit.status)) {
        return fail(`the CDKToolkit stack is ${toolkit.status}`, `${fix} again`);
      }
      const version = Number(toolkit.outputs.BootstrapVersion);
      if (!(version >= MIN_BOOTSTRAP_VERSION)) {
        return fail(
          `bootstrap version ${toolkit.outputs.BootstrapVersion ?? 'unknown'} is too old (needs ${MIN_BOOTSTRAP_VERSION}+)`,
          `${fix} again`,
        );
      }
      return ok(`CDKToolkit, version ${version}`);
    } catch (error) {
      const failure = awsFailure(error, {
        action: 'read the CDKToolkit stack',
        permission: 'cloudformation:DescribeStacks',
        region,
      });
      return fail(failure.problem, failure.fix);
    }
  },
};
