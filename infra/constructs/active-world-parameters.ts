import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { formatWorldArgs, worldParameterNames } from '../../src/worlds/active-world.js';
import { WORLD_NAME_PATTERN } from '../../src/worlds/world-settings.js';

export interface ActiveWorldParametersProps {
  /** The prefix of the parameter names: `/<prefix>/world/name` and `/<prefix>/world/args`. */
  readonly parameterPrefix: string;
  /** The world a new stack starts with (server.world). Never written over an existing parameter. */
  readonly initialWorld: string;
  /**
   * How long the logs of the function that creates the parameters are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The active world and its server arguments as two SSM String parameters, which the game task reads through
 * ECS `secrets` at every launch (src/worlds/active-world.ts). A deploy never changes which world is active:
 * the stack only creates the parameters when they do not exist yet (PutParameter without overwrite, at the
 * resource's creation only; an update or a delete of the stack calls nothing), and `/valheim world switch`
 * writes them. Kept when the stack is deleted, like the world itself: a stack deployed again over the same
 * file system starts with the world it had.
 */
export class ActiveWorldParameters extends Construct {
  /** `/<prefix>/world/name`: WORLD_NAME. */
  public readonly name: ssm.IStringParameter;
  /** `/<prefix>/world/args`: WORLD_ARGS, "-world <name> <flags>". */
  public readonly args: ssm.IStringParameter;
  /**
   * The role and log group of the stack's one AwsCustomResource function (a singleton: whoever creates it
   * first sets them), for other parameters created the same way (PlayerListParameters).
   */
  public readonly customResourceRole: iam.IRole;
  public readonly customResourceLogs: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: ActiveWorldParametersProps) {
    super(scope, id);
    if (!WORLD_NAME_PATTERN.test(props.initialWorld)) {
      throw new Error(
        `initialWorld must be 1 to 64 letters, digits, "_" or "-", but "${props.initialWorld}" was provided`,
      );
    }
    const names = worldParameterNames(props.parameterPrefix);
    this.name = ssm.StringParameter.fromStringParameterName(this, 'Name', names.name);
    this.args = ssm.StringParameter.fromStringParameterName(this, 'Args', names.args);

    // The custom resources' one function: an own role (no managed policy) writing to its own log group.
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Creates the active-world parameters of ${Stack.of(this).stackName} when they are missing`,
    });
    logGroup.grantWrite(role);
    this.customResourceRole = role;
    this.customResourceLogs = logGroup;

    const initial = [
      { id: 'CreateName', parameter: this.name, value: props.initialWorld, what: 'the active world' },
      {
        id: 'CreateArgs',
        parameter: this.args,
        value: formatWorldArgs({ name: props.initialWorld, args: '' }),
        what: "the active world's server arguments",
      },
    ];
    for (const { id: resourceId, parameter, value, what } of initial) {
      const creator = new cr.AwsCustomResource(this, resourceId, {
        onCreate: {
          service: 'SSM',
          action: 'PutParameter',
          parameters: {
            Name: parameter.parameterName,
            Value: value,
            Type: 'String',
            Overwrite: false,
            Description: `${what}; written by /valheim world switch, never by a deploy`,
          },
          physicalResourceId: cr.PhysicalResourceId.of(parameter.parameterName),
          // Already there (an earlier stack, or a switch): it stays as it is.
          ignoreErrorCodesMatching: 'ParameterAlreadyExists',
        },
        policy: cr.AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({ actions: ['ssm:PutParameter'], resources: [parameter.parameterArn] }),
        ]),
        role,
        logGroup,
        installLatestAwsSdk: false,
        timeout: Duration.minutes(1),
      });
      creator.node.addDependency(logGroup);
    }
  }

  /** Lets `grantee` read both parameters (ssm:GetParameter, and GetParameters to read both at once). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resourceArns: [this.name.parameterArn, this.args.parameterArn],
    });
  }

  /** Lets `grantee` read and switch the active world (GetParameter(s) and PutParameter). */
  public grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:PutParameter'],
      resourceArns: [this.name.parameterArn, this.args.parameterArn],
    });
  }
}
