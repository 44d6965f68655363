/** @module Flood control: a token bucket with an injectable clock (tests never sleep). */

export type Clock = () => number;

export class TokenBucket {
  private tokens: number;
  private last: number;

  /** `burst` tokens at most, refilled at `ratePerSecond`; burst 0 means unlimited. */
  constructor(
    private readonly burst: number,
    private readonly ratePerSecond: number,
    private readonly now: Clock = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    if (this.burst <= 0) return true;
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
