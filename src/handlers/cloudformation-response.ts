import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { jsonLogger } from '../log.js';

/** What a custom resource handler tells CloudFormation. */
export interface CustomResourceAnswer {
  readonly status: 'SUCCESS' | 'FAILED';
  /** Shown in the stack's events: never a secret. */
  readonly reason: string;
  readonly physicalResourceId: string;
  readonly data?: Readonly<Record<string, string>>;
  /** Masks `data` wherever CloudFormation would show it (Fn::GetAtt of a secret). */
  readonly noEcho?: boolean;
}

/**
 * Answers CloudFormation at the event's pre-signed ResponseURL. CloudFormation waits (up to the resource's
 * ServiceTimeout) for this answer, so it is tried a few times.
 */
export async function answerCloudFormation(
  event: CloudFormationCustomResourceEvent,
  answer: CustomResourceAnswer,
): Promise<void> {
  const body = JSON.stringify({
    Status: answer.status,
    Reason: answer.reason.slice(0, 200),
    PhysicalResourceId: answer.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    ...(answer.noEcho && { NoEcho: true }),
    ...(answer.data && { Data: answer.data }),
  });
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await fetch(event.ResponseURL, {
        method: 'PUT',
        headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
        body,
        signal: AbortSignal.timeout(5000),
      });
      await response.body?.cancel();
      if (response.ok) return;
      jsonLogger.error('CloudFormation did not accept the response', { status: response.status, attempt });
    } catch (error) {
      jsonLogger.error('could not answer CloudFormation', { error, attempt });
    }
    await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
  }
}
