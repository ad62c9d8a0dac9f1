import { createHash } from 'node:crypto';
import { CustomResource, Duration, Token } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { BundledFunction } from './bundled-function.js';
import type { DiscordEndpoint } from './discord-endpoint.js';
import { grantGetParameter } from './parameter-access.js';

const HANDLER_TIMEOUT = Duration.minutes(2);

export interface DiscordWiringProps {
  /** Absolute path of the custom resource handler's TypeScript file (it must export `handler`). */
  readonly entry: string;
  /** The Discord application (Developer Portal → General Information → Application ID). */
  readonly applicationId: string;
  /** The Discord server (guild) the commands are registered in. */
  readonly guildId: string;
  /** The endpoint Discord is pointed at; the wiring runs once it can answer. */
  readonly endpoint: DiscordEndpoint;
  /**
   * The application's public key the endpoint verifies with (64 hex characters). The handler checks it
   * against the application's, and a change runs the wiring again.
   */
  readonly publicKey: string;
  /** The SecureString parameter holding the bot token the handler registers with. */
  readonly botToken: ssm.IParameter;
  /**
   * The command definitions the handler registers (any JSON value). Only their SHA-256 goes into the
   * template: a change of the commands changes the resource, so the next deploy registers them again.
   */
  readonly commands: unknown;
  /**
   * A value that changes at every deploy (the app passes the synth time): the resource is updated, and so
   * Discord reconciled, at every deploy, which retries whatever failed before for reasons outside the
   * template (bot invited later, token stored later). The reconcile is idempotent, so this costs one short
   * Lambda run per deploy.
   * @default - none: the wiring runs only when one of its inputs changes
   */
  readonly deployRun?: string;
  /**
   * How long the handler's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Connects Discord at deploy time: a custom resource whose handler reconciles the guild's slash commands
 * and the application's interactions endpoint URL (each step on its own), and removes them when the stack
 * is deleted. The handler always reports success, with each step's outcome (or the next step, e.g. when no
 * bot token is stored yet) in its `Status` attribute, so a Discord problem never rolls a deploy back or
 * blocks a delete; `serviceTimeout` bounds how long CloudFormation waits should the handler never answer.
 */
export class DiscordWiring extends Construct {
  public readonly handler: BundledFunction;
  public readonly resource: CustomResource;
  /** What the wiring did, or what to do by hand. */
  public readonly status: string;

  constructor(scope: Construct, id: string, props: DiscordWiringProps) {
    super(scope, id);
    validateSnowflake('applicationId', props.applicationId);
    validateSnowflake('guildId', props.guildId);
    if (!Token.isUnresolved(props.publicKey) && !/^[0-9a-fA-F]{64}$/.test(props.publicKey)) {
      throw new Error(`publicKey must be 64 hex characters, but "${props.publicKey}" was provided`);
    }

    this.handler = new BundledFunction(this, 'Handler', {
      entry: props.entry,
      description:
        'Registers the Discord slash commands and sets the interactions endpoint URL at every deploy; removes them on delete',
      logRetention: props.logRetention,
      // It waits up to 60 s for a fresh endpoint to answer before Discord validates it; it answers
      // CloudFormation 10 s before this timeout whatever Discord does.
      timeout: HANDLER_TIMEOUT,
    });
    grantGetParameter(props.botToken, this.handler);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.handler.function.functionArn,
      resourceType: 'Custom::DiscordWiring',
      // Bounds CloudFormation's wait (default one hour) should the handler die before answering.
      serviceTimeout: HANDLER_TIMEOUT.plus(Duration.seconds(30)),
      properties: {
        ApplicationId: props.applicationId,
        GuildId: props.guildId,
        EndpointUrl: props.endpoint.url,
        PublicKey: props.publicKey.toLowerCase(),
        BotTokenParameter: props.botToken.parameterName,
        CommandsHash: createHash('sha256').update(JSON.stringify(props.commands)).digest('hex'),
        ...(props.deployRun !== undefined && { DeployRun: props.deployRun }),
      },
    });
    // Discord calls the URL to validate it: the route, its integration and permission, and the stage must
    // exist first (the URL itself only refers to the API).
    this.resource.node.addDependency(props.endpoint.ready);
    this.status = this.resource.getAttString('Status');
  }
}

function validateSnowflake(what: string, id: string): void {
  if (Token.isUnresolved(id)) return;
  if (!/^\d{17,20}$/.test(id)) {
    throw new Error(`${what} must be a Discord ID of 17 to 20 digits, but "${id}" was provided`);
  }
}
