import { basename } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateTableCommand,
  DynamoDBClient,
  type KeySchemaElement,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { BundledFunction } from '../../../infra/constructs/bundled-function.js';
import type { ValheimConfig } from '../../../src/config/schema.js';
import { synthesize } from '../../infra/helpers.js';
import type { Moto } from './moto.js';

/**
 * The stack as the e2e suite deploys it into moto: synthesized in-process (bundling off, as `cdk deploy` does
 * for stacks it does not deploy; the suite runs the bundles of `npm run build`), then every resource the
 * deployed functions call at run time created in moto from its template properties, and the functions'
 * environments resolved against those resources. What the functions never call (IAM, log groups, EFS,
 * Backup, API Gateway, the cost budget) is not created: moto could not check how it is used anyway.
 */
export interface DeployedStack {
  readonly config: ValheimConfig;
  readonly template: Template;
  readonly region: string;
  /** Each Lambda function of the template, by the name of its bundle (dist/lambdas/<name>). */
  readonly functions: ReadonlyMap<string, StackFunction>;
  /** A resource's physical name or id in moto, by logical id. */
  physical(logicalId: string): string;
  /** The logical ids of the resources of one type. */
  ofType(type: string): string[];
  /** Resolves an intrinsic function of the template against the created resources. */
  resolve(value: unknown): unknown;
  /**
   * Records what a custom resource answered CloudFormation (its `Data`), as `Fn::GetAtt` then reads it: the
   * suite runs custom resources' bundles itself, in deploy order.
   */
  provide(logicalId: string, data: Readonly<Record<string, string>>): void;
  /** The log group that receives what the template's rule `logicalId` matched (moto delivers to logs). */
  ruleLogGroup(logicalId: string): string;
}

export interface StackFunction {
  readonly logicalId: string;
  /** The bundle's name: the entry file's name (interactions, monitor, …). */
  readonly bundle: string;
  /** The function's environment variables from the template, resolved. */
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
  /** The ARN rules and schedules target. */
  readonly arn: string;
}

export interface Template {
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

const ACCOUNT = '123456789012';

export function awsClientConfig(moto: Moto, region: string) {
  return {
    region,
    endpoint: moto.url,
    credentials: { accessKeyId: 'AKIAMOTOLOOPBACKONLY', secretAccessKey: 'moto-loopback-only-not-a-secret' },
    // moto serves every bucket on its one host.
    forcePathStyle: true,
  };
}

export async function deployToMoto(
  config: ValheimConfig,
  moto: Moto,
  /** Values outside the stack (a hosted zone id the user owns) and what the emulator calls them. */
  external: Readonly<Record<string, string>> = {},
): Promise<DeployedStack> {
  const region = config.region;
  const { stack, template: synthesized } = synthesize(config, { bundling: false });
  const template = synthesized.toJSON() as Template;
  const clients = awsClientConfig(moto, region);
  const ec2 = new EC2Client(clients);
  const ecs = new ECSClient(clients);
  const s3 = new S3Client(clients);
  const dynamodb = new DynamoDBClient(clients);
  const events = new EventBridgeClient(clients);
  const scheduler = new SchedulerClient(clients);
  const logs = new CloudWatchLogsClient(clients);

  const refs = new Map<string, string>();
  const atts = new Map<string, string>();
  const queues = new Map<string, string>();
  const resolve = (value: unknown): unknown => resolveIntrinsics(value, refs, atts, region, config.stackName);
  const str = (value: unknown) => String(resolve(value));
  const ofType = (type: string) =>
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([id]) => id);
  const props = (id: string) => template.Resources[id]?.Properties ?? {};

  // The functions first: rules and schedules target their ARNs.
  const functions = new Map<string, StackFunction>();
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof BundledFunction)) continue;
    const logicalId = stack.getLogicalId(construct.function.node.defaultChild as CfnFunction);
    const arn = `arn:aws:lambda:${region}:${ACCOUNT}:function:${logicalId}`;
    refs.set(logicalId, logicalId);
    atts.set(`${logicalId}.Arn`, arn);
    functions.set(basename(construct.entry, '.ts'), {
      logicalId,
      bundle: basename(construct.entry, '.ts'),
      environment: {},
      timeoutSeconds: Number(props(logicalId).Timeout ?? 3),
      arn,
    });
  }

  for (const id of ofType('AWS::EC2::VPC')) {
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: str(props(id).CidrBlock) }));
    refs.set(id, vpc.Vpc?.VpcId ?? '');
  }
  for (const id of ofType('AWS::EC2::Subnet')) {
    const p = props(id);
    const subnet = await ec2.send(
      new CreateSubnetCommand({
        VpcId: str(p.VpcId),
        CidrBlock: str(p.CidrBlock),
        AvailabilityZone: str(p.AvailabilityZone),
      }),
    );
    refs.set(id, subnet.Subnet?.SubnetId ?? '');
  }
  for (const id of ofType('AWS::EC2::SecurityGroup')) {
    const p = props(id);
    const group = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: id,
        Description: str(p.GroupDescription),
        VpcId: str(p.VpcId),
      }),
    );
    refs.set(id, group.GroupId ?? '');
    atts.set(`${id}.GroupId`, group.GroupId ?? '');
  }
  for (const id of ofType('AWS::S3::Bucket')) {
    const name = `${config.stackName}-${id}`.toLowerCase().slice(0, 63);
    await s3.send(
      new CreateBucketCommand({
        Bucket: name,
        CreateBucketConfiguration: { LocationConstraint: region as never },
      }),
    );
    const versioning = props(id).VersioningConfiguration as { Status?: string } | undefined;
    if (versioning?.Status === 'Enabled') {
      await s3.send(
        new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }),
      );
    }
    refs.set(id, name);
    atts.set(`${id}.Arn`, `arn:aws:s3:::${name}`);
  }
  for (const id of ofType('AWS::DynamoDB::Table')) {
    const p = props(id) as {
      KeySchema: KeySchemaElement[];
      AttributeDefinitions: Array<{ AttributeName: string; AttributeType: 'S' | 'N' | 'B' }>;
      GlobalSecondaryIndexes?: unknown[];
      TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
      TableName?: string;
    };
    const name = p.TableName ?? `${config.stackName}-${id}`;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: p.KeySchema,
        AttributeDefinitions: p.AttributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
        ...(p.GlobalSecondaryIndexes && { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes as never }),
      }),
    );
    if (p.TimeToLiveSpecification?.Enabled) {
      await dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: p.TimeToLiveSpecification.AttributeName, Enabled: true },
        }),
      );
    }
    refs.set(id, name);
    atts.set(`${id}.Arn`, `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${name}`);
  }
  for (const id of ofType('AWS::ECS::Cluster')) {
    const name = str(props(id).ClusterName ?? `${config.stackName}-${id}`);
    const cluster = await ecs.send(new CreateClusterCommand({ clusterName: name }));
    refs.set(id, name);
    atts.set(`${id}.Arn`, cluster.cluster?.clusterArn ?? '');
  }
  for (const id of ofType('AWS::ECS::TaskDefinition')) {
    const p = props(id) as Record<string, unknown> & {
      ContainerDefinitions: Array<{ Name: string; Image: unknown; Essential?: boolean }>;
    };
    const family = str(p.Family ?? `${config.stackName}-${id}`);
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        networkMode: p.NetworkMode as never,
        requiresCompatibilities: p.RequiresCompatibilities as never,
        cpu: p.Cpu as string,
        memory: p.Memory as string,
        // Names and images: what ECS shows of a task. Commands, volumes and roles stay in the template.
        containerDefinitions: p.ContainerDefinitions.map((container) => ({
          name: container.Name,
          image: typeof container.Image === 'string' ? container.Image : 'image-from-the-stack',
          essential: container.Essential ?? true,
        })),
      }),
    );
    refs.set(id, registered.taskDefinition?.taskDefinitionArn ?? '');
  }
  for (const id of ofType('AWS::ECS::Service')) {
    const p = props(id) as Record<string, unknown> & {
      NetworkConfiguration: { AwsvpcConfiguration: { Subnets: unknown[]; SecurityGroups: unknown[] } };
    };
    const name = str(p.ServiceName ?? `${config.stackName}-${id}`);
    await ecs.send(
      new CreateServiceCommand({
        cluster: str(p.Cluster),
        serviceName: name,
        taskDefinition: str(p.TaskDefinition),
        desiredCount: Number(p.DesiredCount ?? 0),
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: p.NetworkConfiguration.AwsvpcConfiguration.Subnets.map(str),
            securityGroups: p.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups.map(str),
            assignPublicIp: 'ENABLED',
          },
        },
      }),
    );
    refs.set(id, `arn:aws:ecs:${region}:${ACCOUNT}:service/${str(p.Cluster)}/${name}`);
    atts.set(`${id}.Name`, name);
  }
  for (const id of ofType('AWS::ApiGatewayV2::Api')) refs.set(id, `${id.toLowerCase().slice(0, 10)}`);
  for (const id of ofType('AWS::Events::Rule')) {
    const p = props(id) as Record<string, unknown>;
    const name = str(p.Name ?? `${config.stackName}-${id}`);
    await events.send(
      new PutRuleCommand({
        Name: name,
        ...(p.EventBusName !== undefined && { EventBusName: str(p.EventBusName) }),
        ...(p.ScheduleExpression !== undefined && { ScheduleExpression: str(p.ScheduleExpression) }),
        ...(p.EventPattern !== undefined && { EventPattern: JSON.stringify(resolve(p.EventPattern)) }),
        State: str(p.State ?? 'ENABLED') as never,
        Description: str(p.Description ?? ''),
      }),
    );
    // moto never invokes a Lambda target; a log group target keeps what the rule matched, for the test to
    // deliver to the function (as EventBridge would).
    const group = `/e2e/rule/${id}`;
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await events.send(
      new PutTargetsCommand({
        Rule: name,
        Targets: [{ Id: 'e2e-log', Arn: `arn:aws:logs:${region}:${ACCOUNT}:log-group:${group}` }],
      }),
    );
    queues.set(id, group);
    refs.set(id, name);
    atts.set(`${id}.Arn`, `arn:aws:events:${region}:${ACCOUNT}:rule/${name}`);
  }
  for (const id of ofType('AWS::Scheduler::Schedule')) {
    const p = props(id) as Record<string, unknown> & { Target: Record<string, unknown> };
    await scheduler.send(
      new CreateScheduleCommand({
        Name: id.slice(0, 64),
        ScheduleExpression: str(p.ScheduleExpression),
        ...(p.ScheduleExpressionTimezone !== undefined && {
          ScheduleExpressionTimezone: str(p.ScheduleExpressionTimezone),
        }),
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: str(p.State ?? 'ENABLED') as never,
        Target: {
          Arn: str(p.Target.Arn),
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/${id}`,
          ...(p.Target.Input !== undefined && { Input: str(p.Target.Input) }),
        },
      }),
    );
    refs.set(id, id.slice(0, 64));
  }

  const substitute = (value: string) => external[value] ?? value;
  for (const [name, fn] of functions) {
    const variables = (props(fn.logicalId).Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    const environment = Object.fromEntries(
      Object.entries(variables ?? {}).map(([key, value]) => [key, substitute(str(value))]),
    );
    functions.set(name, { ...fn, environment });
  }

  return {
    config,
    template,
    region,
    functions,
    physical: (logicalId) => {
      const value = refs.get(logicalId);
      if (value === undefined) throw new Error(`${logicalId} was not created in moto`);
      return value;
    },
    ofType,
    resolve,
    provide: (logicalId, data) => {
      for (const [name, value] of Object.entries(data)) atts.set(`${logicalId}.${name}`, value);
    },
    ruleLogGroup: (logicalId) => {
      const group = queues.get(logicalId);
      if (!group) throw new Error(`no log group for rule ${logicalId}`);
      return group;
    },
  };
}

/** CloudFormation's intrinsic functions, as far as the resources above use them. */
function resolveIntrinsics(
  value: unknown,
  refs: ReadonlyMap<string, string>,
  atts: ReadonlyMap<string, string>,
  region: string,
  stackName: string,
): unknown {
  const again = (inner: unknown) => resolveIntrinsics(inner, refs, atts, region, stackName);
  if (Array.isArray(value)) return value.map(again);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [key, argument] = entries[0] ?? [];
  if (entries.length === 1 && key === 'Ref') {
    const pseudo: Record<string, string> = {
      'AWS::Region': region,
      'AWS::AccountId': ACCOUNT,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stackName,
    };
    const name = String(argument);
    const resolved = pseudo[name] ?? refs.get(name);
    if (resolved === undefined) throw new Error(`Ref ${name}: not created in moto (add it to stack.ts)`);
    return resolved;
  }
  if (entries.length === 1 && key === 'Fn::GetAtt') {
    const [id, attribute] = argument as [string, string];
    const resolved = atts.get(`${id}.${attribute}`);
    if (resolved === undefined) throw new Error(`Fn::GetAtt ${id}.${attribute}: not created in moto`);
    return resolved;
  }
  if (entries.length === 1 && key === 'Fn::Join') {
    const [separator, parts] = argument as [string, unknown[]];
    return (again(parts) as unknown[]).join(separator);
  }
  if (entries.length === 1 && key === 'Fn::Select') {
    const [index, list] = argument as [number, unknown];
    return (again(list) as unknown[])[Number(index)];
  }
  if (entries.length === 1 && key === 'Fn::GetAZs') return ['a', 'b', 'c'].map((zone) => `${region}${zone}`);
  return Object.fromEntries(entries.map(([name, inner]) => [name, again(inner)]));
}
