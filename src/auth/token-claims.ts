/**
 * @module What a verified token's claims grant: `sub` (the nick), `rooms` (the only rooms it may
 * join), `ops` (rooms it operates, or "*" for all) and `exp`. A claim of the wrong shape makes the
 * whole token invalid rather than being ignored: a typo must not widen what a token grants.
 */
import { HubError } from '../core/errors.js';
import { checkNick, checkRoom } from '../core/names.js';
import type { Grants } from '../core/session.js';

/** No connection has this id, so a `guest-<n>` subject is refused as reserved. */
const NO_CONNECTION = -1;

function invalid(why: string): HubError {
  return new HubError('token_invalid', `the token is invalid: ${why}`);
}

function roomSet(value: unknown, claim: string): Set<string> {
  if (!Array.isArray(value) || !value.every((room) => typeof room === 'string')) throw invalid(`"${claim}" must be a list of room names`);
  try {
    return new Set(value.map((room: string) => checkRoom(room)));
  } catch {
    throw invalid(`"${claim}" names an invalid room`);
  }
}

export function grantsOf(claims: Record<string, unknown>): Grants {
  const { sub, rooms, ops, exp } = claims;
  if (typeof sub !== 'string') throw invalid('it has no subject ("sub")');
  let subject: string;
  try {
    subject = checkNick(sub, NO_CONNECTION);
  } catch {
    throw invalid('its subject ("sub") is not a nick a user may have (1-32 letters, digits, _ or -; not guest-<n>)');
  }
  return {
    subject,
    ...(rooms !== undefined && { rooms: roomSet(rooms, 'rooms') }),
    ...(ops !== undefined && { operatorOf: ops === '*' ? 'all' : roomSet(ops, 'ops') }),
    ...(typeof exp === 'number' && { expiresAt: exp * 1000 }),
  };
}
