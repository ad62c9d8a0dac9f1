import { redactEndpointUrl } from '../../../discord/endpoint-path.js';
import { type DoctorCheck, endpointUrlOf, fail, NEEDS, ok } from '../check.js';

/** The application's Interactions Endpoint URL is this stack's. */
export const endpointUrl: DoctorCheck = {
  name: 'endpoint URL',
  needs: [NEEDS.application, NEEDS.endpointOutput],
  probe({ found }) {
    const url = endpointUrlOf(found);
    const actual = found.application?.interactions_endpoint_url;
    if (!actual)
      return fail('the application has no Interactions Endpoint URL', 'run npx valheim discord wire');
    if (actual !== url) {
      return fail(
        `the application points at ${redactEndpointUrl(actual)}, not this stack's ${redactEndpointUrl(url)}`,
        'run npx valheim discord wire',
      );
    }
    return ok(redactEndpointUrl(url));
  },
};
