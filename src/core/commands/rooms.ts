/** @module Commands about rooms: join, part, who, rooms. */
import { checkMayEnter } from '../access.js';
import { HubError } from '../errors.js';
import { checkRoom } from '../names.js';
import type { Session } from '../session.js';
import * as COMMAND_ROWS from '../../protocol/schema/commands.js';
import { andThen, type CommandHub } from '../command-hub.js';
import type { Ref, ServerEvent } from '../events.js';
import type { CommandSpec } from './command-spec.js';

/** The `joined` answer: the room's topic, and the joiner's role when it is more than a member. */
export function joinedEvent(hub: CommandHub, session: Session, room: string, ref: Ref | undefined): ServerEvent {
  const topic = hub.moderation.topic(room);
  const role = hub.moderation.roleOf(session, room);
  return {
    type: 'joined',
    room,
    nick: session.nick,
    id: session.id,
    ...(topic && { topic }),
    ...(role !== 'member' && { role }),
    ...(ref !== undefined && { ref }),
  };
}

/** A room the session is in: the named one, or its current room. Throws not_in_room. */
export function memberRoom(session: Session, room: string | undefined): string {
  const named = roomOrCurrent(session, room);
  if (!session.rooms.has(named)) throw new HubError('not_in_room', `you are not in #${named}`);
  return named;
}

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
    if (session.rooms.has(room)) {
      session.rooms.touch(room);
      hub.reply(session, joinedEvent(hub, session, room, ref));
      return;
    }
    checkMayEnter(session, room);
    if (session.rooms.size >= hub.limits.maxRoomsPerConn) {
      throw new HubError('too_many_rooms', `you are already in ${hub.limits.maxRoomsPerConn} rooms; /part one first`);
    }
    return andThen(hub.enterRoom(session, room, params.key), () => {
      hub.reply(session, joinedEvent(hub, session, room, ref));
      return hub.history.sendRecent(session, room);
    });
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
    return andThen(hub.members(room), (members) => {
      // The topic is known here only while someone on this node is in the room.
      const topic = hub.moderation.topic(room);
      hub.reply(session, { type: 'who', room, members, ...(topic && { topic }), ...(ref !== undefined && { ref }) });
    });
  },
};

export const rooms: CommandSpec = {
  ...COMMAND_ROWS.rooms,
  run({ hub, session, ref }) {
    return andThen(hub.roomList(), (rooms) => hub.reply(session, { type: 'rooms', rooms, ...(ref !== undefined && { ref }) }));
  },
};
