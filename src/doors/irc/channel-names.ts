/** @module Channel names and lists as IRC clients write them: `#dev` is room `dev`. */
import { andThen, type Awaitable } from '../../core/command-hub.js';
import { HubError } from '../../core/errors.js';
import { checkRoom } from '../../core/names.js';
import { ERR } from '../../protocol/irc/numerics.js';
import { reply, type IrcContext } from './irc-context.js';

/** The room a channel name names, or undefined after telling the client why there is none. */
export function roomOf(ctx: IrcContext, channel: string): string | undefined {
  if (!channel.startsWith('#')) {
    reply(ctx, ERR.NOSUCHCHANNEL, channel, 'No such channel');
    return undefined;
  }
  try {
    return checkRoom(channel);
  } catch (err) {
    if (!(err instanceof HubError)) throw err;
    reply(ctx, ERR.BADCHANNAME, channel, 'Illegal channel name: 1-64 letters, digits, _ or - after #');
    return undefined;
  }
}

/** The list items of a comma-separated parameter, without empty ones. */
export function listParam(value: string | undefined): string[] {
  return (value ?? '').split(',').filter((item) => item !== '');
}

/** Whether a room has members (rooms exist while someone is in them). */
export function roomExists(ctx: IrcContext, room: string): Awaitable<boolean> {
  return andThen(ctx.hub.roomList(), (rooms) => rooms.some((r) => r.room === room));
}

/** For a channel the client is not on: 442 when the room exists, 403 when it does not. */
export function notOnChannel(ctx: IrcContext, channel: string, room: string): Awaitable<void> {
  return andThen(roomExists(ctx, room), (exists) =>
    exists ? reply(ctx, ERR.NOTONCHANNEL, channel, "You're not on that channel") : reply(ctx, ERR.NOSUCHCHANNEL, channel, 'No such channel'),
  );
}
