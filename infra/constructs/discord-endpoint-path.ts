import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { endpointPathParameterName } from '../../src/discord/endpoint-path.js';
import { BundledFunction } from './bundled-function.js';

export interface DiscordEndpointPathProps {
  /** Absolute path of the custom resource handler's TypeScript file (it must export `handler`). */
  readonly entry: string;
  /**
   * How long the handler's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The secret segment of Discord's route (src/discord/endpoint-path.ts): made once by the first deploy, kept in
 * the SSM SecureString `/<stackName>/discord-endpoint-path` and read back by every later deploy. The template
 * holds only a reference to it; CloudFormation gets the value with NoEcho.
 */
export class DiscordEndpointPath extends Construct {
  /** The segment (a token that resolves at deploy time). */
  public readonly segment: string;
  /** The parameter's name (what the CLI reads to build the full URL). */
  public readonly parameterName: string;

  constructor(scope: Construct, id: string, props: DiscordEndpointPathProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.parameterName = endpointPathParameterName(stack.stackName);
    const handler = new BundledFunction(this, 'Handler', {
      entry: props.entry,
      description: 'Makes (once) and reads the secret path segment of the Discord interactions route',
      logRetention: props.logRetention,
      timeout: Duration.seconds(30),
    });
    handler.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'],
        resources: [
          stack.formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: this.parameterName.slice(1),
          }),
        ],
      }),
    );
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: handler.function.functionArn,
      resourceType: 'Custom::DiscordEndpointPath',
      serviceTimeout: Duration.seconds(60),
      properties: { ParameterName: this.parameterName },
    });
    this.segment = resource.getAttString('Segment');
  }
}
