import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { acknowledge } from '../validations.js';
import { validateInteger } from './validation.js';

export interface GameNetworkProps {
  /**
   * Availability zones to spread the public subnets (and EFS mount targets) over.
   * @default 2
   */
  readonly maxAzs?: number;
}

/**
 * A VPC with public subnets only. No NAT gateway, no Elastic IP, no load balancer: those bill by the hour
 * while nobody plays. The game task gets a public IP of its own while it runs.
 */
export class GameNetwork extends Construct {
  public readonly vpc: ec2.IVpc;

  constructor(scope: Construct, id: string, props: GameNetworkProps = {}) {
    super(scope, id);
    const maxAzs = props.maxAzs ?? 2;
    validateInteger('maxAzs', maxAzs, 1, 6);

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      // Restricting the default security group needs a custom-resource Lambda; nothing here uses that group.
      restrictDefaultSecurityGroup: false,
    });
    acknowledge(
      vpc,
      'AwsSolutions-VPC7',
      'Flow logs bill per GB ingested; the only workload is one game task whose security group admits UDP 2456-2458 only.',
    );
    this.vpc = vpc;
  }
}
