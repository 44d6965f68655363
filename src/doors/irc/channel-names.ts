/** @module Channel names and lists as IRC clients write them: `#dev` is room `dev`. */
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
