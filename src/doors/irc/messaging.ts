/**
 * @module PRIVMSG and NOTICE: to `#channel`, a room message; to a nick, a whisper. A CTCP ACTION is
 * hubbub's `/me`. NOTICE is carried the same way, but, as RFC 2812 §3.3.2 requires, no error is
 * ever sent back for one: an automatic reply to a notice is how bots end up in loops.
 */
import { andThen, eachInTurn, type Awaitable } from '../../core/command-hub.js';
import { HubError } from '../../core/errors.js';
import { checkText } from '../../core/names.js';
import { ERR, RPL } from '../../protocol/irc/numerics.js';
import { reply, send, type IrcContext } from './irc-context.js';
import { listParam, roomExists, roomOf } from './channel-names.js';
import { MESSAGE_TARGETS } from './isupport.js';
import { roomRefusal } from './room-refusals.js';

const CTCP = '\u0001';

/** The text and whether it is an action; undefined for any other CTCP request, which hubbub does not carry. */
function unwrapCtcp(text: string): { text: string; action: boolean } | undefined {
  if (!text.startsWith(CTCP)) return { text, action: false };
  const inner = text.slice(1, text.endsWith(CTCP) && text.length > 1 ? -1 : undefined);
  if (inner.startsWith('ACTION ')) return { text: inner.slice('ACTION '.length), action: true };
  return undefined;
}

/** Numerics for what a message can fail on; undefined for errors the hub reports itself. */
function messageRefusal(err: unknown, to: string): [string, ...string[]] | undefined {
  if (!(err instanceof HubError)) return undefined;
  switch (err.code) {
    case 'no_such_nick':
      return [ERR.NOSUCHNICK, to, 'No such nick/channel'];
    case 'empty_text':
      return [ERR.NOTEXTTOSEND, 'No text to send'];
    case 'not_in_room':
      return [ERR.CANNOTSENDTOCHAN, to, 'Cannot send to channel'];
    default:
      return undefined;
  }
}

function sendTo(ctx: IrcContext, to: string, text: string, action: boolean, quiet: boolean): Awaitable<void> {
  const { hub, session } = ctx;
  const refuse = (err: unknown): void => {
    const refusal = roomRefusal(err, to) ?? messageRefusal(err, to);
    if (refusal === undefined) throw err;
    if (!quiet) reply(ctx, ...refusal);
  };
  try {
    if (to.startsWith('#')) {
      const room = roomOf(ctx, to);
      if (room === undefined) return;
      if (!session.rooms.has(room)) {
        if (quiet) return;
        return andThen(roomExists(ctx, room), (exists) =>
          exists ? reply(ctx, ERR.CANNOTSENDTOCHAN, to, 'Cannot send to channel') : reply(ctx, ERR.NOSUCHCHANNEL, to, 'No such channel'),
        );
      }
      hub.publish(session, { room, from: session.nick, fromId: session.id, text: checkText(text, hub.limits.maxTextBytes), ts: hub.now(), ...(action && { action: true as const }) }, undefined);
      return;
    }
    const whispered = hub.whisper(session, to, checkText(text, hub.limits.maxTextBytes), action, undefined);
    const told = (): void => {
      const away = ctx.states.peek(hub.findSession(to) ?? {})?.away;
      if (away !== undefined && !quiet) reply(ctx, RPL.AWAY, hub.findSession(to)!.nick, away);
    };
    return whispered instanceof Promise ? whispered.then(told, refuse) : told();
  } catch (err) {
    refuse(err);
  }
}

function deliver(ctx: IrcContext, quiet: boolean): Awaitable<void> {
  const { message } = ctx;
  const targets = listParam(message.params[0]);
  if (targets.length === 0) {
    if (!quiet) reply(ctx, ERR.NORECIPIENT, `No recipient given (${message.command})`);
    return;
  }
  const raw = message.params[1];
  if (raw === undefined || raw === '') {
    if (!quiet) reply(ctx, ERR.NOTEXTTOSEND, 'No text to send');
    return;
  }
  if (targets.length > MESSAGE_TARGETS) {
    if (!quiet) reply(ctx, ERR.TOOMANYTARGETS, message.params[0]!, `Too many recipients: at most ${MESSAGE_TARGETS}`);
    return;
  }
  const unwrapped = unwrapCtcp(raw);
  if (unwrapped === undefined) {
    if (!quiet) send(ctx, { source: ctx.server.name, command: 'NOTICE', params: [ctx.session.nick, 'CTCP requests other than ACTION are not carried by hubbub'] });
    return;
  }
  return eachInTurn(targets, (to) => sendTo(ctx, to, unwrapped.text, unwrapped.action, quiet));
}

export function privmsg(ctx: IrcContext): Awaitable<void> {
  return deliver(ctx, false);
}

export function notice(ctx: IrcContext): Awaitable<void> {
  return deliver(ctx, true);
}
