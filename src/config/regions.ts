import { RegionInfo } from 'aws-cdk-lib/region-info';

/**
 * The AWS regions of the commercial partition, from the region facts that ship with aws-cdk-lib (updated with
 * each release, so a new region arrives with a CDK update). GovCloud, China and the isolated partitions need
 * separate accounts this project does not set up.
 */
export const AWS_REGIONS: readonly string[] = RegionInfo.regions
  .filter((region) => region.partition === 'aws')
  .map((region) => region.name)
  .sort();

export function isAwsRegion(name: string): boolean {
  return AWS_REGIONS.includes(name);
}
