import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { secretParameterNames } from '../../../config/parameters.js';
import { awsFailure } from '../../errors.js';
import { type DoctorCheck, fail, NEEDS, ok } from '../check.js';

/** Both secrets are stored and decrypt; the bot token read here serves the Discord checks. */
export const ssmParameters: DoctorCheck = {
  name: 'SSM parameters',
  needs: [NEEDS.aws, NEEDS.region],
  async probe({ aws, config, found }) {
    const names = secretParameterNames(config.stackName);
    try {
      const result = await aws.ssm.send(
        new GetParametersCommand({ Names: [names.botToken, names.serverPassword], WithDecryption: true }),
      );
      const token = result.Parameters?.find((parameter) => parameter.Name === names.botToken)?.Value?.trim();
      // DISCORD_BOT_TOKEN, when set, was recorded first and wins.
      if (token && !found.botToken) found.botToken = { value: token, source: 'SSM' };
      const missing = result.InvalidParameters ?? [];
      if (missing.length > 0) {
        const only =
          missing.length === 1
            ? missing[0] === names.botToken
              ? ' --only bot-token'
              : ' --only server-password'
            : '';
        return fail(
          `missing ${missing.join(', ')}`,
          `store ${missing.length === 1 ? 'it' : 'them'}: npx valheim secrets set${only}`,
        );
      }
      return ok(`${names.botToken} and ${names.serverPassword} are stored`);
    } catch (error) {
      const name = (error as Error).name;
      if (/KMS|InvalidKeyId/.test(name) || /\bKMS\b/.test((error as Error).message)) {
        return fail(
          `the parameters cannot be decrypted (${name})`,
          'store them again with the default key: npx valheim secrets set',
        );
      }
      const failure = awsFailure(error, {
        action: 'read the secrets from SSM',
        permission: `ssm:GetParameters on ${names.botToken} and ${names.serverPassword} (and kms:Decrypt)`,
        region: config.region,
      });
      return fail(failure.problem, failure.fix);
    }
  },
};
