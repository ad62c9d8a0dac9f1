import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import {
  checkPlayerId,
  formatPlayerList,
  PLAYER_LIST_KINDS,
  PLAYER_LIST_VARIABLES,
  type PlayerListKind,
  playerListParameterNames,
} from '../../src/players/player-lists.js';

export interface PlayerListParametersProps {
  /** The prefix of the parameter names: `/<prefix>/players/admins`, `…/bans`, `…/permitted`. */
  readonly parameterPrefix: string;
  /**
   * The ids a new stack starts with (e.g. server.adminSteamIds for the admins). Never written over an
   * existing parameter.
   * @default - every list empty
   */
  readonly initial?: Partial<Record<PlayerListKind, readonly string[]>>;
  /**
   * The role and log group of the stack's AwsCustomResource function. That function is a singleton: the first
   * AwsCustomResource of the stack sets its role, and a role given here later would be ignored (the
   * PutParameter grants go to the singleton's role either way), so the stack passes the ones it already has
   * (ActiveWorldParameters.customResourceRole / customResourceLogs).
   */
  readonly customResourceRole: iam.IRole;
  readonly customResourceLogs: logs.ILogGroup;
}

/**
 * The admin, ban and permitted lists as three SSM String parameters, which the game task reads as
 * ADMINLIST_IDS, BANNEDLIST_IDS and PERMITTEDLIST_IDS through ECS `secrets` at every launch
 * (src/players/player-lists.ts). Like ActiveWorldParameters: the stack only creates them when they do not
 * exist yet, so a deploy never undoes what `/valheim access` changed, and they are kept when the stack is
 * deleted. ECS refuses to launch a task whose secret's parameter is missing, so the game task depends on
 * their creation (see `creators`).
 */
export class PlayerListParameters extends Construct {
  /** One parameter per list. */
  public readonly parameters: Readonly<Record<PlayerListKind, ssm.IStringParameter>>;
  /** The custom resources that create the parameters; what reads them at launch depends on these. */
  public readonly creators: readonly Construct[];

  constructor(scope: Construct, id: string, props: PlayerListParametersProps) {
    super(scope, id);
    for (const kind of PLAYER_LIST_KINDS) {
      for (const given of props.initial?.[kind] ?? []) {
        const check = checkPlayerId(given);
        if (!check.ok) throw new Error(`initial.${kind}: ${check.why}`);
      }
    }
    const names = playerListParameterNames(props.parameterPrefix);
    const parameters = {} as Record<PlayerListKind, ssm.IStringParameter>;
    for (const kind of PLAYER_LIST_KINDS) {
      parameters[kind] = ssm.StringParameter.fromStringParameterName(this, `${kind}-parameter`, names[kind]);
    }
    this.parameters = parameters;

    const role = props.customResourceRole;
    const logGroup = props.customResourceLogs;

    this.creators = PLAYER_LIST_KINDS.map((kind) => {
      const parameter = parameters[kind];
      const ids = (props.initial?.[kind] ?? []).map((given) => {
        const check = checkPlayerId(given);
        return check.ok ? check.id : given;
      });
      const creator = new cr.AwsCustomResource(this, `Create-${kind}`, {
        onCreate: {
          service: 'SSM',
          action: 'PutParameter',
          parameters: {
            Name: parameter.parameterName,
            Value: formatPlayerList(ids),
            Type: 'String',
            Overwrite: false,
            Description: `${PLAYER_LIST_VARIABLES[kind]} of the game server; written by /valheim access, never by a deploy`,
          },
          physicalResourceId: cr.PhysicalResourceId.of(parameter.parameterName),
          // Already there (an earlier stack, or a change from Discord): it stays as it is.
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
      return creator;
    });
  }

  private get arns(): string[] {
    return PLAYER_LIST_KINDS.map((kind) => this.parameters[kind].parameterArn);
  }

  /** Lets `grantee` read the three lists (GetParameters reads them in one call). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resourceArns: this.arns,
    });
  }

  /** Lets `grantee` read and change the three lists, and only those (`/valheim access`). */
  public grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:PutParameter'],
      resourceArns: this.arns,
    });
  }
}
