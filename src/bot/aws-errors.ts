import { DeadlineExceededError } from '../deadline.js';
import type { WorldError } from '../worlds/errors.js';

/**
 * Turns a failure while talking to AWS into a sentence for Discord. The full error goes to the logs;
 * players get what happened and what to do, never a stack trace.
 */
export function describeFailure(error: unknown, action: string): string {
  if (error instanceof DeadlineExceededError) {
    return `AWS did not answer in time while trying to ${action}. It may still go through: check \`/valheim status\` in a minute.`;
  }
  if (isWorldError(error)) {
    // e.g. ECS refused to place the world-transfer task: its own words, with the fix.
    return `I could not ${action}: ${error.problem}. ${error.fix.charAt(0).toUpperCase()}${error.fix.slice(1)}.`;
  }
  const name = error instanceof Error ? error.name : '';
  if (
    name === 'ServiceNotFoundError' ||
    name === 'ServiceNotFoundException' ||
    name === 'ClusterNotFoundException'
  ) {
    return `The game server's ECS service was not found, so I could not ${action}. Was the stack deleted? Redeploy it (\`npm run deploy\`).`;
  }
  if (name === 'AccessDeniedException' || name === 'UnauthorizedOperation' || name === 'AccessDenied') {
    return `The bot is not allowed to ${action} (${name}). Redeploy the stack so its permissions are up to date.`;
  }
  if (
    name === 'ThrottlingException' ||
    name === 'TooManyRequestsException' ||
    name === 'RequestLimitExceeded'
  ) {
    return `AWS is busy right now (throttled), so I could not ${action}. Try again in a few seconds.`;
  }
  if (name === 'CredentialsProviderError') {
    return `The bot has no AWS credentials, so I could not ${action}. Check how the endpoint is run (README, "Troubleshooting").`;
  }
  return `Something went wrong while trying to ${action}${name ? ` (${name})` : ''}. Try again; if it keeps happening, look at the bot's logs.`;
}

/** By name, not instanceof: the class would be one more chunk for the entry of the Lambda to load. */
function isWorldError(error: unknown): error is WorldError {
  return (
    error instanceof Error &&
    error.name === 'WorldError' &&
    typeof (error as Partial<WorldError>).problem === 'string' &&
    typeof (error as Partial<WorldError>).fix === 'string'
  );
}
