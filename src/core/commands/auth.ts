/**
 * @module Signing in: `auth` with a token (checked by the injected TokenVerifier, which may take a
 * promise's time) or with the shared password. See docs/security.md for the design.
 */
import * as COMMAND_ROWS from '../../protocol/schema/commands.js';
import { andThen, type Awaitable } from '../command-hub.js';
import { HubError } from '../errors.js';
import { DEFAULT_ROOM } from '../limits.js';
import type { CommandContext, CommandSpec } from './command-spec.js';
import { joinedEvent } from './rooms.js';

/** A JWT is three base64url parts; anything else in `/auth <x>` can only be the password. */
const JWT_SHAPE = /^[\w-]+\.[\w-]*\.[\w-]*$/;

/** Lobby for a connection that had to sign in first; a refusal there (a ban) is told, and the sign-in stands. */
function enterLobby({ hub, session }: CommandContext): Awaitable<void> {
  const refused = (err: unknown): void => {
    if (!(err instanceof HubError)) throw err;
    hub.reply(session, { type: 'error', code: err.code, message: err.message });
  };
  let entered: Awaitable<void>;
  try {
    entered = hub.enterRoom(session, DEFAULT_ROOM);
  } catch (err) {
    refused(err);
    return;
  }
  const welcomed = (): Awaitable<void> => {
    hub.reply(session, joinedEvent(hub, session, DEFAULT_ROOM, undefined));
    if (session.door.historyOnConnect) return hub.history.sendRecent(session, DEFAULT_ROOM);
  };
  return entered instanceof Promise ? entered.then(welcomed, refused) : welcomed();
}

/**
 * After signing in: rooms the token does not allow, and rooms that ban its subject (joined as a
 * guest before signing in), are left; a connection that was in no room (it had to sign in first)
 * enters lobby, when allowed, as a new guest would have.
 */
function settleRooms(ctx: CommandContext): Awaitable<void> {
  const { hub, session } = ctx;
  const allowed = session.grants?.rooms;
  for (const room of session.rooms.list()) {
    const permitted = allowed === undefined || allowed.has(room);
    const banned = permitted ? hub.moderation.bannedAs(session, room, session.nick) : undefined;
    if (permitted && banned === undefined) continue;
    // A ban puts its target out as a kick does, saying why.
    const reason = banned ? 'kicked' : 'left';
    hub.leaveRoom(session, room, reason);
    hub.reply(session, { type: 'left', room, nick: session.nick, id: session.id, reason, ...(banned && { message: banned.message }) });
  }
  if (session.rooms.size > 0 || (allowed !== undefined && !allowed.has(DEFAULT_ROOM))) return;
  return enterLobby(ctx);
}

function answer(ctx: CommandContext): Awaitable<void> {
  const { hub, session, ref } = ctx;
  return andThen(settleRooms(ctx), () => {
    const grants = session.grants;
    hub.reply(session, {
      type: 'authed',
      nick: session.nick,
      ...(grants && { subject: grants.subject }),
      ...(grants?.rooms && { rooms: [...grants.rooms] }),
      ...(grants?.expiresAt !== undefined && { expiresAt: grants.expiresAt }),
      ...(ref !== undefined && { ref }),
    });
  });
}

/** Admits the session if `password` is the server's; throws auth_unavailable or auth_failed. */
function checkPassword({ hub, session }: Pick<CommandContext, 'hub' | 'session'>, password: string): void {
  const check = hub.access.password;
  if (check === undefined) throw new HubError('auth_unavailable', 'this server has no password (--password)');
  if (!check(password)) throw new HubError('auth_failed');
  session.admitted = true;
}

/** Signs the session in with a token's grants; throws (or rejects with) what is wrong with the token. */
function checkToken({ hub, session }: Pick<CommandContext, 'hub' | 'session'>, token: string): Awaitable<void> {
  const tokens = hub.access.tokens;
  if (tokens === undefined) throw new HubError('auth_unavailable');
  return andThen(tokens.verify(token), (grants) => {
    // The connection may have gone while a token was being checked.
    if (session.closing) return;
    return hub.signIn(session, grants);
  });
}

/**
 * Signs in with one secret that is a token or the password (`/auth <x>` in text mode, IRC's PASS):
 * without token checking, or not shaped like a JWT, it is the password. Rooms are not touched.
 */
export function signInWith(ctx: Pick<CommandContext, 'hub' | 'session'>, secret: string): Awaitable<void> {
  const { access } = ctx.hub;
  if (access.password !== undefined && (access.tokens === undefined || !JWT_SHAPE.test(secret))) return checkPassword(ctx, secret);
  return checkToken(ctx, secret);
}

export const auth: CommandSpec = {
  ...COMMAND_ROWS.auth,
  run(ctx, { token, password }) {
    if (password !== undefined) {
      checkPassword(ctx, password);
      return answer(ctx);
    }
    if (token === undefined) throw new HubError('bad_field', '"auth" needs a "token" or a "password"');
    // `/auth <x>` in text mode carries either.
    return andThen(signInWith(ctx, token), () => (ctx.session.closing ? undefined : answer(ctx)));
  },
};
