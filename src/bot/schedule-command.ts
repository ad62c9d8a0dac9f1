import type { APIInteractionResponse } from 'discord-api-types/v10';
import { nextWeeklyTime } from '../config/weekly-next.js';
import type { WeeklyTime } from '../config/weekly-time.js';
import { messageResponse } from '../discord/responses.js';
import type { Logger } from '../log.js';
import { medianStartMs } from '../server/evening-plan.js';
import type { EveningStore } from '../server/scheduled-evening.js';

/**
 * `/valheim schedule`: the next scheduled openings (schedule.start in the group's time zone), each as a
 * Discord timestamp every reader sees in their own zone, with how early the server starts (the median of
 * recent starts); operators skip the next opening (no countdown, no start) or take the skip back.
 */

export interface ScheduleControl {
  readonly openings: readonly WeeklyTime[];
  readonly timeZone: string;
  /** The evenings' records (skips) and the ledger; a function so only this command loads it. */
  readonly store: () => Promise<EveningStore>;
}

export type ScheduleAction = 'show' | 'skip' | 'unskip';

/** How many openings the list shows. */
const SHOWN = 3;

export const SCHEDULE_OFF_MESSAGE =
  'No game nights are scheduled: add weekly times to `schedule.start` in the config (e.g. `["Fri 19:00"]`) and deploy.';

export async function scheduleReply(
  request: { readonly action: ScheduleAction; readonly operator: boolean; readonly userId: string },
  control: ScheduleControl | undefined,
  now: number,
  log: Logger,
): Promise<APIInteractionResponse> {
  if (!control || control.openings.length === 0) {
    return messageResponse(SCHEDULE_OFF_MESSAGE, { ephemeral: true });
  }
  const openings: number[] = [];
  for (let from = now; openings.length < SHOWN; ) {
    const next = nextWeeklyTime(control.openings, control.timeZone, from);
    if (next === undefined) break;
    openings.push(next);
    from = next + 60_000;
  }
  const [first] = openings;
  if (first === undefined) return messageResponse(SCHEDULE_OFF_MESSAGE, { ephemeral: true });
  const store = await control.store();
  if (request.action !== 'show') {
    if (!request.operator) {
      return messageResponse(
        'Only operators can skip a game night. `/valheim schedule` shows the next ones.',
        {
          ephemeral: true,
        },
      );
    }
    if (request.action === 'skip') {
      const already = await store.skip(first);
      log.info('scheduled evening skipped', { opening: first, userId: request.userId, already });
      return messageResponse(
        already
          ? `Game night ${stamp(first)} was skipped already.`
          : `⏭️ <@${request.userId}> skipped game night ${stamp(first)}: no countdown, and the server does not start by itself. \`/valheim schedule action:unskip\` takes it back.`,
      );
    }
    await store.unskip(first);
    log.info('scheduled evening unskipped', { opening: first, userId: request.userId });
    return messageResponse(`↩️ <@${request.userId}> put game night ${stamp(first)} back on.`);
  }
  const [records, sessions] = await Promise.all([
    Promise.all(openings.map((opening) => store.load(opening))),
    store.sessions(new Date(now - 62 * 86_400_000), new Date(now + 1)),
  ]);
  const lead = Math.round(medianStartMs(sessions) / 60_000);
  const lines = openings.map(
    (opening, i) => `• ${stamp(opening)}${records[i]?.skipped ? ' — ⏭️ skipped' : ''}`,
  );
  return messageResponse(
    [
      '📅 **Next game nights**',
      ...lines,
      `The server starts about ${lead} min before (the median of recent starts), so it is joinable on time; countdowns come 60 and 10 minutes before.`,
    ].join('\n'),
    { ephemeral: true },
  );
}

const stamp = (at: number) => `<t:${Math.floor(at / 1000)}:F> (<t:${Math.floor(at / 1000)}:R>)`;
