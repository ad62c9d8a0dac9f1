import { RemovalPolicy, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, DependencyGroup, type IDependable } from 'constructs';
import {
  CATCH_ALL_ROUTE_KEY,
  ENDPOINT_PATH_PREFIX,
  ENDPOINT_SEGMENT_PATTERN,
} from '../../src/discord/endpoint-path.js';
import { acknowledge } from '../validations.js';
import { validateInteger } from './validation.js';

export interface DiscordEndpointProps {
  /** The function that answers Discord interactions (it verifies Discord's Ed25519 signature itself). */
  readonly handler: lambda.IFunction;
  /**
   * The secret last segment of Discord's route, `POST /discord/<segment>` (DiscordEndpointPath.segment):
   * unguessable, so only Discord (told by the wiring) reaches the route and its throttle.
   */
  readonly pathSegment: string;
  /**
   * Steady-state request rate allowed on Discord's route (requests per second). Discord sends one request
   * per command; junk cannot reach the route without the secret segment.
   * @default 25
   */
  readonly rateLimit?: number;
  /**
   * Requests allowed in a burst on Discord's route.
   * @default 50
   */
  readonly burstLimit?: number;
  /**
   * Rate allowed on every other path (the `$default` route, which answers 404): what junk can cost at most.
   * @default 1
   */
  readonly junkRateLimit?: number;
  /**
   * Burst allowed on every other path.
   * @default 2
   */
  readonly junkBurstLimit?: number;
  /**
   * How long access logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The HTTPS endpoint Discord posts interactions to: an API Gateway HTTP API (billed per request, nothing while
 * idle) with two routes. Discord's, `POST /discord/<secret segment>`, takes the stage's default throttle
 * (`rateLimit`/`burstLimit`); every other path lands on `$default`, with a small throttle of its own and a
 * 404 from the function, so junk sent to the API's address never spends Discord's budget. Access logs leave
 * out the route key and the path, which hold the segment.
 */
export class DiscordEndpoint extends Construct {
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  /** Discord's route, with its Lambda integration and invoke permission. */
  public readonly routes: apigwv2.HttpRoute[];
  /** The `$default` route every other request lands on. */
  public readonly catchAll: apigwv2.HttpRoute;
  /**
   * Everything that must exist before the endpoint answers (API, routes with their integration and Lambda
   * permission, stage): depend on it to call the endpoint during a deploy.
   */
  public readonly ready: IDependable;
  /** The API's URL, without Discord's route: safe to publish (stack output DiscordApiUrl). */
  public readonly apiUrl: string;
  /** The interactions endpoint URL for the Discord Developer Portal: holds the secret segment. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: DiscordEndpointProps) {
    super(scope, id);
    const rateLimit = props.rateLimit ?? 25;
    const burstLimit = props.burstLimit ?? 50;
    const junkRateLimit = props.junkRateLimit ?? 1;
    const junkBurstLimit = props.junkBurstLimit ?? 2;
    if (!Token.isUnresolved(props.pathSegment) && !ENDPOINT_SEGMENT_PATTERN.test(props.pathSegment)) {
      throw new Error('pathSegment must be 40 hex characters (160 random bits)');
    }
    validateInteger('rateLimit', rateLimit, 1, 10000);
    validateInteger('burstLimit', burstLimit, 1, 5000);
    validateInteger('junkRateLimit', junkRateLimit, 1, 10000);
    validateInteger('junkBurstLimit', junkBurstLimit, 1, 5000);

    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'Discord interactions endpoint of the Valheim server',
      // The stage below replaces the default one: it adds throttling and access logs.
      createDefaultStage: false,
    });
    const integration = new HttpLambdaIntegration('Interactions', props.handler, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      // One permission for the API (both routes): a route-scoped one would carry the secret path in the
      // function's resource policy.
      scopePermissionToRoute: false,
    });
    const discordRoute = new apigwv2.HttpRoute(this, 'Interactions', {
      httpApi: this.api,
      routeKey: apigwv2.HttpRouteKey.with(ENDPOINT_PATH_PREFIX, apigwv2.HttpMethod.POST),
      integration,
    });
    // The key with the secret segment, set on the resource (HttpRouteKey.with cannot check a token path).
    (discordRoute.node.defaultChild as apigwv2.CfnRoute).routeKey =
      `POST ${ENDPOINT_PATH_PREFIX}/${props.pathSegment}`;
    this.routes = [discordRoute];
    this.catchAll = new apigwv2.HttpRoute(this, 'CatchAll', {
      httpApi: this.api,
      routeKey: apigwv2.HttpRouteKey.DEFAULT,
      integration,
    });
    for (const route of [...this.routes, this.catchAll]) {
      acknowledge(
        route,
        'AwsSolutions-APIG4',
        'Discord signs each request with Ed25519; the Lambda verifies the signature over the raw body, which an API Gateway authorizer cannot see. The catch-all route answers 404 before any work.',
      );
    }

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      // Every route without settings of its own: Discord's (its key holds the secret, so it cannot be named
      // in RouteSettings, whose keys the template would show).
      throttle: { rateLimit, burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            error: '$context.error.message',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    // An untyped property (a map of route keys): written as CloudFormation spells it.
    cfnStage.routeSettings = {
      [CATCH_ALL_ROUTE_KEY]: { ThrottlingRateLimit: junkRateLimit, ThrottlingBurstLimit: junkBurstLimit },
    };
    // API Gateway refuses route settings for a route that does not exist yet.
    this.stage.node.addDependency(this.catchAll);
    this.apiUrl = this.stage.url;
    this.url = `${this.stage.url}${ENDPOINT_PATH_PREFIX.slice(1)}/${props.pathSegment}`;
    this.ready = new DependencyGroup(this.api, ...this.routes, this.catchAll, this.stage);
  }
}
