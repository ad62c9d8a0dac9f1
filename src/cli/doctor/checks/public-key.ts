import { type DoctorCheck, fail, NEEDS, ok } from '../check.js';

/** discord.publicKey is the application's: the endpoint verifies every request with it. */
export const publicKey: DoctorCheck = {
  name: 'public key',
  needs: [NEEDS.application],
  probe({ config, found }) {
    const actual = found.application?.verify_key;
    if (actual && actual !== config.discord.publicKey.toLowerCase()) {
      return fail(
        "discord.publicKey is not the application's, so the endpoint rejects every Discord request",
        'copy Developer Portal → General Information → Public Key into discord.publicKey, then npx valheim deploy',
      );
    }
    return ok("discord.publicKey is the application's");
  },
};
