import type { BackupClient } from '@aws-sdk/client-backup';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { S3Client } from '@aws-sdk/client-s3';
import { WorldError } from './errors.js';
import type { ProgressListener } from './snapshots.js';
import type { WorldStack } from './stack.js';

/*
 * What the world operations (export, import, restore, backups) need from outside, as small ports: the ECS
 * and S3 clients of the deployed stack, AWS Backup, a clock, and a reporter that shows progress and asks
 * before a world is replaced. The CLI provides them for a terminal; tests provide fakes. The operations
 * themselves never print, prompt or read the config.
 */

/** How an operation talks to whoever runs it. */
export interface WorldReporter {
  /** What was found, or what was done (the CLI: stdout). */
  info(line: string): void;
  /** A step as it happens (the CLI: stderr). */
  progress(line: string): void;
  /** Something worth knowing that does not stop the operation (the CLI: "valheim: warning: …"). */
  warn(line: string): void;
  /** The transfer task's status changed (PROVISIONING … STOPPED). */
  taskStatus(status: string, taskArn: string): void;
  /** Bytes moving for `label` ("Uploading Midgard"); one listener per transfer. */
  bytes(label: string): ProgressListener;
  /**
   * Asks before a world is replaced or removed. Resolves to go on; rejects (with the caller's own error) to
   * stop, and then nothing has been changed.
   */
  confirm(question: string): Promise<void>;
}

export interface WorldPorts {
  readonly stack: WorldStack;
  readonly ecs: ECSClient;
  readonly s3: S3Client;
  /** AWS Backup, created only by the operations that list or look up recovery points. */
  readonly backup: () => BackupClient;
  readonly report: WorldReporter;
  readonly now: () => Date;
  /** Waits between polls of the transfer task; tests make it instant. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The IAM permissions each kind of step needs, for the message when AWS refuses one. */
export const WORLD_PERMISSIONS = {
  stack: 'ecs:DescribeTaskDefinition and ecs:DescribeServices',
  task: 'ecs:RunTask, ecs:DescribeTasks, ecs:ListTasks, ecs:DescribeServices and iam:PassRole for the world-transfer task roles',
  bucket: 's3:ListBucket, s3:GetObject and s3:PutObject on the world bucket',
  backup: 'backup:ListRecoveryPointsByResource',
  service: 'ecs:DescribeServices',
  worlds:
    'ssm:GetParameters and ssm:PutParameter on /<stack>/world/*, and dynamodb:Query, GetItem, PutItem and UpdateItem on the state table',
} as const;

/**
 * An AWS call of a world operation failed: what the operation was doing, what permission that needs, and
 * AWS's error as the cause. Each caller words it its own way (the CLI: one line with the fix).
 */
export class WorldStepError extends Error {
  override readonly name = 'WorldStepError';

  constructor(
    readonly action: string,
    readonly permission: string,
    override readonly cause: unknown,
  ) {
    super(`could not ${action}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Runs one AWS step; an expected WorldError passes through, anything else becomes a WorldStepError. */
export async function awsStep<T>(action: string, permission: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof WorldError || error instanceof WorldStepError) throw error;
    throw new WorldStepError(action, permission, error);
  }
}
