import { ConfigError } from '../config/load.js';

/**
 * An expected failure: what went wrong and how to fix it. The CLI prints it as one line,
 * `valheim: <problem> — <fix>`, and exits 1 without a stack trace.
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem} — ${fix}`);
  }
}

/** Several expected failures found at once (every bad flag of one non-interactive run): one line each. */
export class CliProblems extends Error {
  override readonly name = 'CliProblems';

  constructor(readonly problems: readonly CliError[]) {
    super(problems.map((problem) => problem.message).join('\n'));
  }
}

/** The lines printed to stderr for a failure: one per problem, a stack trace only for bugs and only on request. */
export function errorLines(error: unknown, debug: boolean): string[] {
  if (error instanceof CliError) return [`valheim: ${error.message}`];
  if (error instanceof CliProblems) return error.problems.map((problem) => `valheim: ${problem.message}`);
  if (error instanceof ConfigError) return error.message.split('\n').map((line) => `valheim: ${line}`);
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? firstLine(error.message) : String(error);
  const lines = [
    `valheim: unexpected error (${name}: ${message}) — this is a bug; please report it with the output of VALHEIM_DEBUG=1`,
  ];
  if (debug && error instanceof Error && error.stack) lines.push(error.stack);
  return lines;
}

export function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim();
}

/** A multi-line message (e.g. Discord's flattened form errors) as one line. */
export function oneLine(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join('; ');
}

/** Removes every occurrence of the given secrets from a message (AWS validation errors may echo values). */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length > 0) result = result.split(secret).join('***');
  }
  return result;
}

/** The `code` of a Node network error, on the error itself or on its cause (fetch/undici wrap them). */
export function networkErrorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^(E[A-Z][A-Z_]*|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A failure in a few words a user can act on: the network cause (ECONNREFUSED, EAI_AGAIN), AWS's error
 * code, "timed out", or the message — never a bare JavaScript class name such as "TypeError".
 */
export function errorSummary(error: unknown): string {
  const code = networkErrorCode(error);
  if (code) return code;
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
  if ('$metadata' in error && error.name !== 'Error') return error.name;
  const cause = (error as { cause?: unknown }).cause;
  const message = firstLine(error.message);
  if (message === 'fetch failed' && cause instanceof Error)
    return `network error: ${firstLine(cause.message)}`;
  return message || error.name;
}

export interface AwsFailureContext {
  /** What the CLI was doing, e.g. "write the bot token to SSM". */
  readonly action: string;
  /** The IAM permission the action needs, e.g. "ssm:PutParameter on /valheim-ondemand/*". */
  readonly permission: string;
  readonly region: string;
  /** Values that must never appear in the output. */
  readonly secrets?: readonly string[];
}

/** Maps an AWS SDK failure to one line saying what went wrong and what to do. */
export function awsFailure(error: unknown, context: AwsFailureContext): CliError {
  const { action, permission, region } = context;
  const name = error instanceof Error ? error.name : '';
  const message = redact(
    error instanceof Error ? firstLine(error.message) : String(error),
    context.secrets ?? [],
  );
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return new CliError(
      `no AWS credentials found, so could not ${action}`,
      'configure AWS credentials (aws configure / AWS_PROFILE)',
    );
  }
  if (/^(ExpiredToken|ExpiredTokenException|RequestExpired|TokenRefreshRequired)$/.test(name)) {
    return new CliError(
      `your AWS session has expired, so could not ${action}`,
      'log in again (aws sso login, or refresh the credentials of AWS_PROFILE)',
    );
  }
  if (
    /^(UnrecognizedClientException|InvalidClientTokenId|InvalidSignatureException|SignatureDoesNotMatch)$/.test(
      name,
    )
  ) {
    return new CliError(
      `AWS rejected your credentials (${name}), so could not ${action}`,
      'check aws configure / AWS_PROFILE: the access key may be deleted, mistyped or for another partition',
    );
  }
  // SecureStrings are encrypted with a KMS key: its refusal is neither a missing secret nor an SSM permission.
  if (/^(KMS\w+|InvalidKeyId)$/.test(name) || (/AccessDenied/.test(name) && /\bkms:/i.test(message))) {
    return new CliError(
      `the KMS key of the SecureString refused (${name}: ${message}), so could not ${action}`,
      'your AWS identity needs kms:Encrypt and kms:Decrypt on that key (by default alias/aws/ssm), and the key must be enabled',
    );
  }
  if (/^(AccessDeniedException|AccessDenied|UnauthorizedOperation)$/.test(name)) {
    return new CliError(
      `AWS denied permission to ${action} in ${region}`,
      `your AWS identity needs ${permission} (ask your AWS admin or use a profile that has it)`,
    );
  }
  if (/^(ThrottlingException|TooManyUpdates|TooManyRequestsException|RequestLimitExceeded)$/.test(name)) {
    return new CliError(
      `AWS is throttling requests, so could not ${action}`,
      'wait a few seconds and try again',
    );
  }
  const code = networkErrorCode(error);
  if (code || name === 'TimeoutError') {
    return new CliError(
      `could not reach AWS in ${region} (${code ?? name}) to ${action}`,
      'check your internet connection and the region in the config (and AWS_ENDPOINT_URL if you set it)',
    );
  }
  return new CliError(
    `could not ${action} (${name || 'error'}: ${message})`,
    'check the message, your AWS credentials and the region, then try again',
  );
}
