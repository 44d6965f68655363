/** @module Commands about rooms: join, part, who, rooms. */
import { HubError } from '../errors.js';
import { checkRoom } from '../names.js';
import type { Session } from '../session.js';
import type { CommandSpec } from './command-spec.js';

/** The named room, or the session's current room when none is named. */
export function roomOrCurrent(session: Session, room: string | undefined): string {
  if (room !== undefined) return checkRoom(room);
  const current = session.rooms.current;
  if (current === undefined) throw new HubError('not_in_room', 'you are not in any room; /join one first');
  return current;
}

export const join: CommandSpec = {
  name: 'join',
  modes: 'both',
  fields: [{ field: 'room' }],
  syntax: '/join <room>',
  help: 'Join a room (creating it) and make it your current room.',
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
  name: 'part',
  aliases: ['leave'],
  modes: 'both',
  fields: [{ field: 'room', optional: true }],
  syntax: '/part [room]',
  help: 'Leave a room (your current room when none is named).',
  run({ hub, session, ref }, params) {
    const room = roomOrCurrent(session, params.room);
    hub.leaveRoom(session, room, 'left');
    hub.reply(session, { type: 'left', room, nick: session.nick, id: session.id, reason: 'left', ...(ref !== undefined && { ref }) });
  },
};

export const who: CommandSpec = {
  name: 'who',
  aliases: ['names'],
  modes: 'both',
  fields: [{ field: 'room', optional: true }],
  syntax: '/who [room]',
  help: 'List the members of a room (your current room when none is named).',
  run({ hub, session, ref }, params) {
    const room = roomOrCurrent(session, params.room);
    // The room's gathered joins and leaves go out first: a member list is never older than the notices after it.
    hub.sendPresence(room);
    hub.reply(session, { type: 'who', room, members: hub.members(room), ...(ref !== undefined && { ref }) });
  },
};

export const rooms: CommandSpec = {
  name: 'rooms',
  aliases: ['list'],
  modes: 'both',
  fields: [],
  syntax: '/rooms',
  help: 'List every room that has members, with member counts.',
  run({ hub, session, ref }) {
    hub.reply(session, { type: 'rooms', rooms: hub.roomList(), ...(ref !== undefined && { ref }) });
  },
};
