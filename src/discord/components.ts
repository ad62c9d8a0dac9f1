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
} as const;

export type ButtonAction = keyof typeof BUTTON_IDS;

export function buttonAction(customId: string): ButtonAction | undefined {
  return (Object.keys(BUTTON_IDS) as ButtonAction[]).find((action) => BUTTON_IDS[action] === customId);
}

const BUTTONS: Record<ButtonAction, APIButtonComponent> = {
  start: { type: Component.Button, style: Button.Success, label: 'Start', custom_id: BUTTON_IDS.start },
  stop: { type: Component.Button, style: Button.Danger, label: 'Stop', custom_id: BUTTON_IDS.stop },
  status: { type: Component.Button, style: Button.Secondary, label: 'Refresh', custom_id: BUTTON_IDS.status },
};

/** One action row with the given buttons, in the given order. */
export function buttonRow(...actions: ButtonAction[]): APIActionRowComponent<APIButtonComponent> {
  return { type: Component.ActionRow, components: actions.map((action) => BUTTONS[action]) };
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
