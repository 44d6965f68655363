/** @module What an IRC command handler works with, and how it answers: lines in the session's own codec. */
import type { CommandHub } from '../../core/command-hub.js';
import type { Session } from '../../core/session.js';
import { serializeIrcWithin, type IrcMessage } from '../../protocol/irc/irc-message.js';
import { userMask } from '../../protocol/irc/format-irc.js';
import type { IrcState, IrcStates } from './irc-state.js';
import { ERR } from '../../protocol/irc/numerics.js';
import type { IrcOperators } from './operators.js';

/** The server as IRC clients are told of it. */
export interface IrcServerInfo {
  /** The server's name: the source of numerics, and the network's name in ISUPPORT. */
  readonly name: string;
  readonly version: string;
  /** When this server started, as 003 says. */
  readonly createdAt: Date;
  /** Who may OPER, with which password. */
  readonly operators: IrcOperators;
}

export interface IrcContext {
  readonly hub: CommandHub;
  readonly session: Session;
  readonly state: IrcState;
  readonly states: IrcStates;
  readonly server: IrcServerInfo;
  /** The message being carried out. */
  readonly message: IrcMessage;
}

/** Who numerics are addressed to: the nick, once the client gave one. */
export function target(ctx: IrcContext): string {
  return ctx.state.nickGiven ? ctx.session.nick : '*';
}

/** Longest client-given word a reply quotes in a middle parameter (a nick, a channel, a command). */
const QUOTED_WORD_CHARS = 100;

/**
 * What a client sent, made fit to stand as a middle parameter: no spaces, no leading colon, never
 * empty, not too long. Replies quote nicks and channels as they were asked for.
 */
function asWord(param: string): string {
  const word = [...param.replace(/ /g, '_').replace(/^:/, '_')].slice(0, QUOTED_WORD_CHARS).join('');
  return word === '' ? '*' : word;
}

/** A numeric reply from the server to this client; all but its last parameter are words. */
export function numeric(ctx: IrcContext, code: string, ...params: string[]): IrcMessage {
  const words = params.slice(0, -1).map(asWord);
  return { source: ctx.server.name, command: code, params: [target(ctx), ...words, ...params.slice(-1)] };
}

/** The client's own mask, as others see it. */
export function ownMask(ctx: IrcContext): string {
  return userMask(ctx.session.nick, ctx.session.id);
}

/** Sends messages to this client, in one write, behind whatever is queued for it. */
export function send(ctx: IrcContext, ...messages: IrcMessage[]): void {
  if (messages.length === 0) return;
  ctx.hub.sendEncoded(ctx.session, messages.map((m) => serializeIrcWithin(m)).join('\r\n'));
}

export function reply(ctx: IrcContext, code: string, ...params: string[]): void {
  send(ctx, numeric(ctx, code, ...params));
}

/** 461 ERR_NEEDMOREPARAMS unless the message has at least `count` parameters (empty ones do not count at the end). */
export function hasParams(ctx: IrcContext, count: number): boolean {
  const { params, command } = ctx.message;
  if (params.length >= count && (count === 0 || params[count - 1] !== '')) return true;
  reply(ctx, ERR.NEEDMOREPARAMS, command, 'Not enough parameters');
  return false;
}
