import { Stack, Validations } from 'aws-cdk-lib';
// cdk-nag's own flattening, so that a finding ID computed here is exactly the one the rule reports.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges a validation rule (a cdk-nag rule or one finding of it, or a CDK annotation) on a construct and
 * everything below it. The reason is required: an acknowledgement must say why the rule does not apply here.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length === 0) throw new Error(`the acknowledgement of ${id} needs a reason`);
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The finding ID cdk-nag reports for a value (an ARN with tokens, a managed policy ARN), e.g.
 * `arn:<AWS::Partition>:ecs:eu-central-1:<AWS::AccountId>:task/<ClusterLogicalId>/*`.
 */
export function nagFinding(scope: IConstruct, value: string): string {
  return flattenCfnReference(Stack.of(scope).resolve(value));
}
