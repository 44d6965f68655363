/**
 * @module Client-side flood control: a token bucket kept a little below the server's (burst 20,
 * 5 per second by default), so a client that sends as fast as it is allowed is never refused.
 */

export interface PacingPolicy {
  /** Frames that may leave at once; keep it under the server's flood burst. */
  readonly burst: number;
  /** Frames per second after the burst; keep it under the server's flood rate. */
  readonly perSecond: number;
}

// Two tokens of margin cover network jitter squeezing two sends together on arrival; the lower rate
// lets the server's bucket gain on ours over time.
export const DEFAULT_PACING: Readonly<PacingPolicy> = Object.freeze({ burst: 18, perSecond: 4.5 });

export class SendPacer {
  private tokens: number;
  private last: number;

  constructor(
    private readonly policy: PacingPolicy = DEFAULT_PACING,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = policy.burst;
    this.last = now();
  }

  /** Milliseconds until a frame may be sent (0: now). */
  wait(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.policy.perSecond) * 1000);
  }

  /** Spends a token; sending without one is allowed (the server will be the judge). */
  take(): void {
    this.refill();
    this.tokens -= 1;
  }

  /** A new connection starts with a full bucket on the server, so ours is full too. */
  refillAll(): void {
    this.tokens = this.policy.burst;
    this.last = this.now();
  }

  /** The server said rate_limited: its bucket is empty whatever ours thought. */
  empty(): void {
    this.tokens = 0;
    this.last = this.now();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.policy.burst, this.tokens + ((now - this.last) / 1000) * this.policy.perSecond);
    this.last = now;
  }
}
