import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { DiscordRest } from '../discord/rest-client.js';
import { wireDiscord } from '../discord/wire-discord.js';
import { jsonLogger } from '../log.js';

/*
 * CloudFormation custom resource run at each deploy: registers the slash commands and sets the
 * interactions endpoint URL. It always reports SUCCESS (with the outcome in the Status attribute, shown as
 * a stack output), so a Discord problem leaves a working stack and a clear next step.
 */
const ssm = new SSMClient({});

interface WiringProperties {
  readonly ApplicationId: string;
  readonly GuildId: string;
  readonly EndpointUrl: string;
  readonly BotTokenParameter: string;
  readonly DiscordApiUrl?: string;
}

const ENDPOINT_WAIT_MS = 60_000;

export async function handler(event: CloudFormationCustomResourceEvent): Promise<void> {
  const physicalId = 'discord-wiring';
  let status = 'nothing to do';
  if (event.RequestType !== 'Delete') {
    const props = event.ResourceProperties as unknown as WiringProperties;
    status = await wire(props);
  }
  await respond(event, physicalId, status);
}

async function wire(props: WiringProperties): Promise<string> {
  let token: string | undefined;
  try {
    const result = await ssm.send(
      new GetParameterCommand({ Name: props.BotTokenParameter, WithDecryption: true }),
    );
    token = result.Parameter?.Value;
  } catch (error) {
    jsonLogger.error('cannot read the bot token', { parameter: props.BotTokenParameter, error });
  }
  if (!token) {
    return `Discord was not set up: no bot token in ${props.BotTokenParameter}; run "npx valheim secrets set", then "npx valheim discord register" and "npx valheim discord endpoint <DiscordEndpointUrl>"`;
  }
  const rest = new DiscordRest({
    ...(props.DiscordApiUrl && { baseUrl: props.DiscordApiUrl }),
    botToken: async () => token,
    timeoutMs: 10_000,
  });
  const result = await wireDiscord(
    { applicationId: props.ApplicationId, guildId: props.GuildId, endpointUrl: props.EndpointUrl },
    { rest, waitForEndpoint, log: jsonLogger },
  );
  return result.status;
}

/** A fresh API Gateway stage can take a few seconds to answer; an unsigned POST must get our 401. */
async function waitForEndpoint(url: string): Promise<void> {
  const deadline = Date.now() + ENDPOINT_WAIT_MS;
  for (;;) {
    try {
      const response = await fetch(url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(5000) });
      await response.body?.cancel();
      if (response.status === 401) return;
    } catch {
      // not reachable yet
    }
    if (Date.now() > deadline)
      throw new Error(`the endpoint ${url} did not answer within ${ENDPOINT_WAIT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

async function respond(
  event: CloudFormationCustomResourceEvent,
  physicalId: string,
  status: string,
): Promise<void> {
  const body = JSON.stringify({
    Status: 'SUCCESS',
    Reason: status.slice(0, 200),
    PhysicalResourceId: physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: { Status: status },
  });
  const response = await fetch(event.ResponseURL, {
    method: 'PUT',
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
  if (!response.ok)
    jsonLogger.error('CloudFormation did not accept the response', { status: response.status });
}
