import { type CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';

/** A deployed stack: its status and outputs by key. */
export interface DeployedStack {
  readonly status: string;
  readonly statusReason?: string;
  readonly outputs: Readonly<Record<string, string>>;
}

/** The stack, or undefined when it does not exist (CloudFormation answers ValidationError "does not exist"). */
export async function describeStack(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<DeployedStack | undefined> {
  let stack: Stack | undefined;
  try {
    stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (error) {
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message)) {
      return undefined;
    }
    throw error;
  }
  if (!stack) return undefined;
  const outputs: Record<string, string> = {};
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
  }
  return {
    status: stack.StackStatus ?? 'UNKNOWN',
    ...(stack.StackStatusReason && { statusReason: stack.StackStatusReason }),
    outputs,
  };
}
