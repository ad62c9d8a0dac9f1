import { type DoctorCheck, fail, NEEDS, ok } from '../check.js';

/** The outputs the CLI and the wiring read; an old stack may lack some. */
const REQUIRED_OUTPUTS = ['DiscordEndpointUrl', 'DiscordSetup', 'ClusterName', 'ServiceName'];

export const stackOutputs: DoctorCheck = {
  name: 'stack outputs',
  needs: [NEEDS.stack],
  probe({ found }) {
    const outputs = found.stack?.outputs ?? {};
    const missing = REQUIRED_OUTPUTS.filter((key) => !outputs[key]);
    if (missing.length > 0) {
      return fail(`missing ${missing.join(', ')}`, 'deploy this version: npx valheim deploy');
    }
    return ok(`DiscordEndpointUrl ${outputs.DiscordEndpointUrl}`);
  },
};
