/**
 * @module Waits for the machine to be quiet before a measurement. Other work on the same CPUs
 * (the benchmark shares them with whatever else runs) moves every number, so each run starts only
 * once the machine has been nearly idle for a moment, or after a bounded wait, saying so. All the
 * waiting (and measuring again) in one benchmark run comes out of one budget, so a machine that is
 * never quiet costs a bounded amount of time, not minutes per run.
 */
import { machineBusyUs } from './servers/proc-stats.js';

/** Busy CPU (in cores) below which the machine counts as quiet. */
export const QUIET_CORES = 0.2;
const WINDOW_MS = 500;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the busy cores of the last window: below QUIET_CORES, or whatever it was at `maxWaitS`. */
export async function waitForQuiet(maxWaitS: number): Promise<number> {
  const deadline = Date.now() + maxWaitS * 1000;
  for (;;) {
    const before = machineBusyUs();
    await sleep(WINDOW_MS);
    const busy = (machineBusyUs() - before) / (WINDOW_MS * 1000);
    if (busy < QUIET_CORES || Date.now() >= deadline) return busy;
  }
}

/** Seconds a whole benchmark run may spend waiting for quiet and repeating noisy measurements. */
export class NoiseBudget {
  private spentMs = 0;

  constructor(private readonly seconds: number) {}

  get leftS(): number {
    return Math.max(0, this.seconds - this.spentMs / 1000);
  }

  async spend<T>(work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await work();
    } finally {
      this.spentMs += Date.now() - started;
    }
  }
}
