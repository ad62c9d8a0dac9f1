import { createHash } from 'node:crypto';
import { CustomResource, Duration, Token } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { BundledFunction } from './bundled-function.js';
import type { DiscordEndpoint } from './discord-endpoint.js';
import { grantGetParameter } from './parameter-access.js';

export interface DiscordWiringProps {
  /** Absolute path of the custom resource handler's TypeScript file (it must export `handler`). */
  readonly entry: string;
  /** The Discord application (Developer Portal → General Information → Application ID). */
  readonly applicationId: string;
  /** The Discord server (guild) the commands are registered in. */
  readonly guildId: string;
  /** The endpoint Discord is pointed at; the wiring runs once it can answer. */
  readonly endpoint: DiscordEndpoint;
  /** The SecureString parameter holding the bot token the handler registers with. */
  readonly botToken: ssm.IParameter;
  /**
   * The command definitions the handler registers (any JSON value). Only their SHA-256 goes into the
   * template: a change of the commands changes the resource, so the next deploy registers them again.
   */
  readonly commands: unknown;
  /**
   * How long the handler's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Connects Discord at deploy time: a custom resource whose handler registers the slash commands in the
 * guild and sets the application's interactions endpoint URL. The handler always reports success, with
 * the outcome (or the manual next step, e.g. when no bot token is stored yet) in its `Status` attribute,
 * so a Discord problem never rolls a deploy back.
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

    this.handler = new BundledFunction(this, 'Handler', {
      entry: props.entry,
      description: 'Registers the Discord slash commands and sets the interactions endpoint URL at deploy',
      logRetention: props.logRetention,
      // It waits up to 60 s for a fresh endpoint to answer before Discord validates it.
      timeout: Duration.minutes(2),
    });
    grantGetParameter(props.botToken, this.handler);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.handler.function.functionArn,
      resourceType: 'Custom::DiscordWiring',
      properties: {
        ApplicationId: props.applicationId,
        GuildId: props.guildId,
        EndpointUrl: props.endpoint.url,
        BotTokenParameter: props.botToken.parameterName,
        CommandsHash: createHash('sha256').update(JSON.stringify(props.commands)).digest('hex'),
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
