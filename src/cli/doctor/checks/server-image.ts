import { errorSummary } from '../../errors.js';
import { type DoctorCheck, fail, HTTP_TIMEOUT_MS, ok, skip } from '../check.js';

/** The game image's registry (GHCR); VALHEIM_REGISTRY_URL points tests at a fake. */
const REGISTRY_URL = 'https://ghcr.io';
const IMAGE_REPOSITORY = 'community-valheim-tools/valheim-server';
const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

/** server.imageTag is a published release: a typo would only show as a task that never starts. */
export const serverImage: DoctorCheck = {
  name: 'server image',
  async probe({ config, env }) {
    const tag = config.server.imageTag;
    const registry = (env.VALHEIM_REGISTRY_URL?.trim() || REGISTRY_URL).replace(/\/+$/, '');
    const reference = `${new URL(registry).host}/${IMAGE_REPOSITORY}:${tag}`;
    try {
      const tokenResponse = await fetch(`${registry}/token?scope=repository:${IMAGE_REPOSITORY}:pull`, {
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      const { token } = (await tokenResponse.json()) as { token?: string };
      const manifest = await fetch(`${registry}/v2/${IMAGE_REPOSITORY}/manifests/${tag}`, {
        method: 'HEAD',
        headers: { ...(token && { authorization: `Bearer ${token}` }), accept: MANIFEST_TYPES },
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      if (manifest.ok) return ok(`${reference} exists`);
      if (manifest.status === 404) {
        return fail(
          `${reference} does not exist`,
          'set server.imageTag to a published release (e.g. "1.2.0"; there is no "v" prefix)',
        );
      }
      return skip(`${reference}: the registry answered ${manifest.status}; not checked`);
    } catch (error) {
      return skip(`could not reach ${new URL(registry).host} (${errorSummary(error)}); not checked`);
    }
  },
};
