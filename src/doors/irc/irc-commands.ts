/**
 * @module The IRC commands the door understands, each with what it needs: whether it waits for
 * registration (451 before), and whether it is free of flood control (PONG and CAP: a client's
 * answers and handshake must never be refused).
 */
import type { Awaitable } from '../../core/command-hub.js';
import { ERR, RPL } from '../../protocol/irc/numerics.js';
import { channelMode, invite, kick, topic } from './channel-ops.js';
import { join, list, names, part } from './channels.js';
import { hasParams, reply, send, type IrcContext } from './irc-context.js';
import { notice, privmsg } from './messaging.js';
import { away, ison, userhost, userMode, who, whois, whowas } from './queries.js';
import { cap, lusers, motd, nick, pass, user } from './registration.js';
import { kill, oper, wallops } from './server-ops.js';
import { chathistory } from './chathistory.js';

export interface IrcCommand {
  readonly run: (ctx: IrcContext) => Awaitable<void>;
  /** Usable before registration (the handshake, PING, QUIT). */
  readonly early?: true;
  /** Costs no flood-control token. */
  readonly free?: true;
}

function ping(ctx: IrcContext): void {
  const token = ctx.message.params[0];
  if (token === undefined || token === '') {
    reply(ctx, ERR.NOORIGIN, 'No origin specified');
    return;
  }
  send(ctx, { source: ctx.server.name, command: 'PONG', params: [ctx.server.name, token] });
}

function quit(ctx: IrcContext): void {
  ctx.hub.quit(ctx.session, ctx.message.params[0]);
}

function mode(ctx: IrcContext): Awaitable<void> {
  if (!hasParams(ctx, 1)) return;
  const target = ctx.message.params[0]!;
  return target.startsWith('#') ? channelMode(ctx, target) : userMode(ctx, target);
}

function version(ctx: IrcContext): void {
  reply(ctx, RPL.VERSION, `hubbub-${ctx.server.version}`, ctx.server.name, 'hubbub chat hub');
}

function time(ctx: IrcContext): void {
  reply(ctx, RPL.TIME, ctx.server.name, new Date(ctx.hub.now()).toUTCString());
}

export const IRC_COMMANDS: ReadonlyMap<string, IrcCommand> = new Map<string, IrcCommand>([
  ['CAP', { run: cap, early: true, free: true }],
  ['PASS', { run: pass, early: true }],
  ['NICK', { run: nick, early: true }],
  ['USER', { run: user, early: true }],
  ['PING', { run: ping, early: true }],
  ['PONG', { run: () => undefined, early: true, free: true }],
  ['QUIT', { run: quit, early: true, free: true }],
  ['JOIN', { run: join }],
  ['PART', { run: part }],
  ['NAMES', { run: names }],
  ['LIST', { run: list }],
  ['TOPIC', { run: topic }],
  ['MODE', { run: mode }],
  ['KICK', { run: kick }],
  ['INVITE', { run: invite }],
  ['PRIVMSG', { run: privmsg }],
  ['NOTICE', { run: notice }],
  // Client-only tags are not carried (CLIENTTAGDENY=*): a TAGMSG has nothing else to carry.
  ['TAGMSG', { run: () => undefined }],
  ['CHATHISTORY', { run: chathistory }],
  ['WHO', { run: who }],
  ['WHOIS', { run: whois }],
  ['WHOWAS', { run: whowas }],
  ['USERHOST', { run: userhost }],
  ['ISON', { run: ison }],
  ['AWAY', { run: away }],
  ['OPER', { run: oper }],
  ['KILL', { run: kill }],
  ['WALLOPS', { run: wallops }],
  ['MOTD', { run: motd }],
  ['LUSERS', { run: lusers }],
  ['VERSION', { run: version }],
  ['TIME', { run: time }],
]);
