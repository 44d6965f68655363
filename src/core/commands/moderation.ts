/**
 * @module What room operators (and members) ask about a room's rules: topic, op/deop,
 * voice/devoice, kick, ban/unban/bans, invite, modes and the mode setters. Each names a room the
 * asker is in (its current room by default); moderation.ts decides and tells the room.
 */
import * as COMMAND_ROWS from '../../protocol/schema/commands.js';
import type { ModeChange } from '../moderation.js';
import type { CommandRow } from '../../protocol/schema/command-row.js';
import type { CommandSpec, Params } from './command-spec.js';
import { memberRoom } from './rooms.js';

export const topic: CommandSpec = {
  ...COMMAND_ROWS.topic,
  run({ hub, session, ref }, params) {
    const room = memberRoom(session, params.room);
    if (params.topic !== undefined) return hub.moderation.setTopic(session, room, params.topic, ref);
    const current = hub.moderation.topic(room);
    hub.reply(session, { type: 'topic', room, ...(current && { topic: current }), ...(ref !== undefined && { ref }) });
  },
};

function roleCommand(row: CommandRow, role: 'operator' | 'voiced', on: boolean): CommandSpec {
  return {
    ...row,
    run({ hub, session, ref }, params) {
      return hub.moderation.setRole(session, memberRoom(session, params.room), params.target!, role, on, ref);
    },
  };
}

export const op = roleCommand(COMMAND_ROWS.op, 'operator', true);
export const deop = roleCommand(COMMAND_ROWS.deop, 'operator', false);
export const voice = roleCommand(COMMAND_ROWS.voice, 'voiced', true);
export const devoice = roleCommand(COMMAND_ROWS.devoice, 'voiced', false);

export const kick: CommandSpec = {
  ...COMMAND_ROWS.kick,
  run({ hub, session, ref }, params) {
    return hub.moderation.kick(session, memberRoom(session, params.room), params.target!, params.reason, ref);
  },
};

export const ban: CommandSpec = {
  ...COMMAND_ROWS.ban,
  run({ hub, session, ref }, params) {
    return hub.moderation.ban(session, memberRoom(session, params.room), params.target!, params.duration, params.reason, ref);
  },
};

export const unban: CommandSpec = {
  ...COMMAND_ROWS.unban,
  run({ hub, session, ref }, params) {
    return hub.moderation.unban(session, memberRoom(session, params.room), params.target!, ref);
  },
};

export const bans: CommandSpec = {
  ...COMMAND_ROWS.bans,
  run({ hub, session, ref }, params) {
    const room = memberRoom(session, params.room);
    hub.reply(session, { type: 'bans', room, bans: hub.moderation.bans(room), ...(ref !== undefined && { ref }) });
  },
};

export const invite: CommandSpec = {
  ...COMMAND_ROWS.invite,
  run({ hub, session, ref }, params) {
    hub.moderation.invite(session, memberRoom(session, params.room), params.target!, ref);
  },
};

export const modes: CommandSpec = {
  ...COMMAND_ROWS.modes,
  run({ hub, session, ref }, params) {
    const room = memberRoom(session, params.room);
    hub.reply(session, { ...hub.moderation.modes(room), ...(ref !== undefined && { ref }) });
  },
};

/** A command that sets one mode, read from its own field. */
function modeCommand(row: CommandRow, change: (params: Params) => ModeChange): CommandSpec {
  return {
    ...row,
    run({ hub, session, ref }, params) {
      return hub.moderation.setModes(session, memberRoom(session, params.room), change(params), ref);
    },
  };
}

export const slow = modeCommand(COMMAND_ROWS.slow, (p) => ({ slowSeconds: p.seconds! }));
export const moderated = modeCommand(COMMAND_ROWS.moderated, (p) => ({ moderated: p.on! }));
export const inviteonly = modeCommand(COMMAND_ROWS.inviteonly, (p) => ({ inviteOnly: p.on! }));
export const topiclock = modeCommand(COMMAND_ROWS.topiclock, (p) => ({ topicLocked: p.on! }));
export const key = modeCommand(COMMAND_ROWS.key, (p) => ({ key: p.key ?? '' }));
export const limit = modeCommand(COMMAND_ROWS.limit, (p) => ({ memberLimit: p.max! }));
