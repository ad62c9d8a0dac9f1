import { DiscordApiError, type DiscordRest } from '../discord/rest-client.js';
import type { Logger } from '../log.js';
import type { Notice } from '../records/notice.js';
import type { DeliveryOutcome, NoticeTarget } from './deliveries.js';
import type { LiveDiscord } from './live-messages.js';

/** Interaction tokens live 15 minutes; leave a margin for the request itself. */
const REPLY_LIFETIME_MS = 14 * 60_000;

export interface NotifierOptions {
  readonly rest: DiscordRest;
  readonly noticeChannelId?: string;
  readonly now: () => number;
  readonly log: Logger;
}

/**
 * Delivers a notice where the group will see it, and says whether Discord took it: the ready notice edits
 * the `/valheim start` reply while its token is valid; everything else (and a reply that is gone) goes to the
 * notice channel, or — without one, or when the bot may not post there — follows up on a still-valid reply.
 * A timeout of the edit never falls through to a post: the edit may have been applied, so it is retried.
 */
export function discordNotifier({ rest, noticeChannelId, now, log }: NotifierOptions) {
  return async (notice: Notice, target: NoticeTarget): Promise<DeliveryOutcome> => {
    const message = {
      content: notice.content,
      components: notice.components,
      allowed_mentions: { parse: [] },
    };
    const reply =
      target.startReply && now() - target.startReply.createdAt < REPLY_LIFETIME_MS
        ? target.startReply
        : undefined;

    let editGone = false;
    if (target.editReply && reply) {
      const startedBy = reply.userId ? `▶️ <@${reply.userId}> started the server.\n` : '';
      try {
        await rest.editOriginal(reply.applicationId, reply.token, {
          ...message,
          content: startedBy + message.content,
        });
        return { status: 'delivered', via: 'edit' };
      } catch (error) {
        if (!replyGone(error)) return { status: 'retry', reason: reasonOf(error) };
        log.warn('the start reply is gone; posting the notice instead', { error });
        editGone = true;
      }
    }

    const problems: string[] = [];
    if (noticeChannelId) {
      try {
        await rest.postToChannel(noticeChannelId, message, target.nonce ? { nonce: target.nonce } : {});
        return { status: 'delivered', via: 'channel', editGone };
      } catch (error) {
        if (!(error instanceof DiscordApiError) || error.transient) {
          return { status: 'retry', reason: reasonOf(error), editGone };
        }
        const problem = channelProblem(error);
        log.error('cannot post to the notice channel', { cause: problem, error });
        problems.push(problem);
      }
    }
    if (reply) {
      try {
        await rest.followUp(reply.applicationId, reply.token, message);
        return { status: 'delivered', via: 'follow-up', editGone };
      } catch (error) {
        // A follow-up has no idempotency key: without an answer it may have been posted, so it is not repeated.
        if (error instanceof DiscordApiError && error.unanswered) {
          problems.push(
            `the follow-up got no answer (${error.detail}) and is not repeated, as that could post it twice`,
          );
        } else if (!(error instanceof DiscordApiError) || error.transient) {
          return { status: 'retry', reason: reasonOf(error), editGone };
        } else {
          problems.push(`the follow-up on the start reply failed: ${reasonOf(error)}`);
        }
      }
    } else if (!noticeChannelId) {
      problems.push('no notice channel is configured and the start reply has expired');
    }
    return { status: 'failed', reason: problems.join('; ') };
  };
}

/** The reply can no longer be edited: deleted, unknown webhook, or its token expired or invalid. */
function replyGone(error: unknown): boolean {
  if (!(error instanceof DiscordApiError)) return false;
  return (
    error.status === 404 ||
    error.code === 10008 || // unknown message
    error.code === 10015 || // unknown webhook
    error.code === 50027 // invalid webhook token
  );
}

/** Why the notice channel refused, with the fix. */
export function channelProblem(error: DiscordApiError): string {
  const code = error.code !== undefined ? `, code ${error.code}` : '';
  if (error.status === 401) {
    // Discord's 2017 docs wanted one Gateway connection before a bot posts; today's do not, and this bot never
    // connects, so a 401 means the token itself.
    return `Discord refused the bot token (401${code}${error.code === 40001 ? ' Unauthorized' : ''}): the token stored in SSM is wrong or was reset; store the current one with \`npx valheim secrets set\``;
  }
  if (error.status === 403) {
    return `the bot may not post in the notice channel (403${code}): invite it to the server and give it View Channel and Send Messages there`;
  }
  if (error.status === 404) {
    return `the notice channel does not exist (404${code}): check discord.noticeChannelId in the config`;
  }
  return `Discord refused the channel post (${error.status}${code}): ${error.detail.slice(0, 200)}`;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 300) : String(error);
}

/**
 * The live messages' Discord side (src/monitor/live-messages.ts): a post with an enforced nonce, and an edit
 * that sends the whole content. Neither pings anybody, whatever a character name holds.
 */
export function discordLive(rest: DiscordRest): LiveDiscord {
  return {
    post: (channelId, notice, nonce) =>
      rest.postToChannel(
        channelId,
        { content: notice.content, components: notice.components, allowed_mentions: { parse: [] } },
        { nonce },
      ),
    edit: (channelId, messageId, notice) =>
      rest.editChannelMessage(channelId, messageId, {
        content: notice.content,
        components: notice.components,
        allowed_mentions: { parse: [] },
      }),
  };
}
