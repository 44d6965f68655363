/** @module Commands about who you are: nick. */
import { checkNick } from '../names.js';
import * as COMMAND_ROWS from '../../protocol/schema/commands.js';
import type { CommandSpec } from './command-spec.js';

export const nick: CommandSpec = {
  ...COMMAND_ROWS.nick,
  run({ hub, session, ref }, { nick: wanted }) {
    const nick = checkNick(wanted!, session.id);
    const old = hub.rename(session, nick);
    const event = { type: 'nick', id: session.id, old, nick } as const;
    // Everyone sharing a room with you hears it once, however many rooms you share.
    const told = new Set([session]);
    for (const room of session.rooms.list()) {
      if (!hub.presenceNoticesOn(room)) continue;
      // Joins and leaves gathered before the rename go out first, under the names they happened with.
      hub.sendPresence(room);
      for (const member of hub.roomMembers(room)) told.add(member);
    }
    told.delete(session);
    hub.deliverTo(told, event);
    hub.reply(session, ref === undefined ? event : { ...event, ref });
  },
};
