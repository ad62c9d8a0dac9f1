import { basename, dirname } from 'node:path';
import { AssetHashType, DockerImage, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { bundleLambda } from '../bundling.js';
import { acknowledge } from '../validations.js';
import { validateInteger } from './validation.js';

export interface BundledFunctionProps {
  /** Absolute path of the handler's TypeScript file; it must export `handler`. */
  readonly entry: string;
  /**
   * Environment variables, merged over the defaults (`NODE_OPTIONS=--enable-source-maps`).
   * @default - only NODE_OPTIONS
   */
  readonly environment?: Record<string, string>;
  /**
   * Memory in MiB (CPU grows with it, and so does the speed of a cold start).
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Maximum run time of one invocation.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Description shown in the Lambda console.
   * @default - no description
   */
  readonly description?: string;
  /**
   * How often Lambda retries a failed asynchronous invocation (EventBridge, CloudWatch Logs, CloudFormation).
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * How long Lambda keeps an asynchronous event before dropping it.
   * @default Duration.hours(6)
   */
  readonly maxEventAge?: Duration;
  /**
   * Concurrent instances kept for this function alone, which is also the most it may run. Lambda refuses a
   * reservation that leaves the account fewer than 10 unreserved.
   * @default - none: the function shares the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * The project's Lambda defaults: nodejs22.x on arm64, bundled locally with the same esbuild settings as
 * `npm run bench` (no Docker), a log group with retention, and an own role whose only built-in permission is
 * writing to that log group (no AWS managed policies). Callers add permissions with `grant*()` on other
 * constructs, passing this construct (it is `IGrantable`).
 */
export class BundledFunction extends Construct implements iam.IGrantable {
  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  public readonly grantPrincipal: iam.IPrincipal;
  /** The handler's TypeScript entry file: which bundle of `npm run build` this function runs. */
  public readonly entry: string;

  constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    super(scope, id);
    const memorySize = props.memorySize ?? 512;
    validateInteger('memorySize', memorySize, 128, 10240);
    if (props.reservedConcurrentExecutions !== undefined) {
      validateInteger('reservedConcurrentExecutions', props.reservedConcurrentExecutions, 1, 1000);
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${this.node.path}`,
    });
    this.logGroup.grantWrite(this.role);
    this.grantPrincipal = this.role;

    const entry = props.entry;
    this.entry = entry;
    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(dirname(entry), {
        // Hash what is deployed: the bundle changes whenever any imported source file changes, which a hash
        // of the entry's folder would miss (handlers import src/discord, src/server, …).
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Required by the type, never pulled: local bundling always succeeds or throws.
          image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
          // Never used by local bundling, but part of CDK's asset cache key, which knows only the folder: without
          // the file name, every function whose handler shares a folder would get the first one's bundle.
          environment: { ENTRY: basename(entry) },
          local: {
            tryBundle(outputDir) {
              bundleLambda({ entry, outdir: outputDir });
              return true;
            },
          },
        },
      }),
      memorySize,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      description: props.description,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    });
    acknowledge(
      this.function,
      'AwsSolutions-L1',
      'The project pins nodejs22.x: the bundle targets node22 and is benchmarked on it; runtime upgrades are deliberate.',
    );
  }
}
