import { RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, DependencyGroup, type IDependable } from 'constructs';
import { acknowledge } from '../validations.js';
import { validateInteger } from './validation.js';

export interface DiscordEndpointProps {
  /** The function that answers Discord interactions (it verifies Discord's Ed25519 signature itself). */
  readonly handler: lambda.IFunction;
  /**
   * Path of the interactions endpoint.
   * @default '/discord'
   */
  readonly path?: string;
  /**
   * Steady-state request rate allowed (requests per second). Discord sends one request per command, but
   * junk shares the limit: above it, Discord's requests are refused too; below it, each request is billed.
   * @default 25
   */
  readonly rateLimit?: number;
  /**
   * Requests allowed in a burst.
   * @default 50
   */
  readonly burstLimit?: number;
  /**
   * How long access logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The HTTPS endpoint Discord posts interactions to: an API Gateway HTTP API (billed per request, nothing
 * while idle) with one route, a throttled stage and access logs.
 */
export class DiscordEndpoint extends Construct {
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  /** The route(s) of the interactions path, each with its Lambda integration and invoke permission. */
  public readonly routes: apigwv2.HttpRoute[];
  /**
   * Everything that must exist before the endpoint answers (API, routes with their integration and Lambda
   * permission, stage): depend on it to call the endpoint during a deploy.
   */
  public readonly ready: IDependable;
  /** The interactions endpoint URL to paste into the Discord Developer Portal. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: DiscordEndpointProps) {
    super(scope, id);
    const path = props.path ?? '/discord';
    const rateLimit = props.rateLimit ?? 25;
    const burstLimit = props.burstLimit ?? 50;
    if (!/^(\/[A-Za-z0-9._-]+)+$/.test(path)) {
      throw new Error(`path must look like "/discord", but "${path}" was provided`);
    }
    validateInteger('rateLimit', rateLimit, 1, 10000);
    validateInteger('burstLimit', burstLimit, 1, 5000);

    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'Discord interactions endpoint of the Valheim server',
      // The stage below replaces the default one: it adds throttling and access logs.
      createDefaultStage: false,
    });
    this.routes = this.api.addRoutes({
      path,
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('Interactions', props.handler, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });
    for (const route of this.routes) {
      acknowledge(
        route,
        'AwsSolutions-APIG4',
        'Discord signs each request with Ed25519; the Lambda verifies the signature over the raw body, which an API Gateway authorizer cannot see.',
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
      throttle: { rateLimit, burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            error: '$context.error.message',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    this.url = `${this.stage.url}${path.slice(1)}`;
    this.ready = new DependencyGroup(this.api, ...this.routes, this.stage);
  }
}
