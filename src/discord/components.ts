import type { APIActionRowComponent, APIButtonComponent } from 'discord-api-types/v10';
import { Button, Component } from './constants.js';

/**
 * Buttons under status and notice messages. A click arrives as a component interaction with the button's
 * custom_id and goes through the same role checks as the slash command.
 */
export const BUTTON_IDS = {
  start: 'valheim:start',
  stop: 'valheim:stop',
  status: 'valheim:status',
  /** Under a blind or session-limit warning: put the automatic stop off (operators only). */
  keepRunning: 'valheim:keep-running',
  /** Under a notice of a game update: what a rollback would change (its dry-run; operators only). */
  rollback: 'valheim:game:rollback',
} as const;

export type ButtonAction = keyof typeof BUTTON_IDS;

export function buttonAction(customId: string): ButtonAction | undefined {
  return (Object.keys(BUTTON_IDS) as ButtonAction[]).find((action) => BUTTON_IDS[action] === customId);
}

const BUTTONS: Record<ButtonAction, APIButtonComponent> = {
  start: { type: Component.Button, style: Button.Success, label: 'Start', custom_id: BUTTON_IDS.start },
  stop: { type: Component.Button, style: Button.Danger, label: 'Stop', custom_id: BUTTON_IDS.stop },
  status: { type: Component.Button, style: Button.Secondary, label: 'Refresh', custom_id: BUTTON_IDS.status },
  keepRunning: {
    type: Component.Button,
    style: Button.Primary,
    label: 'Keep running',
    custom_id: BUTTON_IDS.keepRunning,
  },
  rollback: {
    type: Component.Button,
    style: Button.Secondary,
    label: 'Roll back…',
    custom_id: BUTTON_IDS.rollback,
  },
};

/**
 * Buttons for the `/valheim start` reply and the ready notice: their Refresh answers with a new message
 * visible to the clicker only, so a click never overwrites the start's history.
 */
export const REFRESH_AS_NEW_MESSAGE_ID = 'valheim:status:new';

export function startReplyRow(...actions: ButtonAction[]): APIActionRowComponent<APIButtonComponent> {
  return {
    type: Component.ActionRow,
    components: actions.map((action) =>
      action === 'status' ? { ...BUTTONS.status, custom_id: REFRESH_AS_NEW_MESSAGE_ID } : BUTTONS[action],
    ),
  };
}

/** One action row with the given buttons, in the given order. */
export function buttonRow(...actions: ButtonAction[]): APIActionRowComponent<APIButtonComponent> {
  return { type: Component.ActionRow, components: actions.map((action) => BUTTONS[action]) };
}

/**
 * The status board's buttons (src/monitor/board.ts): the same actions under their own ids, so a click answers
 * with a new message and never replaces the board (the monitor alone edits it).
 */
/** What the board offers: every action but the game's rollback (that button sits under an update notice). */
export type BoardButtonAction = Exclude<ButtonAction, 'rollback'>;

export const BOARD_BUTTON_IDS: Record<BoardButtonAction, string> = {
  start: 'valheim:board:start',
  stop: 'valheim:board:stop',
  status: 'valheim:board:status',
  keepRunning: 'valheim:board:keep-running',
};

export function boardButtonAction(customId: string): BoardButtonAction | undefined {
  return (Object.keys(BOARD_BUTTON_IDS) as BoardButtonAction[]).find(
    (action) => BOARD_BUTTON_IDS[action] === customId,
  );
}

export function boardButtonRow(...actions: BoardButtonAction[]): APIActionRowComponent<APIButtonComponent> {
  return {
    type: Component.ActionRow,
    components: actions.map((action) => ({ ...BUTTONS[action], custom_id: BOARD_BUTTON_IDS[action] })),
  };
}

/**
 * "Start anyway (this session)" under a start refused by the budget guard; only operators may click it, and
 * it starts the server once: the next start is checked against the limit again.
 */
export const START_OVER_BUDGET_ID = 'valheim:start:over-budget';

export function startOverBudgetRow(): APIActionRowComponent<APIButtonComponent> {
  return {
    type: Component.ActionRow,
    components: [
      {
        type: Component.Button,
        style: Button.Danger,
        label: 'Start anyway (this session)',
        custom_id: START_OVER_BUDGET_ID,
      },
    ],
  };
}
