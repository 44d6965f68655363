/** @module Commands that carry text: say, me, whisper. */
import { echo, HubError } from '../errors.js';
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
    { room: target, from: session.nick, fromId: session.id, text, ts: hub.clock(), ...(action && { action: true as const }) },
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
  run({ hub, session, ref }, { to, text: rawText, action }) {
    const target = hub.findNick(to!);
    if (!target) throw new HubError('no_such_nick', `nobody is called "${echo(to!)}"`);
    const text = checkText(rawText!, hub.limits.maxTextBytes);
    const event = {
      type: 'whisper',
      from: session.nick,
      fromId: session.id,
      to: target.nick,
      toId: target.id,
      text,
      ts: hub.clock(),
      ...(action === true && { action: true as const }),
    } as const;
    if (target !== session) hub.reply(target, event);
    hub.reply(session, ref === undefined ? event : { ...event, ref });
  },
};
