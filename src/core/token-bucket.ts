/**
 * @module Flood control: a token bucket. The state lives on the caller (a Session), so an idle
 * connection pays for two numbers rather than an object; the clock is injected, so tests never sleep.
 */

export type Clock = () => number;

export interface BucketState {
  tokens: number;
  lastRefill: number;
}

export interface BucketRate {
  /** Tokens the bucket holds at most; 0 means unlimited. */
  readonly burst: number;
  readonly ratePerSecond: number;
}

/** A full bucket, as a new connection starts with. */
export function fullBucket(rate: BucketRate, now: number): BucketState {
  return { tokens: rate.burst, lastRefill: now };
}

/** Takes one token if there is one, refilling first for the time that passed. */
export function takeToken(state: BucketState, rate: BucketRate, now: number): boolean {
  if (rate.burst <= 0) return true;
  state.tokens = Math.min(rate.burst, state.tokens + ((now - state.lastRefill) / 1000) * rate.ratePerSecond);
  state.lastRefill = now;
  if (state.tokens < 1) return false;
  state.tokens -= 1;
  return true;
}
