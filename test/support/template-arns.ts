/**
 * Resolves a synthesized template's intrinsic functions to the values they take in a deployed account, so that
 * the template's IAM statements can be evaluated against concrete ARNs. Physical names follow CloudFormation's
 * `<stack>-<logical ID>-<suffix>` pattern; ids and suffixes are made up but of the right shape.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'eu-central-1';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

export interface Template {
  readonly Resources: Resources;
}

/** The physical name CloudFormation gives a resource without an explicit name. */
export function physicalName(stackName: string, logicalId: string, lowerCase = false): string {
  const name = `${stackName}-${logicalId}-A1B2C3D4E5F6`.slice(0, 64);
  return lowerCase ? name.toLowerCase() : name;
}

/** What `Ref` and `Fn::GetAtt … Arn` of a resource give, by type. */
function attribute(stackName: string, template: Template, logicalId: string, name: 'Ref' | string): string {
  const resource = template.Resources[logicalId];
  if (!resource) throw new Error(`no resource ${logicalId}`);
  const props = resource.Properties ?? {};
  const named = (key: string, lowerCase = false) =>
    typeof props[key] === 'string' ? (props[key] as string) : physicalName(stackName, logicalId, lowerCase);
  const arn = (service: string, path: string, region = REGION, account = ACCOUNT) =>
    `arn:aws:${service}:${region}:${account}:${path}`;
  switch (resource.Type) {
    case 'AWS::S3::Bucket': {
      const bucket = named('BucketName', true);
      return name === 'Ref' ? bucket : `arn:aws:s3:::${bucket}`;
    }
    case 'AWS::EFS::FileSystem':
      return name === 'Ref'
        ? 'fs-0123456789abcdef0'
        : arn('elasticfilesystem', 'file-system/fs-0123456789abcdef0');
    case 'AWS::EFS::AccessPoint':
      return name === 'Ref'
        ? 'fsap-0123456789abcdef0'
        : arn('elasticfilesystem', 'access-point/fsap-0123456789abcdef0');
    case 'AWS::ECS::Cluster':
      return name === 'Ref' ? named('ClusterName') : arn('ecs', `cluster/${named('ClusterName')}`);
    case 'AWS::ECS::Service': {
      const cluster = String(resolve(stackName, template, props.Cluster));
      const service = named('ServiceName');
      return name === 'Name' ? service : arn('ecs', `service/${cluster}/${service}`);
    }
    case 'AWS::ECS::TaskDefinition':
      return arn('ecs', `task-definition/${named('Family')}:1`);
    case 'AWS::Logs::LogGroup':
      return name === 'Ref' ? named('LogGroupName') : arn('logs', `log-group:${named('LogGroupName')}:*`);
    case 'AWS::DynamoDB::Table':
      return name === 'Ref' ? named('TableName') : arn('dynamodb', `table/${named('TableName')}`);
    case 'AWS::Lambda::Function':
      return name === 'Ref' ? named('FunctionName') : arn('lambda', `function:${named('FunctionName')}`);
    case 'AWS::IAM::Role':
      return name === 'Ref' ? named('RoleName') : `arn:aws:iam::${ACCOUNT}:role/${named('RoleName')}`;
    case 'AWS::Backup::BackupVault':
      return name === 'Ref' || name === 'BackupVaultName'
        ? named('BackupVaultName')
        : arn('backup', `backup-vault:${named('BackupVaultName')}`);
    case 'AWS::Backup::BackupPlan':
      return arn('backup', 'backup-plan:0123abcd-0123-0123-0123-0123456789ab');
    case 'AWS::Events::Rule':
      return arn('events', `rule/${named('Name')}`);
    case 'AWS::EC2::SecurityGroup':
      return name === 'GroupId' || name === 'Ref'
        ? 'sg-0123456789abcdef0'
        : arn('ec2', 'security-group/sg-0123');
    case 'AWS::EC2::Subnet':
      return `subnet-${logicalId.slice(-8).toLowerCase()}`;
    case 'AWS::EC2::VPC':
      return 'vpc-0123456789abcdef0';
    case 'AWS::ApiGatewayV2::Api':
      return 'a1b2c3d4e5';
    case 'AWS::Scheduler::Schedule':
      return arn('scheduler', `schedule/default/${named('Name')}`);
    default:
      return `${resource.Type}:${logicalId}:${name}`;
  }
}

const PSEUDO: Record<string, string> = {
  'AWS::AccountId': ACCOUNT,
  'AWS::Region': REGION,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'STACK',
};

/** The value of a template expression (strings, Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, arrays). */
export function resolve(stackName: string, template: Template, value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((item) => resolve(stackName, template, item));
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if ('Ref' in object) {
    const ref = String(object.Ref);
    return PSEUDO[ref]?.replace('STACK', stackName) ?? attribute(stackName, template, ref, 'Ref');
  }
  if ('Fn::GetAtt' in object) {
    const [id, name] = object['Fn::GetAtt'] as [string, string];
    return attribute(stackName, template, id, name);
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => String(resolve(stackName, template, part))).join(separator);
  }
  if ('Fn::Sub' in object) {
    const text = object['Fn::Sub'] as string;
    return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const [id, attr] = name.split('.');
      return PSEUDO[name] ?? attribute(stackName, template, id as string, attr ?? 'Ref');
    });
  }
  if ('Fn::Select' in object) {
    const [index, items] = object['Fn::Select'] as [number, unknown];
    return (resolve(stackName, template, items) as unknown[])[index];
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolve(stackName, template, v)]));
}
