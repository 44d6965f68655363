/** @module How long to wait before each reconnect attempt. */

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

export const RECONNECT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 15_000, factor: 2 };

/**
 * Delay before retry number `attempt` (0 for the first): exponential up to a cap, with "equal
 * jitter" (half fixed, half random) so the clients of a restarted server do not all return at once.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random, options: BackoffOptions = RECONNECT_BACKOFF): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * options.factor ** attempt);
  return ceiling / 2 + (random() * ceiling) / 2;
}
