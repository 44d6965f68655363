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

export interface SendPacer {
  /** Milliseconds until a frame may be sent (0: now). */
  wait(): number;
  /** Spends a token; sending without one is allowed (the server will be the judge). */
  take(): void;
  /** Sets the bucket: full for a new connection (the server's is full too), empty after rate_limited. */
  fill(full: boolean): void;
}

export function createSendPacer(policy: PacingPolicy, now: () => number): SendPacer {
  let tokens = policy.burst;
  let last = now();
  const refill = (): void => {
    const time = now();
    tokens = Math.min(policy.burst, tokens + ((time - last) / 1000) * policy.perSecond);
    last = time;
  };
  return {
    wait() {
      refill();
      return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / policy.perSecond) * 1000);
    },
    take() {
      refill();
      tokens -= 1;
    },
    fill(full) {
      tokens = full ? policy.burst : 0;
      last = now();
    },
  };
}
