/**
 * @module Who may come in, and what a signed-in session may do, as the core sees it. Checking a
 * token is not the core's job: src/auth does it behind `TokenVerifier`, which the server injects.
 */
import type { Awaitable } from './command-hub.js';
import { HubError } from './errors.js';
import type { Grants, Session } from './session.js';

export interface TokenVerifier {
  /** What a valid token grants; throws (or rejects with) a HubError naming what is wrong with it. */
  verify(token: string): Awaitable<Grants>;
}

export interface Access {
  /** A new connection may chat at once, as a guest (`--guests on` and no `--password`). */
  readonly openToGuests: boolean;
  /** Checks tokens; absent when the server takes none. */
  readonly tokens?: TokenVerifier;
  /** Whether `given` is the shared password (`--password`); absent when there is none. */
  readonly password?: (given: string) => boolean;
}

export const OPEN_ACCESS: Access = { openToGuests: true };

/** Throws room_forbidden unless the session's token (if any) lets it into `room` (a folded name). */
export function checkMayEnter(session: Session, room: string): void {
  const rooms = session.grants?.rooms;
  if (rooms !== undefined && !rooms.has(room)) throw new HubError('room_forbidden', `your token does not let you into #${room}`);
}

/**
 * How long before its expiry a token's holder is told `token_expired`: a minute, or a tenth of the
 * token's remaining lifetime when that is shorter, so a short-lived token is not warned at once.
 */
export function expiryNoticeLeadMs(lifetimeMs: number, noticeMs: number): number {
  return Math.min(noticeMs, Math.floor(lifetimeMs / 10));
}
