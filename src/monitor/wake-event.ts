/**
 * The EventBridge event the log Lambda sends when the server log brings news the monitor should act on at
 * once (the server became joinable, a new join code, a failed save) instead of at its next minute. A rule
 * on the default bus routes it to the monitor, which then runs an ordinary tick.
 */
export const WAKE_EVENT_SOURCE = 'valheim-ondemand.server-log';
export const WAKE_EVENT_DETAIL_TYPE = 'Valheim server log news';
