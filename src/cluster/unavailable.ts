/**
 * @module How a Redis failure reaches a client: as `unavailable`, its cause logged here (a HubError
 * is already a client's answer, and passes as it is).
 */
import { HubError } from '../core/errors.js';
import type { HubLogger } from '../core/hub.js';

export function unavailableOnFailure<T>(logger: HubLogger, what: string, work: Promise<T>): Promise<T> {
  return work.catch((err: unknown) => {
    if (err instanceof HubError) throw err;
    logger.warn({ err: (err as Error).message }, `could not ${what}: Redis did not answer`);
    throw new HubError('unavailable');
  });
}
