import * as iam from 'aws-cdk-lib/aws-iam';
import type * as ssm from 'aws-cdk-lib/aws-ssm';

/**
 * Lets `grantee` read one SecureString parameter: ssm:GetParameter on its ARN, nothing else (`grantRead`
 * would add GetParameters, GetParameterHistory and DescribeParameters).
 *
 * No KMS statement: the parameters are encrypted with the AWS managed key `aws/ssm`, whose key policy lets
 * every principal of the account decrypt through SSM. A parameter moved to a customer managed key would
 * need kms:Decrypt on that key as well.
 */
export function grantGetParameter(parameter: ssm.IParameter, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['ssm:GetParameter'],
    resourceArns: [parameter.parameterArn],
  });
}
