/**
 * @module Whether the history store works. A failure is a state, not a crash: it is logged, reported
 * (on /healthz), turned into `store_failed` (`unavailable` in a cluster) for the client concerned, and forgotten at the next
 * store call that succeeds.
 */
import type { Awaitable } from './command-hub.js';
import { HubError, type ErrorCode } from './errors.js';
import type { HubLogger } from './hub-logger.js';
import type { Clock } from './token-bucket.js';

export type StoreHealth = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly since: number };

export class StoreGuard {
  private current: StoreHealth = { ok: true };

  constructor(
    private readonly logger: HubLogger,
    private readonly clock: Clock,
    /** What a client is told when the store fails it: `store_failed` for the local log, `unavailable` for Redis. */
    readonly failureCode: Extract<ErrorCode, 'store_failed' | 'unavailable'> = 'store_failed',
  ) {}

  get health(): StoreHealth {
    return this.current;
  }

  worked(): void {
    if (this.current.ok) return;
    this.logger.warn({ failingSince: this.current.since }, 'history store works again');
    this.current = { ok: true };
  }

  failed(err: unknown, during: string): void {
    const reason = `history store failed during ${during}: ${err instanceof Error ? err.message : String(err)}`;
    this.logger.error({ err, during }, 'history store failed');
    this.current = { ok: false, reason, since: this.current.ok ? this.clock() : this.current.since };
  }

  /**
   * A store call on behalf of a client: a failure (thrown, or a rejected promise) makes the store
   * unhealthy and is `failureCode` for that client. A failure already worded for clients (a
   * HubError) goes through as it is.
   */
  call<T>(during: string, work: () => Awaitable<T>): Awaitable<T> {
    try {
      const result = work();
      return result instanceof Promise ? result.catch((err: unknown) => this.refuse(err, during)) : result;
    } catch (err) {
      return this.refuse(err, during);
    }
  }

  /** A synchronous store call on behalf of a client (see `call`). */
  callNow<T>(during: string, work: () => T): T {
    try {
      return work();
    } catch (err) {
      return this.refuse(err, during);
    }
  }

  private refuse(err: unknown, during: string): never {
    if (err instanceof HubError) throw err;
    this.failed(err, during);
    throw this.failureCode === 'store_failed' ? new HubError('store_failed', 'the history store failed; nothing was read or stored, try again shortly') : new HubError(this.failureCode);
  }
}
