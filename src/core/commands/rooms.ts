/** @module Commands about rooms: join, part, who, rooms. */
import { HubError } from '../errors.js';
import { checkRoom } from '../names.js';
import type { Session } from '../session.js';
import * as COMMAND_ROWS from '../../protocol/schema/commands.js';
import type { CommandSpec } from './command-spec.js';

/** The named room, or the session's current room when none is named. */
export function roomOrCurrent(session: Session, room: string | undefined): string {
  if (room !== undefined) return checkRoom(room);
  const current = session.rooms.current;
  if (current === undefined) throw new HubError('not_in_room', 'you are not in any room; /join one first');
  return current;
}

export const join: CommandSpec = {
  ...COMMAND_ROWS.join,
  run({ hub, session, ref }, params) {
    const room = checkRoom(params.room!);
    // Joining a room you are in only makes it current again.
    const isNew = !session.rooms.has(room);
    if (isNew && session.rooms.size >= hub.limits.maxRoomsPerConn) {
      throw new HubError('too_many_rooms', `you are already in ${hub.limits.maxRoomsPerConn} rooms; /part one first`);
    }
    if (isNew) hub.enterRoom(session, room);
    else session.rooms.touch(room);
    hub.reply(session, { type: 'joined', room, nick: session.nick, id: session.id, ...(ref !== undefined && { ref }) });
    if (isNew) hub.history.sendRecent(session, room);
  },
};

export const part: CommandSpec = {
  ...COMMAND_ROWS.part,
  run({ hub, session, ref }, params) {
    const room = roomOrCurrent(session, params.room);
    hub.leaveRoom(session, room, 'left');
    hub.reply(session, { type: 'left', room, nick: session.nick, id: session.id, reason: 'left', ...(ref !== undefined && { ref }) });
  },
};

export const who: CommandSpec = {
  ...COMMAND_ROWS.who,
  run({ hub, session, ref }, params) {
    const room = roomOrCurrent(session, params.room);
    // The room's gathered joins and leaves go out first: a member list is never older than the notices after it.
    hub.sendPresence(room);
    hub.reply(session, { type: 'who', room, members: hub.members(room), ...(ref !== undefined && { ref }) });
  },
};

export const rooms: CommandSpec = {
  ...COMMAND_ROWS.rooms,
  run({ hub, session, ref }) {
    hub.reply(session, { type: 'rooms', rooms: hub.roomList(), ...(ref !== undefined && { ref }) });
  },
};
