/**
 * @module Channels: JOIN, PART, NAMES, LIST, TOPIC and channel MODE queries. Channel `#dev` is room
 * `dev`: the `#` is IRC's (CHANTYPES=#) and the name is the room's canonical (folded) name.
 */
import { andThen, eachInTurn, type Awaitable } from '../../core/command-hub.js';
import { HubError } from '../../core/errors.js';
import type { Member } from '../../core/events.js';
import { checkRoom } from '../../core/names.js';
import { channelOf } from '../../protocol/irc/format-irc.js';
import { IRC_MAX_BODY_BYTES, type IrcMessage } from '../../protocol/irc/irc-message.js';
import { ERR, RPL } from '../../protocol/irc/numerics.js';
import { hasParams, numeric, ownMask, reply, send, type IrcContext } from './irc-context.js';

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

/** Whether a room has members (rooms exist while someone is in them). */
function roomExists(ctx: IrcContext, room: string): Awaitable<boolean> {
  return andThen(ctx.hub.roomList(), (rooms) => rooms.some((r) => r.room === room));
}

/** The list items of a comma-separated parameter, without empty ones. */
export function listParam(value: string | undefined): string[] {
  return (value ?? '').split(',').filter((item) => item !== '');
}

/** 353 lines naming every member, each within 512 bytes, then 366. */
function namesReply(ctx: IrcContext, channel: string, members: readonly Member[]): IrcMessage[] {
  const lines: IrcMessage[] = [];
  const head = Buffer.byteLength(`:${ctx.server.name} ${RPL.NAMREPLY} ${ctx.session.nick} = ${channel} :`);
  let names: string[] = [];
  let bytes = head;
  for (const { nick } of members) {
    const size = Buffer.byteLength(nick) + 1;
    if (names.length > 0 && bytes + size > IRC_MAX_BODY_BYTES) {
      lines.push(numeric(ctx, RPL.NAMREPLY, '=', channel, names.join(' ')));
      names = [];
      bytes = head;
    }
    names.push(nick);
    bytes += size;
  }
  if (names.length > 0) lines.push(numeric(ctx, RPL.NAMREPLY, '=', channel, names.join(' ')));
  lines.push(numeric(ctx, RPL.ENDOFNAMES, channel, 'End of /NAMES list'));
  return lines;
}

function joinOne(ctx: IrcContext, channel: string): Awaitable<void> {
  const { hub, session } = ctx;
  const room = roomOf(ctx, channel);
  if (room === undefined || session.rooms.has(room)) return;
  if (session.rooms.size >= hub.limits.maxRoomsPerConn) {
    reply(ctx, ERR.TOOMANYCHANNELS, channel, 'You have joined too many channels');
    return;
  }
  return andThen(hub.enterRoom(session, room), () =>
    andThen(hub.members(room), (members) => {
      const name = channelOf(room);
      send(ctx, { source: ownMask(ctx), command: 'JOIN', params: [name] }, ...namesReply(ctx, name, members));
      // Only a client that asked for server-time can tell a replayed message from one said now.
      if (ctx.state.caps.has('server-time')) return hub.history.sendRecent(session, room);
    }),
  );
}

/** Leaves every channel: what `JOIN 0` asks. */
function partAll(ctx: IrcContext): void {
  for (const room of ctx.session.rooms.list()) {
    ctx.hub.leaveRoom(ctx.session, room, 'left');
    send(ctx, { source: ownMask(ctx), command: 'PART', params: [channelOf(room)] });
  }
}

export function join(ctx: IrcContext): Awaitable<void> {
  if (!hasParams(ctx, 1)) return;
  const first = ctx.message.params[0]!;
  if (first === '0') {
    partAll(ctx);
    return;
  }
  // Keys (the second parameter) are accepted and not needed: no room has one.
  return eachInTurn(listParam(first), (channel) => joinOne(ctx, channel));
}

/** 442 when the room exists, 403 when it does not. */
function notOn(ctx: IrcContext, channel: string, room: string): Awaitable<void> {
  return andThen(roomExists(ctx, room), (exists) =>
    exists ? reply(ctx, ERR.NOTONCHANNEL, channel, "You're not on that channel") : reply(ctx, ERR.NOSUCHCHANNEL, channel, 'No such channel'),
  );
}

export function part(ctx: IrcContext): Awaitable<void> {
  if (!hasParams(ctx, 1)) return;
  const reason = ctx.message.params[1];
  return eachInTurn(listParam(ctx.message.params[0]), (channel) => {
    const room = roomOf(ctx, channel);
    if (room === undefined) return;
    if (!ctx.session.rooms.has(room)) return notOn(ctx, channel, room);
    ctx.hub.leaveRoom(ctx.session, room, 'left');
    send(ctx, { source: ownMask(ctx), command: 'PART', params: [channelOf(room), ...(reason ? [reason] : [])] });
  });
}

export function names(ctx: IrcContext): Awaitable<void> {
  const channels = listParam(ctx.message.params[0]);
  if (channels.length === 0) {
    reply(ctx, RPL.ENDOFNAMES, '*', 'End of /NAMES list');
    return;
  }
  return eachInTurn(channels, (channel) => {
    const room = channel.startsWith('#') ? roomOf(ctx, channel) : undefined;
    if (room === undefined) {
      if (!channel.startsWith('#')) reply(ctx, RPL.ENDOFNAMES, channel, 'End of /NAMES list');
      return;
    }
    return andThen(ctx.hub.members(room), (members) => send(ctx, ...namesReply(ctx, channelOf(room), members)));
  });
}

export function list(ctx: IrcContext): Awaitable<void> {
  const wanted = new Set(listParam(ctx.message.params[0]).flatMap((channel) => (channel.startsWith('#') ? [channel.slice(1).toLowerCase()] : [])));
  return andThen(ctx.hub.roomList(), (rooms) => {
    const shown = wanted.size === 0 ? rooms : rooms.filter((r) => wanted.has(r.room));
    send(
      ctx,
      numeric(ctx, RPL.LISTSTART, 'Channel', 'Users  Name'),
      ...shown.map((r) => numeric(ctx, RPL.LIST, channelOf(r.room), String(r.members), '')),
      numeric(ctx, RPL.LISTEND, 'End of /LIST'),
    );
  });
}

export function topic(ctx: IrcContext): Awaitable<void> {
  if (!hasParams(ctx, 1)) return;
  const channel = ctx.message.params[0]!;
  const room = roomOf(ctx, channel);
  if (room === undefined) return;
  if (!ctx.session.rooms.has(room)) return notOn(ctx, channel, room);
  if (ctx.message.params.length > 1) {
    reply(ctx, ERR.CHANOPRIVSNEEDED, channelOf(room), 'hubbub rooms have no topic to set');
    return;
  }
  reply(ctx, RPL.NOTOPIC, channelOf(room), 'No topic is set');
}

/** Channel MODE: the query forms clients send after joining; rooms have no modes to change. */
export function channelMode(ctx: IrcContext, channel: string): Awaitable<void> {
  const room = roomOf(ctx, channel);
  if (room === undefined) return;
  const name = channelOf(room);
  const changes = ctx.message.params[1];
  if (changes === undefined) {
    return andThen(roomExists(ctx, room), (exists) =>
      exists ? reply(ctx, RPL.CHANNELMODEIS, name, '+') : reply(ctx, ERR.NOSUCHCHANNEL, channel, 'No such channel'),
    );
  }
  // The list queries (bans, exceptions, invite exceptions) answer with empty lists.
  if (/^[+]?b$/.test(changes)) return reply(ctx, RPL.ENDOFBANLIST, name, 'End of channel ban list');
  if (/^[+]?e$/.test(changes)) return reply(ctx, RPL.ENDOFEXCEPTLIST, name, 'End of channel exception list');
  if (/^[+]?I$/.test(changes)) return reply(ctx, RPL.ENDOFINVITELIST, name, 'End of channel invite list');
  const unknown = [...new Set(changes.replace(/[+-]/g, ''))];
  send(ctx, ...unknown.map((c) => numeric(ctx, ERR.UNKNOWNMODE, c, 'is unknown mode char to me')));
}
