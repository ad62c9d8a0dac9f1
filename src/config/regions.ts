/**
 * The AWS regions of the commercial partition. A plain list rather than aws-cdk-lib's region facts at run
 * time: those are 1.5 MB of tables, and reading them made every `valheim` command (even `--help`) start
 * slowly. test/config/regions.test.ts compares this list with the facts of the installed aws-cdk-lib, so a
 * CDK update that brings a new region fails the suite until the region is added here. GovCloud, China and the
 * isolated partitions need separate accounts this project does not set up.
 */
export const AWS_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'me-west-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
];

export function isAwsRegion(name: string): boolean {
  return AWS_REGIONS.includes(name);
}
