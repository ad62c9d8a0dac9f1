/** One line of a cost estimate: what it is, and what it costs a month (and per hour of play, when billed so). */
export interface EstimateLine {
  readonly item: string;
  /** Cost per hour of play, for items billed while the server runs (an average, for items that play drives). */
  readonly perHour?: number;
  readonly monthly: number;
}

export function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** Two decimals, for GB and counts in line texts. */
export function round(value: number): number {
  return Math.round(value * 100) / 100;
}
