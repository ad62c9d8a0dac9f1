import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorResponse } from '../discord/endpoint.js';
import { CATCH_ALL_ROUTE_KEY } from '../discord/endpoint-path.js';
import { jsonLogger } from '../log.js';
import { readInteractionsEnvironment } from './environment.js';
import { createInteractionsApp, type InteractionsApp } from './interactions-app.js';

/*
 * Lambda entry for POST /discord/<secret> and the catch-all route (API Gateway HTTP API, payload 2.0). Thin: decode the event, run the
 * shared app, map the result. Set-up happens once per container, at module load.
 */
let app: InteractionsApp | undefined;
try {
  app = createInteractionsApp({ environment: readInteractionsEnvironment(process.env), log: jsonLogger });
} catch (error) {
  jsonLogger.error('interactions endpoint cannot start', { problem: (error as Error).message });
}

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  // Every path but Discord's secret one (src/discord/endpoint-path.ts) lands here: nothing to do, no work
  // done, nothing logged (the route key of Discord's route holds the secret, so it is never logged either).
  if (event.routeKey === CATCH_ALL_ROUTE_KEY) return errorResponse(404, 'not found');
  // The reason is in the log (above); the caller may be anyone on the internet.
  if (!app) return errorResponse(500, 'endpoint misconfigured: ask whoever set it up to look at its log');
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  // Payload 2.0 already lower-cases header names.
  return app({ headers: event.headers ?? {}, body });
}
