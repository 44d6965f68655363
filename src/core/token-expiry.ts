/**
 * @module Watches each signed-in session's token expiry: tells the holder `token_expired` ahead of
 * time (see expiryNoticeLeadMs) so it can send a fresh token, and ends the session at expiry if it
 * did not. A fresh token restarts the watch; a session that goes is forgotten with its timer.
 */
import { expiryNoticeLeadMs } from './access.js';
import { TOKEN_EXPIRY_NOTICE_MS } from './limits.js';
import type { Scheduler } from './scheduler.js';
import type { Session } from './session.js';
import type { Clock } from './token-bucket.js';

/** setTimeout's longest delay (about 24.8 days): a longer wait is done in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ExpiryActions {
  /** The token expires in `inMs`: tell its holder. */
  warn(session: Session, inMs: number): void;
  /** The token has expired: end the session. */
  expire(session: Session): void;
}

export class TokenExpiry {
  private readonly cancels = new Map<Session, () => void>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly clock: Clock,
    private readonly actions: ExpiryActions,
  ) {}

  /** (Re)starts the watch on the session's current grants. */
  watch(session: Session): void {
    this.forget(session);
    const expiresAt = session.grants?.expiresAt;
    if (expiresAt === undefined) return;
    const lead = expiryNoticeLeadMs(expiresAt - this.clock(), TOKEN_EXPIRY_NOTICE_MS);
    this.at(session, expiresAt - lead, () => {
      this.actions.warn(session, expiresAt - this.clock());
      this.at(session, expiresAt, () => {
        this.cancels.delete(session);
        this.actions.expire(session);
      });
    });
  }

  forget(session: Session): void {
    this.cancels.get(session)?.();
    this.cancels.delete(session);
  }

  /** Runs `task` once the wall clock reaches `when`, in steps no timer is too long for. */
  private at(session: Session, when: number, task: () => void): void {
    const wait = when - this.clock();
    if (wait <= 0) {
      task();
      return;
    }
    this.cancels.set(
      session,
      this.scheduler.later(Math.min(wait, MAX_TIMER_MS), () => this.at(session, when, task)),
    );
  }
}
