import { redactEndpointUrl } from '../../../discord/endpoint-path.js';
import { describeProbe, probeEndpoint } from '../../../discord/endpoint-probe.js';
import { type DoctorCheck, endpointUrlOf, fail, HTTP_TIMEOUT_MS, NEEDS, ok } from '../check.js';

/** The endpoint answers, and refuses an unsigned request (401) as a signature-checking endpoint must. */
export const endpointUp: DoctorCheck = {
  name: 'endpoint up',
  needs: [NEEDS.endpointOutput],
  async probe({ found }) {
    const url = endpointUrlOf(found);
    const shown = redactEndpointUrl(url);
    const probe = await probeEndpoint(url, HTTP_TIMEOUT_MS);
    if (probe.kind === 'verifies') return ok(`${shown} ${describeProbe(probe)}`);
    if (probe.kind === 'answered' && probe.status === 200) {
      return fail(
        `${shown} ${describeProbe(probe)}`,
        "the endpoint must be the stack's; redeploy (npx valheim deploy)",
      );
    }
    return fail(
      `${shown} ${describeProbe(probe)}`,
      probe.kind === 'answered'
        ? 'see the interactions Lambda\'s log in CloudWatch (the stack\'s function with "Discord /valheim command" in its description)'
        : 'check the stack finished deploying, then run npx valheim discord wire',
    );
  },
};
