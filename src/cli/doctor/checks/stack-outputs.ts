import { redactEndpointUrl } from '../../../discord/endpoint-path.js';
import { EndpointUrlUnavailable, stackEndpointUrl } from '../../stack-outputs.js';
import { type DoctorCheck, fail, NEEDS, ok } from '../check.js';

/** The outputs the CLI and the wiring read; an old stack may lack some. */
const REQUIRED_OUTPUTS = ['DiscordApiUrl', 'DiscordSetup', 'ClusterName', 'ServiceName'];

/** The outputs, and the endpoint URL they and the secret path in SSM make (for the endpoint checks). */
export const stackOutputs: DoctorCheck = {
  name: 'stack outputs',
  needs: [NEEDS.stack],
  async probe({ aws, config, found }) {
    const stack = found.stack;
    const outputs = stack?.outputs ?? {};
    const missing = REQUIRED_OUTPUTS.filter((key) => !outputs[key]);
    if (!stack || missing.length > 0) {
      return fail(`missing ${missing.join(', ')}`, 'deploy this version: npx valheim deploy');
    }
    try {
      found.endpointUrl = await stackEndpointUrl(stack, config.stackName, aws.ssm);
    } catch (error) {
      if (error instanceof EndpointUrlUnavailable) return fail(error.message, error.fix);
      throw error;
    }
    return ok(`Discord endpoint ${redactEndpointUrl(found.endpointUrl)}`);
  },
};
