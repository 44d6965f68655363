/** @module Commands that carry text: say, me, whisper. */
import { checkText } from '../names.js';
import * as COMMAND_ROWS from '../../protocol/schema/commands.js';
import type { CommandContext, CommandSpec } from './command-spec.js';
import { roomOrCurrent } from './rooms.js';

function sayIn(ctx: CommandContext, room: string | undefined, rawText: string, action: boolean): void {
  const { hub, session, ref } = ctx;
  const target = roomOrCurrent(session, room);
  const text = checkText(rawText, hub.limits.maxTextBytes);
  hub.publish(
    session,
    { room: target, from: session.nick, fromId: session.id, text, ts: hub.now(), ...(action && { action: true as const }) },
    ref,
  );
}

export const say: CommandSpec = {
  ...COMMAND_ROWS.say,
  run(ctx, { room, text, action }) {
    sayIn(ctx, room, text!, action === true);
  },
};

export const me: CommandSpec = {
  ...COMMAND_ROWS.me,
  run(ctx, { text }) {
    sayIn(ctx, undefined, text!, true);
  },
};

export const whisper: CommandSpec = {
  ...COMMAND_ROWS.whisper,
  run({ hub, session, ref }, { to, text, action }) {
    return hub.whisper(session, to!, checkText(text!, hub.limits.maxTextBytes), action === true, ref);
  },
};
