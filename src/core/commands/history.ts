/** @module Commands that read stored history: history (paging) and resume (catching up after a reconnect). */
import { HubError } from '../errors.js';
import type { Ref } from '../events.js';
import type { Hub } from '../hub.js';
import { checkRoom } from '../names.js';
import type { HistoryQuery } from '../room-log.js';
import type { Session } from '../session.js';
import * as COMMAND_ROWS from '../../protocol/schema/commands.js';
import type { CommandSpec } from './command-spec.js';
import { roomOrCurrent } from './rooms.js';

export const history: CommandSpec = {
  ...COMMAND_ROWS.history,
  run({ hub, session, ref }, { room: named, before, after, limit }) {
    if (before !== undefined && after !== undefined) throw new HubError('bad_field', 'give "before" or "after", not both');
    const room = roomOrCurrent(session, named);
    const count = Math.min(limit ?? hub.limits.historyOnJoin, hub.limits.historyPageMax);
    const query: HistoryQuery =
      after !== undefined ? { after, limit: count } : before !== undefined ? { before, limit: count } : { latest: true, limit: count };
    const page = hub.readHistory(room, query);
    const messages = page.messages.map((m) => ({ type: 'message' as const, ...m, history: true as const }));
    hub.reply(session, { type: 'history', room, messages, more: page.more, ...(ref !== undefined && { ref }) });
  },
};

/**
 * Replays what a client missed in one room: everything after `seen` that it was not sent live.
 * Joins the room first if needed.
 */
function resumeRoom(hub: Hub, session: Session, room: string, seen: number, sameEpoch: boolean, ref: Ref | undefined): void {
  let liveFrom = session.rooms.joinedAtSeq(room);
  if (liveFrom === undefined) {
    if (session.rooms.size >= hub.limits.maxRoomsPerConn) {
      throw new HubError('too_many_rooms', `you are already in ${hub.limits.maxRoomsPerConn} rooms; cannot resume #${room}`);
    }
    hub.enterRoom(session, room);
    hub.reply(session, { type: 'joined', room, nick: session.nick, id: session.id });
    liveFrom = session.rooms.joinedAtSeq(room)!;
  }
  const withRef = ref === undefined ? {} : { ref };
  if (!sameEpoch || seen > hub.log.lastSeq(room)) {
    // The client's seqs belong to a history this server does not have (a new store): start afresh.
    hub.sendRecentHistory(session, room);
    hub.reply(session, { type: 'resumed', room, complete: false, firstSeq: hub.log.firstSeq(room), reset: true, ...withRef });
    return;
  }
  const firstSeq = hub.log.firstSeq(room);
  const from = Math.max(seen, firstSeq - 1);
  const wanted = Math.min(liveFrom - from, hub.limits.resumeMaxMessages);
  const messages = wanted > 0 ? hub.readHistory(room, { after: from, limit: wanted }).messages : [];
  const sent = hub.sendHistory(session, messages);
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
}

export const resume: CommandSpec = {
  ...COMMAND_ROWS.resume,
  run({ hub, session, ref }, params) {
    const seen = params.rooms ?? { [params.room!]: params.after! };
    const entries = Object.entries(seen).map(([room, seq]) => [checkRoom(room), seq] as const);
    if (entries.length === 0) throw new HubError('bad_field', '"rooms" names no room');
    const sameEpoch = params.epoch === undefined || params.epoch === hub.log.epoch;
    for (const [room, seq] of entries) resumeRoom(hub, session, room, seq, sameEpoch, ref);
  },
};
