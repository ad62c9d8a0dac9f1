import { createPublicKey, type KeyObject, verify } from 'node:crypto';

/** DER prefix that turns a raw 32-byte Ed25519 key into an SPKI structure Node can import. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Imports the application's public key (64 hex characters from the Developer Portal).
 * Throws a message naming the bad value so a misconfigured endpoint is obvious in the logs.
 */
export function importDiscordPublicKey(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new Error(`DISCORD_PUBLIC_KEY must be 64 hex characters, but "${hex.slice(0, 80)}" was provided`);
  }
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
}

/**
 * Checks Discord's Ed25519 signature over `timestamp + rawBody`. The raw bytes are verified before any
 * parsing: re-serialized JSON would not match what Discord signed.
 */
export function isValidDiscordSignature(
  key: KeyObject,
  signatureHex: string | undefined,
  timestamp: string | undefined,
  rawBody: Buffer,
): boolean {
  if (!signatureHex || !timestamp || !/^[0-9a-fA-F]{128}$/.test(signatureHex)) return false;
  try {
    return verify(
      null,
      Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]),
      key,
      Buffer.from(signatureHex, 'hex'),
    );
  } catch {
    return false;
  }
}
