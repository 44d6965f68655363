/** @module Commands that read stored history: history (paging) and resume (catching up after a reconnect). */
import { checkMayEnter } from '../access.js';
import { HubError } from '../errors.js';
import type { Ref } from '../events.js';
import { andThen, eachInTurn, type Awaitable, type CommandHub } from '../command-hub.js';
import { checkRoom } from '../names.js';
import type { HistoryQuery } from '../room-log.js';
import type { Session } from '../session.js';
import * as COMMAND_ROWS from '../../protocol/schema/commands.js';
import type { CommandSpec } from './command-spec.js';
import { joinedEvent, roomOrCurrent } from './rooms.js';

export const history: CommandSpec = {
  ...COMMAND_ROWS.history,
  run({ hub, session, ref }, { room: named, before, after, limit }) {
    if (before !== undefined && after !== undefined) throw new HubError('bad_field', 'give "before" or "after", not both');
    const room = roomOrCurrent(session, named);
    // A token limited to some rooms reads only their history.
    checkMayEnter(session, room);
    // A non-member reads only what it could join: no room it is banned from, nor a keyed or invite-only one.
    const allowed = session.rooms.has(room) ? undefined : hub.moderation.checkMayRead(session, room);
    const count = Math.min(limit ?? hub.limits.historyOnJoin, hub.limits.historyPageMax);
    const query: HistoryQuery =
      after !== undefined ? { after, limit: count } : before !== undefined ? { before, limit: count } : { latest: true, limit: count };
    const read = andThen(allowed, () => hub.history.read(room, query));
    return andThen(read, (page) => {
      // A page is cut to the reader's history budget at its far end, so the next page starts where this one stops.
      const fitted = hub.history.fit(session, page.messages, after !== undefined ? 'oldest' : 'newest');
      const messages = fitted.map((m) => ({ type: 'message' as const, ...m, history: true as const }));
      const more = page.more || fitted.length < page.messages.length;
      hub.reply(session, { type: 'history', room, messages, more, ...(ref !== undefined && { ref }) });
    });
  },
};

/**
 * Replays what a client missed in one room: everything after `seen` that it was not sent live.
 * Joins the room first if needed.
 */
function resumeRoom(hub: CommandHub, session: Session, room: string, seen: number, sameEpoch: boolean, ref: Ref | undefined): Awaitable<void> {
  const entered = session.rooms.has(room)
    ? undefined
    : andThen(hub.enterRoom(session, room), () => hub.reply(session, joinedEvent(hub, session, room, undefined)));
  const withRef = ref === undefined ? {} : { ref };
  return andThen(entered, () =>
    andThen(sameEpoch ? hub.history.lastSeq(room) : undefined, (lastSeq) => {
      if (lastSeq === undefined || seen > lastSeq) {
        // The client's seqs belong to a history this server does not have (a new store): start afresh.
        return andThen(hub.history.sendRecent(session, room), () =>
          andThen(hub.history.firstSeq(room), (firstSeq) =>
            hub.reply(session, { type: 'resumed', room, complete: false, firstSeq, reset: true, ...withRef }),
          ),
        );
      }
      return andThen(hub.history.firstSeq(room), (firstSeq) => replayMissed(hub, session, room, seen, firstSeq, withRef));
    }),
  );
}

/** Sends what a member of `room` missed after `seen`, up to where it was sent live, and says how complete that was. */
function replayMissed(hub: CommandHub, session: Session, room: string, seen: number, firstSeq: number, withRef: { ref?: Ref }): Awaitable<void> {
  const liveFrom = session.rooms.joinedAtSeq(room)!;
  const from = Math.max(seen, firstSeq - 1);
  const wanted = Math.min(liveFrom - from, hub.limits.resumeMaxMessages);
  const page = wanted > 0 ? hub.history.read(room, { after: from, limit: wanted }) : undefined;
  return andThen(page, (read) => {
    const messages = read?.messages ?? [];
    const sent = hub.history.replay(session, messages);
    const lastSent = sent > 0 ? messages[sent - 1]!.seq : from;
    const complete = firstSeq <= seen + 1 || seen >= liveFrom;
    hub.reply(session, {
      type: 'resumed',
      room,
      complete,
      ...(!complete && { firstSeq }),
      ...(lastSent < liveFrom && { more: true as const }),
      ...withRef,
    });
  });
}

/**
 * The rooms of a resume, canonical and each once: `lobby`, `LOBBY` and `#Lobby` are one room, resumed
 * from the lowest seq given for it (replaying more is safe: clients drop what they have). Every key
 * counts against the room cap before any is looked at, however it is spelt, so one frame cannot buy
 * more than `maxRooms` replays. Checks everything before anything is done: all or nothing.
 */
function resumePoints(rooms: Record<string, number>, maxRooms: number): Map<string, number> {
  const keys = Object.keys(rooms);
  if (keys.length === 0) throw new HubError('bad_field', '"rooms" names no room');
  if (keys.length > maxRooms) throw new HubError('too_many_rooms', `a resume may name at most ${maxRooms} rooms; it named ${keys.length}`);
  const points = new Map<string, number>();
  for (const key of keys) {
    const room = checkRoom(key);
    const seq = rooms[key]!;
    points.set(room, Math.min(seq, points.get(room) ?? seq));
  }
  return points;
}

export const resume: CommandSpec = {
  ...COMMAND_ROWS.resume,
  run({ hub, session, ref }, params) {
    const seen = resumePoints(params.rooms ?? { [params.room!]: params.after! }, hub.limits.maxRoomsPerConn);
    const joining = [...seen.keys()].filter((room) => !session.rooms.has(room));
    for (const room of joining) checkMayEnter(session, room);
    if (session.rooms.size + joining.length > hub.limits.maxRoomsPerConn) {
      throw new HubError('too_many_rooms', `resuming would put you in more than ${hub.limits.maxRoomsPerConn} rooms; nothing was resumed`);
    }
    const sameEpoch = params.epoch === undefined || params.epoch === hub.epoch;
    // All or nothing: a room whose rules refuse the session (a ban, a key) refuses the whole resume first.
    return andThen(eachInTurn(joining, (room) => hub.checkRoomRules(session, room)), () =>
      eachInTurn([...seen], ([room, seq]) => resumeRoom(hub, session, room, seq, sameEpoch, ref)),
    );
  },
};
