/**
 * API Gateway's throttle as AWS describes it: a token bucket per limit, `burst` tokens deep, refilled at
 * `rate` tokens a second; a request takes a token or is refused with 429.
 */
export class TokenBucket {
  private tokens: number;
  private last = 0;

  constructor(
    readonly rate: number,
    readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** Takes a token at `nowSeconds` (which never goes back); false when the bucket is empty. */
  take(nowSeconds: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + (nowSeconds - this.last) * this.rate);
    this.last = nowSeconds;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
