/**
 * @module A room's refusals (its rules, its operators' powers) as the IRC numerics RFC 2812 gives
 * them, with the channel (and nick) they concern.
 */
import { HubError } from '../../core/errors.js';
import { ERR } from '../../protocol/irc/numerics.js';
import { reply, type IrcContext } from './irc-context.js';

/** The numeric and parameters (after the client's nick) for a room's refusal; undefined for any other error. */
export function roomRefusal(err: unknown, channel: string, nick?: string): [string, ...string[]] | undefined {
  if (!(err instanceof HubError)) return undefined;
  switch (err.code) {
    case 'not_operator':
    case 'topic_locked':
      return [ERR.CHANOPRIVSNEEDED, channel, "You're not channel operator"];
    case 'not_in_room':
      return [ERR.NOTONCHANNEL, channel, "You're not on that channel"];
    case 'banned':
      return [ERR.BANNEDFROMCHAN, channel, 'Cannot join channel (+b)'];
    case 'invite_only':
      return [ERR.INVITEONLYCHAN, channel, 'Cannot join channel (+i)'];
    case 'bad_key':
      return [ERR.BADCHANNELKEY, channel, 'Cannot join channel (+k)'];
    case 'room_full':
      return [ERR.CHANNELISFULL, channel, 'Cannot join channel (+l)'];
    case 'moderated':
      return [ERR.CANNOTSENDTOCHAN, channel, 'Cannot send to channel (+m)'];
    case 'slow_mode':
      return [ERR.CANNOTSENDTOCHAN, channel, err.message];
    case 'ban_list_full':
      return [ERR.BANLISTFULL, channel, nick ?? '*', 'Channel ban list is full'];
    case 'no_such_nick':
      return nick === undefined ? undefined : [ERR.USERNOTINCHANNEL, nick, channel, "They aren't on that channel"];
    default:
      return undefined;
  }
}

/** Answers a room's refusal with its numeric, or throws `err` on for the hub to report. */
export function answerRefusal(ctx: IrcContext, err: unknown, channel: string, nick?: string): void {
  const refusal = roomRefusal(err, channel, nick);
  if (refusal === undefined) throw err;
  reply(ctx, ...refusal);
}

/** Runs `work`, answering a room's refusal (thrown at once or later) with its numeric. */
export function withRefusals<T>(ctx: IrcContext, channel: string, nick: string | undefined, work: () => T | Promise<T>): void | Promise<void> {
  try {
    const result = work();
    if (result instanceof Promise) return result.then(() => undefined, (err: unknown) => answerRefusal(ctx, err, channel, nick));
  } catch (err) {
    answerRefusal(ctx, err, channel, nick);
  }
}
