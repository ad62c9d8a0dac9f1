import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { awsFailure } from '../../errors.js';
import { type DoctorCheck, fail, ok } from '../check.js';

/** Who the CLI is in AWS: everything AWS-side below needs it. */
export const awsCredentials: DoctorCheck = {
  name: 'AWS credentials',
  async probe({ aws, env, config, found }) {
    try {
      const identity = await aws.sts.send(new GetCallerIdentityCommand({}));
      found.account = identity.Account;
      return ok(`${identity.Arn} (account ${identity.Account})`);
    } catch (error) {
      const { detail, fix } = explainCredentials(error, env, config.region);
      return fail(detail, fix);
    }
  },
};

/** Why there are no usable credentials: an unknown profile, an expired SSO session and no keys at all differ. */
function explainCredentials(
  error: unknown,
  env: NodeJS.ProcessEnv,
  region: string,
): { detail: string; fix: string } {
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  const profile = env.AWS_PROFILE?.trim();
  if (
    /Profile \S+ was not found|could not be found|Could not resolve credentials using profile/i.test(message)
  ) {
    return {
      detail: `the AWS profile "${profile ?? 'default'}" is not in ~/.aws/config or ~/.aws/credentials`,
      fix: 'set AWS_PROFILE to one of "aws configure list-profiles", or create it with aws configure',
    };
  }
  if (
    /SSO session .*(expired|invalid)|SSO session token .*not found or is invalid|Token is expired/i.test(
      message,
    )
  ) {
    return {
      detail: `the SSO session of the profile "${profile ?? 'default'}" has expired`,
      fix: `log in again: aws sso login${profile ? ` --profile ${profile}` : ''}`,
    };
  }
  if (/Could not load credentials from any providers/i.test(message)) {
    return nothingFound(env, profile);
  }
  if (/^(ExpiredToken|ExpiredTokenException|RequestExpired)$/.test(name)) {
    return {
      detail: `the AWS session token has expired (${name})`,
      fix: 'refresh the credentials (aws sso login, or new keys)',
    };
  }
  if (/^(InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClientException)$/.test(name)) {
    return {
      detail: `AWS rejected the access key (${name})`,
      fix: 'the key may be deleted or mistyped: check aws configure list, or create a new key',
    };
  }
  const failure = awsFailure(error, {
    action: 'ask STS who you are',
    permission: 'sts:GetCallerIdentity',
    region,
  });
  return { detail: failure.problem, fix: failure.fix };
}

/**
 * The SDK says only "Could not load credentials from any providers", also for a profile that does not
 * exist: say what was really looked at — the profile named by AWS_PROFILE and the files it was looked for
 * in (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE or their defaults under the home folder).
 */
function nothingFound(env: NodeJS.ProcessEnv, profile: string | undefined): { detail: string; fix: string } {
  const home = env.HOME?.trim() || homedir();
  const files = [
    env.AWS_CONFIG_FILE?.trim() || join(home, '.aws', 'config'),
    env.AWS_SHARED_CREDENTIALS_FILE?.trim() || join(home, '.aws', 'credentials'),
  ];
  const existing = files.filter((file) => existsSync(file));
  const where =
    existing.length === 0
      ? `neither ${files[0]} nor ${files[1]} exists`
      : `looked in ${existing.join(' and ')}`;
  if (profile) {
    const defined = existing.some((file) => profilesIn(file).includes(profile));
    return defined
      ? {
          detail: `the AWS profile "${profile}" (AWS_PROFILE) gives no credentials (${where})`,
          fix: `give it keys, a role or an SSO session: aws configure --profile ${profile} (or aws configure sso)`,
        }
      : {
          detail: `the AWS profile "${profile}" (AWS_PROFILE) is not defined (${where})`,
          fix: `set AWS_PROFILE to one of "aws configure list-profiles", or create it: aws configure --profile ${profile}`,
        };
  }
  const keys = env.AWS_ACCESS_KEY_ID?.trim()
    ? 'AWS_ACCESS_KEY_ID is set without a usable secret'
    : 'no AWS_PROFILE or AWS_ACCESS_KEY_ID';
  return {
    detail: `no AWS credentials found (${keys}; ${where}, with no usable default profile)`,
    fix: 'run aws configure (or aws configure sso), or set AWS_PROFILE',
  };
}

/** The profile names a config or credentials file defines ("[profile x]" or "[x]"). */
function profilesIn(file: string): string[] {
  try {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(/^\s*\[\s*(?:profile\s+)?([^\]\s]+)\s*\]/gm)].map((match) => match[1] ?? '');
  } catch {
    return [];
  }
}
