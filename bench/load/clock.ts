/**
 * @module The benchmark clock: CLOCK_MONOTONIC in microseconds. Unlike performance.now() it has the
 * same origin in every process on the machine, so a timestamp written by a sender in one load
 * process can be subtracted from a receive time in another.
 */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
