import { describe, expect, it } from 'vitest';
import { importDiscordPublicKey, isValidDiscordSignature } from '../../src/discord/verify.js';
import { makeSigningKeys, signedRequest } from '../support/discord-signing.js';

describe('Discord signature verification', () => {
  const keys = makeSigningKeys();
  const key = importDiscordPublicKey(keys.publicKeyHex);
  const body = '{"type":1}';

  it('accepts a body signed with the application key', () => {
    // Given a request signed like Discord signs it
    const { headers, body: raw } = signedRequest(keys, body);
    // When / Then
    expect(
      isValidDiscordSignature(key, headers['x-signature-ed25519'], headers['x-signature-timestamp'], raw),
    ).toBe(true);
  });

  it('rejects a signature made with another key (forged)', () => {
    const { headers, body: raw } = signedRequest(makeSigningKeys(), body);
    expect(
      isValidDiscordSignature(key, headers['x-signature-ed25519'], headers['x-signature-timestamp'], raw),
    ).toBe(false);
  });

  it('rejects a tampered body or timestamp', () => {
    const { headers } = signedRequest(keys, body);
    const signature = headers['x-signature-ed25519'];
    expect(
      isValidDiscordSignature(key, signature, headers['x-signature-timestamp'], Buffer.from('{"type":2}')),
    ).toBe(false);
    expect(isValidDiscordSignature(key, signature, '1700000001', Buffer.from(body))).toBe(false);
  });

  it('rejects missing or malformed signature headers', () => {
    const { headers, body: raw } = signedRequest(keys, body);
    expect(isValidDiscordSignature(key, undefined, headers['x-signature-timestamp'], raw)).toBe(false);
    expect(isValidDiscordSignature(key, headers['x-signature-ed25519'], undefined, raw)).toBe(false);
    expect(isValidDiscordSignature(key, 'zz'.repeat(64), headers['x-signature-timestamp'], raw)).toBe(false);
    expect(isValidDiscordSignature(key, 'ab', headers['x-signature-timestamp'], raw)).toBe(false);
  });

  it('refuses to import a key that is not 64 hex characters, naming the value', () => {
    expect(() => importDiscordPublicKey('not-a-key')).toThrow(
      /DISCORD_PUBLIC_KEY must be 64 hex characters, but "not-a-key"/,
    );
  });
});
