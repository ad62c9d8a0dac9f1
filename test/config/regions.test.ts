import { RegionInfo } from 'aws-cdk-lib/region-info';
import { describe, expect, it } from 'vitest';
import { AWS_REGIONS, isAwsRegion } from '../../src/config/regions.js';

describe('the AWS regions the config accepts', () => {
  it('are exactly the commercial regions the installed aws-cdk-lib knows', () => {
    // Given the region facts that ship with aws-cdk-lib
    const known = RegionInfo.regions
      .filter((region) => region.partition === 'aws')
      .map((region) => region.name)
      .sort();
    // Then the plain list matches them, sorted (a CDK update with a new region fails here until it is added)
    expect(AWS_REGIONS).toEqual(known);
  });

  it('accept a real region and refuse a typo or another partition', () => {
    expect(isAwsRegion('eu-central-1')).toBe(true);
    expect(isAwsRegion('eu-centrl-1')).toBe(false);
    expect(isAwsRegion('us-gov-west-1')).toBe(false);
    expect(isAwsRegion('cn-north-1')).toBe(false);
  });
});
