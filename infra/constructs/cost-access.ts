import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from '../validations.js';

/**
 * Lets `grantee` read the bill from Cost Explorer (ce:GetCostAndUsage; $0.01 per request, so callers cache
 * the answer). Cost Explorer has no resource-level permissions: the statement is on "*", and what is asked for
 * (the stack's cost tag) is up to the caller.
 */
export function grantGetCostAndUsage(grantee: iam.IGrantable): iam.Grant {
  const grant = iam.Grant.addToPrincipal({
    grantee,
    actions: ['ce:GetCostAndUsage'],
    resourceArns: ['*'],
  });
  const principal = grantee.grantPrincipal;
  if (Construct.isConstruct(principal)) {
    acknowledge(
      principal,
      'AwsSolutions-IAM5[Resource::*]',
      'Cost Explorer supports no resource-level permissions; ce:GetCostAndUsage is read-only and the caller filters by the cost-allocation tag.',
    );
  }
  return grant;
}
