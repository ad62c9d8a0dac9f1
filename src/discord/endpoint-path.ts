/*
 * Discord's own route on the API: `POST /discord/<segment>`, where the segment is 160 random bits made once by
 * the first deploy and kept in an SSM SecureString (`/<stackName>/discord-endpoint-path`). Nobody who has only
 * the API's address (junk senders, the README, the stack outputs) can reach the route, so junk never spends
 * its throttle; everything else on the API lands on a `$default` route with a throttle of its own.
 */

/** The path of the interactions route before its secret segment. */
export const ENDPOINT_PATH_PREFIX = '/discord';

/** 20 random bytes, hex: 160 bits, more than the 128 an unguessable URL needs. */
export const ENDPOINT_SEGMENT_PATTERN = /^[0-9a-f]{40}$/;

/** The route key API Gateway gives every request that matches no other route. */
export const CATCH_ALL_ROUTE_KEY = '$default';

/** The SSM SecureString that holds the segment. */
export function endpointPathParameterName(stackName: string): string {
  return `/${stackName}/discord-endpoint-path`;
}

/** The full interactions endpoint URL from the API's URL (stack output DiscordApiUrl) and the segment. */
export function endpointUrl(apiUrl: string, segment: string): string {
  if (!ENDPOINT_SEGMENT_PATTERN.test(segment)) {
    throw new Error('the stored endpoint path is not 40 hex characters: redeploy to make a new one');
  }
  return `${apiUrl.replace(/\/+$/, '')}${ENDPOINT_PATH_PREFIX}/${segment}`;
}

/**
 * The URL as it may be shown (stack outputs, logs, a terminal someone pastes into a chat): the secret segment
 * is cut to its last 4 characters, enough to tell two deploys apart.
 */
export function redactEndpointUrl(url: string): string {
  return url.replace(/(\/discord\/)([0-9a-f]{36})([0-9a-f]{4})(?=$|[/?#])/, '$1…$3');
}
