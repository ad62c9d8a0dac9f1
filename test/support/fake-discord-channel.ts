import type { FakeDiscord, FakeResponse, RecordedRequest } from '../cli/fake-discord.js';

/**
 * One Discord text channel as Discord keeps it, on top of the loopback fake (test/cli/fake-discord.ts): posts
 * create messages (a repeated `nonce` with `enforce_nonce` returns the message it made, within Discord's few
 * minutes), edits change them, a member can delete one, and the bot can read the newest. Faults are injected
 * per request: a 5xx that changes nothing, or an answer that never comes although Discord applied the request
 * (the client times out). What the channel holds is the truth the tests check "exactly once" against.
 */

export interface ChannelMessage {
  readonly id: string;
  content: string;
  components: unknown[];
  readonly nonce?: string;
  readonly createdAt: number;
  /** PATCH requests applied, repeats included. */
  edits: number;
  /** Edits that changed what the message shows. */
  changes: number;
}

/** What happens to one request: answered normally, refused with a 5xx, or applied without an answer. */
export type Fault = 'ok' | 'server-error' | 'applied-no-answer';

export interface FakeChannel {
  readonly id: string;
  readonly messages: ChannelMessage[];
  /** Decides each request's fate (default: all answered). */
  faults: (request: RecordedRequest) => Fault;
  /** Deletes a message, as a member with Manage Messages would. */
  delete(messageId: string): void;
}

/** How long Discord returns the earlier message for a repeated nonce (it says "a few minutes"). */
export const NONCE_WINDOW_MS = 5 * 60_000;
/** Longer than any client timeout the tests use: the client gives up first. */
const NO_ANSWER_MS = 3000;

export function fakeChannel(
  discord: FakeDiscord,
  channelId: string,
  /** The clock nonces expire by (the tests' fake time). */
  now: () => number,
): FakeChannel {
  let next = 1_100_000_000_000_000_000n;
  const channel: FakeChannel = {
    id: channelId,
    messages: [],
    faults: () => 'ok',
    delete(messageId) {
      const index = channel.messages.findIndex((message) => message.id === messageId);
      if (index >= 0) channel.messages.splice(index, 1);
    },
  };
  const base = `/api/v10/channels/${channelId}/messages`;
  const unknownMessage: FakeResponse = { status: 404, body: { message: 'Unknown Message', code: 10008 } };

  discord.fallback((request) => {
    const path = request.path.split('?')[0] ?? '';
    if (path !== base && !path.startsWith(`${base}/`)) return undefined;
    const fault = channel.faults(request);
    if (fault === 'server-error') return { status: 502, body: { message: 'Bad Gateway' } };
    const answer = apply(request, path);
    return fault === 'applied-no-answer' ? { ...answer, delayMs: NO_ANSWER_MS } : answer;
  });

  function apply(request: RecordedRequest, path: string): FakeResponse {
    const body = (request.body ?? {}) as {
      content?: string;
      components?: unknown[];
      nonce?: string;
      enforce_nonce?: boolean;
    };
    if (request.method === 'POST' && path === base) {
      if (body.nonce && body.enforce_nonce) {
        const earlier = channel.messages.find(
          (message) => message.nonce === body.nonce && now() - message.createdAt < NONCE_WINDOW_MS,
        );
        if (earlier) return { status: 200, body: view(earlier) };
      }
      const message: ChannelMessage = {
        id: String(next++),
        content: body.content ?? '',
        components: body.components ?? [],
        ...(body.nonce && { nonce: body.nonce }),
        createdAt: now(),
        edits: 0,
        changes: 0,
      };
      channel.messages.push(message);
      return { status: 200, body: view(message) };
    }
    if (request.method === 'GET' && path === base) {
      const limit = Number(new URL(request.path, 'http://x').searchParams.get('limit') ?? 50);
      return { status: 200, body: [...channel.messages].reverse().slice(0, limit).map(view) };
    }
    const id = path.slice(base.length + 1);
    const message = channel.messages.find((candidate) => candidate.id === id);
    if (!message) return unknownMessage;
    if (request.method === 'PATCH') {
      if (body.content !== undefined && body.content !== message.content) message.changes++;
      if (body.content !== undefined) message.content = body.content;
      if (body.components !== undefined) message.components = body.components;
      message.edits++;
      return { status: 200, body: view(message) };
    }
    if (request.method === 'GET') return { status: 200, body: view(message) };
    return { status: 405, body: { message: 'Method Not Allowed' } };
  }

  function view(message: ChannelMessage) {
    return {
      id: message.id,
      channel_id: channelId,
      content: message.content,
      components: message.components,
      author: { id: '999999999999999999', bot: true },
      ...(message.nonce && { nonce: message.nonce }),
    };
  }

  return channel;
}

/** A seeded choice of faults: `rate` of the requests fail, half of those after Discord applied them. */
export function seededFaults(seed: number, rate: number): (request: RecordedRequest) => Fault {
  let state = seed >>> 0 || 1;
  const random = () => {
    // xorshift32: the same faults for the same seed, so a failure can be replayed
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  return () => {
    if (random() >= rate) return 'ok';
    return random() < 0.5 ? 'server-error' : 'applied-no-answer';
  };
}
