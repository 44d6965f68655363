/**
 * @module IRC server operators: OPER with `--irc-operators` credentials, then KILL and WALLOPS.
 * Server operators run the server, not its rooms: room powers come from the room (or a token's
 * grant), as for every door.
 */
import { serializeIrc } from '../../protocol/irc/irc-message.js';
import { ERR, RPL } from '../../protocol/irc/numerics.js';
import { hasParams, ownMask, reply, send, type IrcContext } from './irc-context.js';
import { operatorMatches } from './operators.js';

export function oper(ctx: IrcContext): void {
  if (!hasParams(ctx, 2)) return;
  const [name, password] = ctx.message.params as [string, string];
  if (ctx.server.operators.size === 0) {
    reply(ctx, ERR.NOOPERHOST, 'No O-lines for your host');
    return;
  }
  if (!operatorMatches(ctx.server.operators, name, password)) {
    reply(ctx, ERR.PASSWDMISMATCH, 'Password incorrect');
    return;
  }
  ctx.state.oper = name;
  const wasOper = ctx.state.modes.has('o');
  ctx.state.modes.add('o');
  reply(ctx, RPL.YOUREOPER, 'You are now an IRC operator');
  if (!wasOper) send(ctx, { source: ownMask(ctx), command: 'MODE', params: [ctx.session.nick, '+o'] });
}

/** 481 unless the client is a server operator. */
function isOper(ctx: IrcContext): boolean {
  if (ctx.state.oper !== undefined) return true;
  reply(ctx, ERR.NOPRIVILEGES, "Permission Denied- You're not an IRC operator");
  return false;
}

export function kill(ctx: IrcContext): void {
  if (!hasParams(ctx, 2) || !isOper(ctx)) return;
  const [nick, comment] = ctx.message.params as [string, string];
  const target = ctx.hub.findSession(nick);
  if (target === undefined) {
    reply(ctx, ERR.NOSUCHNICK, nick, 'No such nick/channel');
    return;
  }
  ctx.hub.disconnect(target, `killed by ${ctx.session.nick} (${[...comment].slice(0, 200).join('')})`);
}

/** To every IRC client with user mode w, the sender too if it has it; other doors have no such notices. */
export function wallops(ctx: IrcContext): void {
  if (!hasParams(ctx, 1) || !isOper(ctx)) return;
  const line = serializeIrc({ source: ownMask(ctx), command: 'WALLOPS', params: [ctx.message.params[0]!] });
  for (const session of ctx.hub.localSessions()) {
    const state = ctx.states.peek(session);
    if (state?.registered && state.modes.has('w')) ctx.hub.sendEncoded(session, line);
  }
}
