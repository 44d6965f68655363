/** @module Reconnect delays: exponential, capped, with jitter. */

export interface BackoffPolicy {
  /** Delay ceiling of the first retry, in milliseconds. */
  readonly initialMs: number;
  /** The ceiling never grows past this. */
  readonly maxMs: number;
  /** Each failed attempt multiplies the ceiling by this. */
  readonly factor: number;
}

// 15 s rather than 30 s: a person is waiting for the chat to come back, and spreading a crowd of
// returning clients is the jitter's job (at the cap they arrive over 7.5 s), not the cap's.
export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({ initialMs: 500, maxMs: 15_000, factor: 2 });

/**
 * The delay before retry number `attempt` (0 for the first): half the ceiling plus a random part of
 * the other half ("equal jitter"), so a crowd of clients cut off at once does not come back at once.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** attempt);
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}
