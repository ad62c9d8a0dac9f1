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
    return {
      detail: 'no AWS credentials found (no AWS_PROFILE, no AWS_ACCESS_KEY_ID, nothing in ~/.aws)',
      fix: 'run aws configure (or aws configure sso), or set AWS_PROFILE',
    };
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
