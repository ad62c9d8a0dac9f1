/**
 * A clock that jumps instead of waiting: `sleep(ms)` moves it on by `ms` at once and records the wait, so a
 * test of backoffs and budgets runs in no time and can say how long the code would have waited.
 */
export class FakeClock {
  /** Every wait asked for, in order (ms). */
  readonly sleeps: number[] = [];

  constructor(public at = 0) {}

  readonly now = (): number => this.at;

  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.at += ms;
  };
}
