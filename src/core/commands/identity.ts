/** @module Commands about who you are: nick (auth is in auth.ts). */
import { echo, HubError } from '../errors.js';
import { checkNick } from '../names.js';
import * as COMMAND_ROWS from '../../protocol/schema/commands.js';
import type { CommandHub } from '../command-hub.js';
import type { Session } from '../session.js';
import type { CommandSpec } from './command-spec.js';

/**
 * The nick a session may take instead of its own, as shown (every door's nick change goes through
 * this); throws nick_locked, nick_invalid, nick_reserved, or the ban of a room the session is in.
 */
export function allowedNick(hub: CommandHub, session: Session, wanted: string): string {
  if (session.grants !== undefined) throw new HubError('nick_locked', `signed in as ${session.grants.subject}: your nick is your token's subject`);
  const nick = checkNick(wanted, session.id);
  if (hub.nickReserved(session, nick)) throw new HubError('nick_reserved', `"${echo(nick)}" belongs to a signed-in user`);
  // As in IRC: a nick a room you are in bans would put you back in it under that ban.
  for (const room of session.rooms.list()) {
    const banned = hub.moderation.bannedAs(session, room, nick);
    if (banned) throw banned;
  }
  return nick;
}

export const nick: CommandSpec = {
  ...COMMAND_ROWS.nick,
  run({ hub, session, ref }, { nick: wanted }) {
    return hub.changeNick(session, allowedNick(hub, session, wanted!), ref);
  },
};
