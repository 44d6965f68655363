/**
 * @module Who is who: WHO, WHOIS, WHOWAS, USERHOST, ISON, AWAY and user MODE. Everyone has the
 * user name of their connection id and the host `hubbub`; the "real name" is an IRC user's own, and
 * for anyone else says which door they came in through.
 */
import { andThen, type Awaitable } from '../../core/command-hub.js';
import type { Session } from '../../core/session.js';
import { sanitizeText } from '../../core/names.js';
import { channelOf, rolePrefix, USER_HOST } from '../../protocol/irc/format-irc.js';
import type { IrcMessage } from '../../protocol/irc/irc-message.js';
import { ERR, RPL } from '../../protocol/irc/numerics.js';
import { hasParams, numeric, ownMask, reply, send, type IrcContext } from './irc-context.js';
import { roomOf } from './channel-names.js';
import { AWAY_MAX_CHARS, USERHOST_TARGETS } from './isupport.js';

function realname(ctx: IrcContext, who: Session): string {
  return ctx.states.peek(who)?.user?.realname || `hubbub user (${who.door.name})`;
}

function awayOf(ctx: IrcContext, who: Session): string | undefined {
  return ctx.states.peek(who)?.away;
}

/** `room`: the channel the line is about, whose role prefix it shows. */
function whoLine(ctx: IrcContext, room: string | undefined, who: Session): IrcMessage {
  const here = (awayOf(ctx, who) === undefined ? 'H' : 'G') + (room === undefined ? '' : rolePrefix(ctx.hub.moderation.roleOf(who, room)));
  const channel = room === undefined ? '*' : channelOf(room);
  return numeric(ctx, RPL.WHOREPLY, channel, String(who.id), USER_HOST, ctx.server.name, who.nick, here, `0 ${realname(ctx, who)}`);
}

export function who(ctx: IrcContext): Awaitable<void> {
  const mask = ctx.message.params[0] ?? '*';
  const end = numeric(ctx, RPL.ENDOFWHO, mask, 'End of WHO list');
  if (mask.startsWith('#')) {
    const room = roomOf(ctx, mask);
    if (room === undefined) return;
    return andThen(ctx.hub.members(room), (members) => {
      const sessions = members.flatMap((m) => ctx.hub.findSession(m.nick) ?? []);
      send(ctx, ...sessions.map((s) => whoLine(ctx, room, s)), end);
    });
  }
  const found = ctx.hub.findSession(mask);
  send(ctx, ...(found ? [whoLine(ctx, undefined, found)] : []), end);
}

export function whois(ctx: IrcContext): void {
  if (!hasParams(ctx, 1)) return;
  // WHOIS <server> <nick> asks a server; there is only this one.
  const nick = ctx.message.params[ctx.message.params.length > 1 ? 1 : 0]!;
  const found = ctx.hub.findSession(nick);
  const end = numeric(ctx, RPL.ENDOFWHOIS, nick, 'End of /WHOIS list');
  if (!found) {
    send(ctx, numeric(ctx, ERR.NOSUCHNICK, nick, 'No such nick/channel'), end);
    return;
  }
  const channels = found.rooms.list().map((room) => rolePrefix(ctx.hub.moderation.roleOf(found, room)) + channelOf(room)).join(' ');
  const away = awayOf(ctx, found);
  send(
    ctx,
    numeric(ctx, RPL.WHOISUSER, found.nick, String(found.id), USER_HOST, '*', realname(ctx, found)),
    ...(channels === '' ? [] : [numeric(ctx, RPL.WHOISCHANNELS, found.nick, channels)]),
    numeric(ctx, RPL.WHOISSERVER, found.nick, ctx.server.name, 'hubbub'),
    ...(ctx.states.peek(found)?.oper === undefined ? [] : [numeric(ctx, RPL.WHOISOPERATOR, found.nick, 'is an IRC operator')]),
    ...(away === undefined ? [] : [numeric(ctx, RPL.AWAY, found.nick, away)]),
    numeric(ctx, RPL.ENDOFWHOIS, found.nick, 'End of /WHOIS list'),
  );
}

/** hubbub keeps no record of past nicks: every WHOWAS is answered "there was no such nickname". */
export function whowas(ctx: IrcContext): void {
  const nick = ctx.message.params[0];
  if (nick === undefined || nick === '') {
    reply(ctx, ERR.NONICKNAMEGIVEN, 'No nickname given');
    return;
  }
  send(ctx, numeric(ctx, ERR.WASNOSUCHNICK, nick, 'There was no such nickname'), numeric(ctx, RPL.ENDOFWHOWAS, nick, 'End of WHOWAS'));
}

export function userhost(ctx: IrcContext): void {
  if (!hasParams(ctx, 1)) return;
  const found = ctx.message.params.slice(0, USERHOST_TARGETS).flatMap((nick) => ctx.hub.findSession(nick) ?? []);
  const items = found.map((s) => `${s.nick}=${awayOf(ctx, s) === undefined ? '+' : '-'}${s.id}@${USER_HOST}`);
  reply(ctx, RPL.USERHOST, items.join(' '));
}

export function ison(ctx: IrcContext): void {
  if (!hasParams(ctx, 1)) return;
  const nicks = ctx.message.params.flatMap((p) => p.split(' ')).filter((n) => n !== '');
  reply(ctx, RPL.ISON, nicks.flatMap((n) => ctx.hub.findSession(n)?.nick ?? []).join(' '));
}

export function away(ctx: IrcContext): void {
  const text = sanitizeText(ctx.message.params[0] ?? '').trim();
  if (text === '') {
    ctx.state.away = undefined;
    reply(ctx, RPL.UNAWAY, 'You are no longer marked as being away');
    return;
  }
  ctx.state.away = [...text].slice(0, AWAY_MAX_CHARS).join('');
  reply(ctx, RPL.NOWAWAY, 'You have been marked as being away');
}

const USER_MODES = new Set(['i', 'w']);

/** User MODE on oneself: i and w are kept and reported; -o gives up server operator (+o takes OPER). */
export function userMode(ctx: IrcContext, nick: string): void {
  const found = ctx.hub.findSession(nick);
  if (found === undefined) {
    reply(ctx, ERR.NOSUCHNICK, nick, 'No such nick/channel');
    return;
  }
  if (found !== ctx.session) {
    reply(ctx, ERR.USERSDONTMATCH, "Can't change mode for other users");
    return;
  }
  const changes = ctx.message.params[1];
  const { modes } = ctx.state;
  if (changes === undefined) {
    reply(ctx, RPL.UMODEIS, `+${[...modes].sort().join('')}`);
    return;
  }
  let adding = true;
  let unknown = false;
  const applied = { added: '', removed: '' };
  for (const c of changes) {
    if (c === '+' || c === '-') adding = c === '+';
    else if (c === 'o' && !adding && modes.has('o')) {
      modes.delete('o');
      ctx.state.oper = undefined;
      applied.removed += c;
    } else if (c === 'o') continue;
    else if (!USER_MODES.has(c)) unknown = true;
    else if (adding && !modes.has(c)) {
      modes.add(c);
      applied.added += c;
    } else if (!adding && modes.has(c)) {
      modes.delete(c);
      applied.removed += c;
    }
  }
  const change = `${applied.added ? `+${applied.added}` : ''}${applied.removed ? `-${applied.removed}` : ''}`;
  const out: IrcMessage[] = [];
  if (change !== '') out.push({ source: ownMask(ctx), command: 'MODE', params: [ctx.session.nick, change] });
  if (unknown) out.push(numeric(ctx, ERR.UMODEUNKNOWNFLAG, 'Unknown MODE flag'));
  send(ctx, ...out);
}
