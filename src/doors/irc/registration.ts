/**
 * @module Registration: PASS, NICK, USER and CAP, and the burst a client gets once it has a nick
 * and a user and has ended capability negotiation (001–005, LUSERS, MOTD). NICK checks the nick
 * against hubbub's rules at once, so a client retrying after 433 gets its answer before USER.
 */
import type { Awaitable } from '../../core/command-hub.js';
import { HubError } from '../../core/errors.js';
import { sanitizeText } from '../../core/names.js';
import { allowedNick } from '../../core/commands/identity.js';
import { signInWith } from '../../core/commands/auth.js';
import type { IrcMessage } from '../../protocol/irc/irc-message.js';
import { ERR, RPL } from '../../protocol/irc/numerics.js';
import { hasParams, numeric, ownMask, reply, send, type IrcContext } from './irc-context.js';
import { CAPABILITIES, type Capability } from './irc-state.js';
import { isupportTokens } from './isupport.js';

/** ISUPPORT tokens per 005 line (ircdocs: at most 13, to stay within 512 bytes). */
const TOKENS_PER_LINE = 13;

/** PASS carries the server's password or a token (as `/auth` does); it is checked when registration completes. */
export function pass(ctx: IrcContext): void {
  if (ctx.state.registered) {
    reply(ctx, ERR.ALREADYREGISTERED, 'You may not reregister');
    return;
  }
  if (hasParams(ctx, 1)) ctx.state.pass = ctx.message.params[0];
}

/** The nick error numerics, or undefined for an error that is not about the nick. */
function nickRefusal(err: unknown): { code: string; text: string } | undefined {
  if (!(err instanceof HubError)) return undefined;
  if (err.code === 'nick_taken') return { code: ERR.NICKNAMEINUSE, text: 'Nickname is already in use' };
  if (err.code === 'nick_invalid') return { code: ERR.ERRONEUSNICKNAME, text: 'Erroneous nickname: 1-32 letters, digits, _ or -' };
  if (err.code === 'nick_reserved' || err.code === 'nick_locked' || err.code === 'banned') return { code: ERR.ERRONEUSNICKNAME, text: `Erroneous nickname: ${err.message}` };
  return undefined;
}

export function nick(ctx: IrcContext): Awaitable<void> {
  const { hub, session, state, message } = ctx;
  const wanted = message.params[0];
  if (wanted === undefined || wanted === '') {
    reply(ctx, ERR.NONICKNAMEGIVEN, 'No nickname given');
    return;
  }
  const refuse = (err: unknown): void => {
    const refusal = nickRefusal(err);
    if (!refusal) throw err;
    reply(ctx, refusal.code, wanted, refusal.text);
  };
  let renamed: Awaitable<void>;
  try {
    const checked = allowedNick(hub, session, wanted);
    // The same nick again changes nothing (a changed case does change it).
    if (state.nickGiven && checked === session.nick) return;
    renamed = hub.changeNick(session, checked, undefined);
  } catch (err) {
    refuse(err);
    return;
  }
  const done = (): Awaitable<void> => {
    if (state.registered) return;
    state.nickGiven = true;
    return completeRegistration(ctx);
  };
  return renamed instanceof Promise ? renamed.then(done, refuse) : done();
}

export function user(ctx: IrcContext): Awaitable<void> {
  const { state, message } = ctx;
  if (state.registered) {
    reply(ctx, ERR.ALREADYREGISTERED, 'You may not reregister');
    return;
  }
  if (!hasParams(ctx, 4)) return;
  state.user = { username: sanitizeText(message.params[0]!).slice(0, 32), realname: sanitizeText(message.params[3]!).slice(0, 100) };
  return completeRegistration(ctx);
}

function capList(caps: Iterable<string>): string {
  return [...caps].join(' ');
}

export function cap(ctx: IrcContext): Awaitable<void> {
  const { state, message, server } = ctx;
  const sub = message.params[0]?.toUpperCase();
  const to = state.nickGiven ? ctx.session.nick : '*';
  const capReply = (...params: string[]): IrcMessage => ({ source: server.name, command: 'CAP', params: [to, ...params] });
  switch (sub) {
    case 'LS':
      if (!state.registered) state.negotiating = true;
      send(ctx, capReply('LS', capList(CAPABILITIES)));
      return;
    case 'LIST':
      send(ctx, capReply('LIST', capList(state.caps)));
      return;
    case 'REQ': {
      if (!state.registered) state.negotiating = true;
      const asked = (message.params[1] ?? '').split(' ').filter((c) => c !== '');
      const known = (name: string): name is Capability => (CAPABILITIES as readonly string[]).includes(name);
      // All or nothing (CAP 3.1): one unknown capability refuses the whole request.
      if (asked.length === 0 || !asked.every((c) => known(c.replace(/^-/, '')))) {
        send(ctx, capReply('NAK', message.params[1] ?? ''));
        return;
      }
      for (const c of asked) {
        if (c.startsWith('-')) state.caps.delete(c.slice(1) as Capability);
        else state.caps.add(c as Capability);
      }
      send(ctx, capReply('ACK', asked.join(' ')));
      return;
    }
    case 'END':
      if (!state.negotiating) return;
      state.negotiating = false;
      return completeRegistration(ctx);
    default:
      reply(ctx, ERR.INVALIDCAPCMD, message.params[0] ?? '*', 'Invalid CAP command');
  }
}

/**
 * Once the client has a nick and a user and is not negotiating: signs it in with its PASS, if it
 * gave one, and registers it (the welcome burst). A server closed to guests takes a PASS; a wrong
 * one gets 464 and no registration.
 */
function completeRegistration(ctx: IrcContext): Awaitable<void> {
  const { state, session } = ctx;
  if (state.registered || !state.nickGiven || state.user === undefined || state.negotiating) return;
  const secret = state.pass;
  state.pass = undefined;
  if (secret === undefined) {
    if (session.admitted) welcome(ctx);
    else reply(ctx, ERR.PASSWDMISMATCH, 'Password required: send PASS with the password or a token');
    return;
  }
  const refused = (err: unknown): void => {
    if (!(err instanceof HubError)) throw err;
    reply(ctx, ERR.PASSWDMISMATCH, `Password incorrect: ${err.message}`);
  };
  try {
    const signedIn = signInWith(ctx, secret);
    if (signedIn instanceof Promise) return signedIn.then(() => welcome(ctx), refused);
  } catch (err) {
    refused(err);
    return;
  }
  welcome(ctx);
}

/** 001-005, LUSERS and the MOTD. */
function welcome(ctx: IrcContext): void {
  const { state, server } = ctx;
  if (state.registered || ctx.session.closing) return;
  state.registered = true;
  const tokens = isupportTokens(server.name, ctx.hub.limits);
  const isupport: IrcMessage[] = [];
  for (let i = 0; i < tokens.length; i += TOKENS_PER_LINE) {
    isupport.push(numeric(ctx, RPL.ISUPPORT, ...tokens.slice(i, i + TOKENS_PER_LINE), 'are supported by this server'));
  }
  send(
    ctx,
    numeric(ctx, RPL.WELCOME, `Welcome to the ${server.name} IRC network, ${ownMask(ctx)}`),
    numeric(ctx, RPL.YOURHOST, `Your host is ${server.name}, running version hubbub-${server.version}`),
    numeric(ctx, RPL.CREATED, `This server was created ${server.createdAt.toUTCString()}`),
    numeric(ctx, RPL.MYINFO, server.name, `hubbub-${server.version}`, 'iow', 'biklmntov', 'bklov'),
    ...isupport,
  );
  lusers(ctx);
  motd(ctx);
}

export function lusers(ctx: IrcContext): void {
  const { connections, rooms } = ctx.hub.stats();
  send(
    ctx,
    numeric(ctx, RPL.LUSERCLIENT, `There are ${connections} users and 0 invisible on 1 server`),
    numeric(ctx, RPL.LUSERCHANNELS, String(rooms), 'channels formed'),
    numeric(ctx, RPL.LUSERME, `I have ${connections} clients and 0 servers`),
    numeric(ctx, RPL.LOCALUSERS, String(connections), String(ctx.hub.limits.maxConnections), `Current local users ${connections}, max ${ctx.hub.limits.maxConnections}`),
  );
}

/** The message of the day: what an IRC user needs to know about where they are. */
export function motd(ctx: IrcContext): void {
  const lines = [
    `${ctx.server.name} is a hubbub chat hub: its rooms are channels here (room dev is #dev),`,
    'shared with people on terminals, in browsers and in programs.',
    'Everyone appears as nick!<connection id>@hubbub.',
  ];
  send(
    ctx,
    numeric(ctx, RPL.MOTDSTART, `- ${ctx.server.name} Message of the day -`),
    ...lines.map((text) => numeric(ctx, RPL.MOTD, `- ${text}`)),
    numeric(ctx, RPL.ENDOFMOTD, 'End of /MOTD command.'),
  );
}
