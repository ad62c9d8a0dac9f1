import { errorSummary } from '../../errors.js';
import { type DoctorCheck, fail, NEEDS, ok, skip } from '../check.js';

/** The configured region exists and is enabled for the account (opt-in regions are not by default). */
export const awsRegion: DoctorCheck = {
  name: 'AWS region',
  needs: [NEEDS.aws],
  async probe({ aws, config: { region }, found }) {
    try {
      // The EC2 client is the largest of the SDK's (about 0.8 MB): loaded by this check, not by every start.
      const { DescribeRegionsCommand } = await import('@aws-sdk/client-ec2');
      const [described] =
        (await aws.ec2.send(new DescribeRegionsCommand({ RegionNames: [region], AllRegions: true })))
          .Regions ?? [];
      if (described?.OptInStatus === 'not-opted-in') {
        return fail(
          `${region} exists but is not enabled for this account`,
          'enable it: AWS console → Account → AWS Regions, or pick another region',
        );
      }
      found.regionOk = true;
      return ok(`${region}${described?.OptInStatus === 'opted-in' ? ' (opted in)' : ''}`);
    } catch (error) {
      if ((error as Error).name === 'InvalidParameterValue') {
        return fail(`${region} is not an AWS region`, 'fix "region" in the config (e.g. eu-central-1)');
      }
      found.regionOk = true; // a denied DescribeRegions says nothing about the region: go on
      return skip(`could not check (${errorSummary(error)}); going on`);
    }
  },
};
