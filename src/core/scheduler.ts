/**
 * @module When the hub's deferred work runs: after the current turn's I/O, or after a delay. Injected
 * so the core's unit tests run presence windows and flushes by hand instead of sleeping.
 */

export interface Scheduler {
  /** Runs `task` once the current event-loop turn's I/O has been handled. */
  soon(task: () => void): void;
  /**
   * Runs `task` after `ms` milliseconds; never keeps the process alive on its own. Returns what
   * cancels it (a token's expiry timer must not outlive its connection).
   */
  later(ms: number, task: () => void): () => void;
  /** A monotonic clock in milliseconds, for intervals (message timestamps use the wall clock). */
  now(): number;
}

export const EVENT_LOOP: Scheduler = {
  soon(task) {
    setImmediate(task);
  },
  later(ms, task) {
    const timer = setTimeout(task, ms).unref();
    return () => clearTimeout(timer);
  },
  now: () => performance.now(),
};
