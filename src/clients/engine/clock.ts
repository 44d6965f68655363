/**
 * @module Where the client engine gets its time: the wall clock, timers and the backoff's jitter,
 * injected so that a test drives reconnects, heartbeats and pacing without sleeping.
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `run` once after `ms`; the returned function cancels it (harmless once it has run). */
  after(ms: number, run: () => void): () => void;
  /** A number in [0, 1): the random part of each reconnect delay. */
  random(): number;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  after(ms, run) {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
  random: () => Math.random(),
};

/** Resolves after `ms` of the clock's time. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.after(ms, resolve));
}
