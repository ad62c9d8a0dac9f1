import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import type { APIChatInputApplicationCommandInteraction } from 'discord-api-types/v10';

/** A real Ed25519 key pair standing in for a Discord application's. */
export interface SigningKeys {
  readonly publicKeyHex: string;
  readonly privateKey: KeyObject;
}

export function makeSigningKeys(): SigningKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { publicKeyHex: der.subarray(der.length - 32).toString('hex'), privateKey };
}

/** Discord's signature timestamp (Unix seconds) for a moment; by default now. */
export const signatureTimestamp = (at: Date = new Date()) => String(Math.floor(at.getTime() / 1000));

/** Headers and body exactly as Discord would send them. */
export function signedRequest(keys: SigningKeys, body: string | Buffer, timestamp = signatureTimestamp()) {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const signature = sign(null, Buffer.concat([Buffer.from(timestamp), raw]), keys.privateKey).toString('hex');
  return {
    headers: { 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp } as Record<
      string,
      string
    >,
    body: raw,
  };
}

export const GUILD_ID = '234567890123456789';
export const USER_ID = '345678901234567890';
export const OPERATOR_ROLE = '456789012345678901';

export interface CommandOptions {
  readonly subcommand?: string;
  readonly name?: string;
  readonly roles?: string[];
  readonly permissions?: string;
  readonly guildId?: string | undefined;
}

let lastInteractionId = 567890123456789012n;

/** A `/valheim <subcommand>` interaction shaped like Discord's, with a new interaction id each time. */
export function commandInteraction(options: CommandOptions = {}): APIChatInputApplicationCommandInteraction {
  const guildId = 'guildId' in options ? options.guildId : GUILD_ID;
  lastInteractionId += 1n;
  return {
    id: String(lastInteractionId),
    application_id: '123456789012345678',
    type: 2,
    token: 'interaction-token',
    version: 1,
    app_permissions: '0',
    locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: {},
    attachment_size_limit: 10_000_000,
    channel_id: '678901234567890123',
    ...(guildId && {
      guild_id: guildId,
      member: {
        user: { id: USER_ID, username: 'ragnar', discriminator: '0', global_name: 'Ragnar', avatar: null },
        roles: options.roles ?? [],
        permissions: options.permissions ?? '0',
        joined_at: '2024-01-01T00:00:00.000Z',
        deaf: false,
        mute: false,
        flags: 0,
      },
    }),
    data: {
      id: '789012345678901234',
      name: options.name ?? 'valheim',
      type: 1,
      options: [{ type: 1, name: options.subcommand ?? 'status' }],
    },
  } as unknown as APIChatInputApplicationCommandInteraction;
}

/** A click on one of the bot's buttons, shaped like Discord's. */
export function buttonInteraction(
  customId: string,
  options: Omit<CommandOptions, 'subcommand' | 'name'> = {},
) {
  const command = commandInteraction(options) as unknown as Record<string, unknown>;
  const { data: _data, ...rest } = command;
  return {
    ...rest,
    type: 3,
    message: {
      id: '890123456789012345',
      channel_id: '678901234567890123',
      content: 'old status',
      components: [],
    },
    data: { custom_id: customId, component_type: 2 },
  } as unknown as import('discord-api-types/v10').APIMessageComponentInteraction;
}
