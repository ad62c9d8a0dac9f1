import { Token } from 'aws-cdk-lib';
import { parseWeeklyTime, toAwsCron, WEEKLY_TIME_HINT } from '../../src/config/weekly-time.js';

/*
 * Input checks shared by the constructs. The config schema already rejects bad values; these checks keep each
 * construct safe on its own (used directly, or from a test) and name the bad value in the message.
 * Unresolved tokens are skipped: their value is only known at deploy time.
 */

/** Returns the AWS cron expression for a weekly time such as "Fri 19:00", or throws naming the text. */
export function weeklyTimeToCron(what: string, text: string): string {
  const time = parseWeeklyTime(text);
  if (!time)
    throw new Error(`${what} must be a weekly time (${WEEKLY_TIME_HINT}), but "${text}" was provided`);
  return toAwsCron(time);
}

export function validateTimeZone(what: string, zone: string): void {
  if (Token.isUnresolved(zone)) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw new Error(`${what} must be an IANA time zone such as "Europe/Berlin", but "${zone}" was provided`);
  }
}

export function validateInteger(what: string, value: number, min: number, max: number): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${what} must be a whole number from ${min} to ${max}, but ${value} was provided`);
  }
}
