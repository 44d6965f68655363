/**
 * @module Whether the history store works. A failure is a state, not a crash: it is logged, reported
 * (on /healthz), turned into `store_failed` for the client concerned, and forgotten at the next
 * store call that succeeds.
 */
import { HubError } from './errors.js';
import type { HubLogger } from './hub-logger.js';
import type { Clock } from './token-bucket.js';

export type StoreHealth = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly since: number };

export class StoreGuard {
  private current: StoreHealth = { ok: true };

  constructor(
    private readonly logger: HubLogger,
    private readonly clock: Clock,
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

  /** A store call on behalf of a client: a failure is `store_failed` for that client. */
  call<T>(during: string, work: () => T): T {
    try {
      return work();
    } catch (err) {
      this.failed(err, during);
      throw new HubError('store_failed', 'the history store failed; nothing was read or stored, try again shortly');
    }
  }
}
