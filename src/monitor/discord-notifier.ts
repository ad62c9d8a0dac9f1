import type { Notice } from '../bot/notices.js';
import type { DiscordRest } from '../discord/rest-client.js';
import type { Logger } from '../log.js';
import type { NoticeTarget } from './monitor.js';

/** Interaction tokens live 15 minutes; leave a margin for the request itself. */
const REPLY_LIFETIME_MS = 14 * 60_000;

export interface NotifierOptions {
  readonly rest: DiscordRest;
  readonly noticeChannelId?: string;
  readonly now: () => number;
  readonly log: Logger;
}

/**
 * Delivers a notice where the group will see it: the ready notice edits the `/valheim start` reply while
 * its token is valid; everything else (and an expired reply) goes to the notice channel, or, without one,
 * follows up on a still-valid reply.
 */
export function discordNotifier({ rest, noticeChannelId, now, log }: NotifierOptions) {
  return async (notice: Notice, target: NoticeTarget): Promise<void> => {
    const message = {
      content: notice.content,
      components: notice.components,
      allowed_mentions: { parse: [] },
    };
    const reply =
      target.startReply && now() - target.startReply.createdAt < REPLY_LIFETIME_MS
        ? target.startReply
        : undefined;

    if (target.editReply && reply) {
      const startedBy = reply.userId ? `▶️ <@${reply.userId}> started the server.\n` : '';
      try {
        await rest.editOriginal(reply.applicationId, reply.token, {
          ...message,
          content: startedBy + message.content,
        });
        return;
      } catch (error) {
        // e.g. the reply was deleted: fall through to the channel
        log.warn('could not edit the start reply', { error });
      }
    }
    if (noticeChannelId) {
      await rest.postToChannel(noticeChannelId, message);
      return;
    }
    if (reply) {
      await rest.followUp(reply.applicationId, reply.token, message);
      return;
    }
    log.warn('notice not delivered: no notice channel configured and no valid start reply', {
      notice: notice.content.slice(0, 80),
    });
  };
}
