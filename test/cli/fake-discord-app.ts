import type { FakeDiscord, FakeResponse, RecordedRequest } from './fake-discord.js';

/**
 * A Discord application behind the loopback fake, with the state the wiring and `valheim doctor` look at:
 * which guilds the bot is in, the guild commands, the Interactions Endpoint URL, the public key, the notice
 * channel. It answers the way Discord does (see shared/reference/discord.md): 401 for a wrong token, 403
 * 50001 "Missing Access" on guild routes until the bot is invited, 403 20012 for another application's
 * routes, and `PATCH /applications/@me` needs no guild at all.
 */
export interface FakeApplicationState {
  readonly applicationId: string;
  botToken: string;
  /** The application's public key (GET /applications/@me `verify_key`). */
  verifyKey: string;
  /** Guilds the bot has been invited to. */
  readonly guilds: Set<string>;
  /** Registered commands per guild. */
  readonly commands: Map<string, Array<Record<string, unknown> & { id: string; name: string }>>;
  endpointUrl: string | undefined;
  /** Whether Discord's live check of a new endpoint URL passes (PATCH answers 400 when not). */
  endpointVerifies: boolean;
  /** Channels the bot can see, with whether it may post there. */
  readonly channels: Map<string, { guildId: string; canSend: boolean }>;
}

export const BOT_USER = { id: '345678901234567890', username: 'Valheim Bot', bot: true };

export function fakeApplication(
  discord: FakeDiscord,
  initial: Pick<FakeApplicationState, 'applicationId' | 'botToken' | 'verifyKey'>,
): FakeApplicationState {
  const state: FakeApplicationState = {
    ...initial,
    guilds: new Set(),
    commands: new Map(),
    endpointUrl: undefined,
    endpointVerifies: true,
    channels: new Map(),
  };
  let nextId = 900_000_000_000_000_000n;
  const json = (status: number, body: unknown): FakeResponse => ({ status, body });
  const missingAccess = json(403, { message: 'Missing Access', code: 50001 });

  discord.fallback((request: RecordedRequest) => {
    if (request.headers.authorization !== `Bot ${state.botToken}`) {
      return json(401, { message: '401: Unauthorized', code: 0 });
    }
    const path = request.path.replace(/^\/api\/v10/, '');
    const route = `${request.method} ${path}`;
    if (route === 'GET /applications/@me') return json(200, application(state));
    if (route === 'PATCH /applications/@me') {
      const url = (request.body as { interactions_endpoint_url: string | null }).interactions_endpoint_url;
      if (url && !state.endpointVerifies) {
        return json(400, {
          message: 'Invalid Form Body',
          code: 50035,
          errors: {
            interactions_endpoint_url: {
              _errors: [{ code: 'APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID' }],
            },
          },
        });
      }
      state.endpointUrl = url ?? undefined;
      return json(200, application(state));
    }
    if (route === 'GET /users/@me') return json(200, BOT_USER);
    if (route === 'GET /users/@me/guilds') {
      return json(
        200,
        [...state.guilds].map((id) => ({ id, name: `Guild ${id}` })),
      );
    }
    const channel = /^GET \/channels\/(\d+)$/.exec(route);
    if (channel?.[1]) {
      const found = state.channels.get(channel[1]);
      if (!found) return json(404, { message: 'Unknown Channel', code: 10003 });
      // @everyone (the guild's ID) may view and send (see the guild below); a channel that forbids posting
      // denies Send Messages to @everyone.
      const overwrites = found.canSend ? [] : [{ id: found.guildId, type: 0, allow: '0', deny: '2048' }];
      return json(200, {
        id: channel[1],
        guild_id: found.guildId,
        type: 0,
        name: 'valheim',
        permission_overwrites: overwrites,
      });
    }
    // Edits of the bot's messages in a channel (the status board, the feed): Discord answers the message.
    const edit = /^PATCH \/channels\/(\d+)\/messages\/(\d+)$/.exec(route);
    if (edit?.[1] && edit[2]) {
      const found = state.channels.get(edit[1]);
      if (!found) return json(404, { message: 'Unknown Channel', code: 10003 });
      if (!found.canSend) return json(403, { message: 'Missing Permissions', code: 50013 });
      return json(200, { ...(request.body as object), id: edit[2], channel_id: edit[1] });
    }
    const guild = /^GET \/guilds\/(\d+)(\/members\/(\d+))?$/.exec(route);
    if (guild?.[1]) {
      if (!state.guilds.has(guild[1])) return missingAccess;
      if (guild[3]) return json(200, { user: BOT_USER, roles: [] });
      return json(200, {
        id: guild[1],
        name: `Guild ${guild[1]}`,
        owner_id: '1',
        roles: [{ id: guild[1], permissions: '3072' }],
      });
    }
    const commands = /^(GET|PUT) \/applications\/(\d+)\/guilds\/(\d+)\/commands$/.exec(route);
    const command = /^DELETE \/applications\/(\d+)\/guilds\/(\d+)\/commands\/(\d+)$/.exec(route);
    const [appId, guildId] = commands ? [commands[2], commands[3]] : [command?.[1], command?.[2]];
    if (appId === undefined || guildId === undefined) return undefined;
    if (appId !== state.applicationId) {
      return json(403, {
        message: 'You are not authorized to perform this action on this application',
        code: 20012,
      });
    }
    if (!state.guilds.has(guildId)) return missingAccess;
    const registered = state.commands.get(guildId) ?? [];
    if (commands?.[1] === 'GET') return json(200, registered);
    if (commands?.[1] === 'PUT') {
      const body = request.body as Array<Record<string, unknown> & { name: string }>;
      const next = body.map((definition) => ({
        ...definition,
        id: registered.find((existing) => existing.name === definition.name)?.id ?? String(nextId++),
        application_id: state.applicationId,
        guild_id: guildId,
        version: '1',
      }));
      state.commands.set(guildId, next);
      return json(200, next);
    }
    const remaining = registered.filter((existing) => existing.id !== command?.[3]);
    if (remaining.length === registered.length)
      return json(404, { message: 'Unknown application command', code: 10063 });
    state.commands.set(guildId, remaining);
    return { status: 204 };
  });
  return state;
}

function application(state: FakeApplicationState) {
  return {
    id: state.applicationId,
    name: 'Valheim Bot',
    verify_key: state.verifyKey,
    ...(state.endpointUrl && { interactions_endpoint_url: state.endpointUrl }),
    bot: BOT_USER,
  };
}
