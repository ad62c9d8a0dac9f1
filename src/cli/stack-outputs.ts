import { type CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { endpointPathParameterName, endpointUrl } from '../discord/endpoint-path.js';

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

/** Why the stack's Discord endpoint URL cannot be put together: one line and its fix. */
export class EndpointUrlUnavailable extends Error {
  override readonly name = 'EndpointUrlUnavailable';
  constructor(
    message: string,
    readonly fix: string,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

/**
 * The deployed stack's Interactions Endpoint URL: the output DiscordApiUrl and the secret segment the deploy
 * keeps in an SSM SecureString (src/discord/endpoint-path.ts). Never printed whole: show it with
 * redactEndpointUrl.
 */
export async function stackEndpointUrl(
  stack: DeployedStack,
  stackName: string,
  ssm: SSMClient,
): Promise<string> {
  const apiUrl = stack.outputs.DiscordApiUrl;
  if (!apiUrl) {
    throw new EndpointUrlUnavailable(
      `the stack ${stackName} has no output DiscordApiUrl (status ${stack.status}; an older version?)`,
      'deploy this version: npx valheim deploy',
    );
  }
  const name = endpointPathParameterName(stackName);
  let segment: string | undefined;
  try {
    const result = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    segment = result.Parameter?.Value?.trim();
  } catch (error) {
    if ((error as Error).name !== 'ParameterNotFound') {
      throw new EndpointUrlUnavailable(
        `cannot read ${name}, the secret part of the endpoint URL (${(error as Error).name})`,
        `allow ssm:GetParameter on it (and kms:Decrypt through SSM)`,
        error,
      );
    }
  }
  if (!segment) {
    throw new EndpointUrlUnavailable(
      `${name}, the secret part of the endpoint URL, is missing`,
      'deploy again (npx valheim deploy): the deploy makes it',
    );
  }
  try {
    return endpointUrl(apiUrl, segment);
  } catch (error) {
    throw new EndpointUrlUnavailable((error as Error).message, 'deploy again (npx valheim deploy)', error);
  }
}
