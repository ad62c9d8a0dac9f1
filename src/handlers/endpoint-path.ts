import { randomBytes } from 'node:crypto';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ENDPOINT_SEGMENT_PATTERN } from '../discord/endpoint-path.js';
import { jsonLogger } from '../log.js';
import { answerCloudFormation } from './cloudformation-response.js';

/*
 * CloudFormation custom resource: the secret segment of Discord's route (src/discord/endpoint-path.ts). The
 * first deploy makes it and stores it as an SSM SecureString; every later deploy reads the same one back, so
 * the URL Discord knows stays valid. It goes to CloudFormation with NoEcho, never into the template, an output
 * or a log. Deleting the stack deletes the parameter.
 */
const ssm = new SSMClient({});

interface PathProperties {
  readonly ParameterName: string;
}

const PHYSICAL_ID = 'discord-endpoint-path';

export async function handler(event: CloudFormationCustomResourceEvent): Promise<void> {
  const { ParameterName: name } = event.ResourceProperties as unknown as PathProperties;
  try {
    if (event.RequestType === 'Delete') {
      await ssm.send(new DeleteParameterCommand({ Name: name })).catch((error: unknown) => {
        if ((error as Error).name !== 'ParameterNotFound') throw error;
      });
      await answerCloudFormation(event, {
        status: 'SUCCESS',
        reason: 'deleted',
        physicalResourceId: PHYSICAL_ID,
      });
      return;
    }
    const segment = await readOrCreate(name);
    await answerCloudFormation(event, {
      status: 'SUCCESS',
      reason: `the endpoint path is in ${name}`,
      physicalResourceId: PHYSICAL_ID,
      data: { Segment: segment },
      noEcho: true,
    });
  } catch (error) {
    jsonLogger.error('cannot read or create the endpoint path', { parameter: name, error });
    await answerCloudFormation(event, {
      status: 'FAILED',
      reason: `cannot read or create ${name}: ${(error as Error).name}`,
      physicalResourceId: PHYSICAL_ID,
    });
  }
}

/** The stored segment, or a new one stored without overwriting (two deploys at once keep the first). */
export async function readOrCreate(name: string, client: SSMClient = ssm): Promise<string> {
  const stored = await read(name, client);
  if (stored && ENDPOINT_SEGMENT_PATTERN.test(stored)) return stored;
  const fresh = randomBytes(20).toString('hex');
  try {
    await client.send(
      new PutParameterCommand({
        Name: name,
        Value: fresh,
        Type: 'SecureString',
        // A damaged value is replaced; a good one was returned above.
        Overwrite: stored !== undefined,
        Description:
          "Secret path segment of the Discord interactions route (made by the deploy; don't share)",
      }),
    );
    return fresh;
  } catch (error) {
    if ((error as Error).name !== 'ParameterAlreadyExists') throw error;
    const winner = await read(name, client);
    if (!winner) throw error;
    return winner;
  }
}

async function read(name: string, client: SSMClient): Promise<string | undefined> {
  try {
    const result = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    return result.Parameter?.Value?.trim();
  } catch (error) {
    if ((error as Error).name === 'ParameterNotFound') return undefined;
    throw error;
  }
}
