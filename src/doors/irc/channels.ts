/**
 * @module Channels: JOIN, PART, NAMES and LIST. Channel `#dev` is room
 * `dev`: the `#` is IRC's (CHANTYPES=#) and the name is the room's canonical (folded) name.
 */
import { andThen, eachInTurn, type Awaitable } from '../../core/command-hub.js';
import type { RoomMember } from '../../core/events.js';
import { channelOf, rolePrefix } from '../../protocol/irc/format-irc.js';
import { IRC_MAX_BODY_BYTES, type IrcMessage } from '../../protocol/irc/irc-message.js';
import { ERR, RPL } from '../../protocol/irc/numerics.js';
import { hasParams, numeric, ownMask, reply, send, type IrcContext } from './irc-context.js';
import { modesOf } from './channel-modes.js';
import { topicReply } from './channel-ops.js';
import { withRefusals } from './room-refusals.js';
import { listParam, notOnChannel, roomOf } from './channel-names.js';

/** 353 lines naming every member, each within 512 bytes, then 366. */
function namesReply(ctx: IrcContext, channel: string, members: readonly RoomMember[]): IrcMessage[] {
  const lines: IrcMessage[] = [];
  const head = Buffer.byteLength(`:${ctx.server.name} ${RPL.NAMREPLY} ${ctx.session.nick} = ${channel} :`);
  let names: string[] = [];
  let bytes = head;
  for (const member of members) {
    const nick = rolePrefix(member.role) + member.nick;
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

function joinOne(ctx: IrcContext, channel: string, key: string | undefined): Awaitable<void> {
  const { hub, session } = ctx;
  const room = roomOf(ctx, channel);
  if (room === undefined || session.rooms.has(room)) return;
  if (session.rooms.size >= hub.limits.maxRoomsPerConn) {
    reply(ctx, ERR.TOOMANYCHANNELS, channel, 'You have joined too many channels');
    return;
  }
  const joined = (): Awaitable<void> =>
    andThen(hub.members(room), (members) => {
      const name = channelOf(room);
      ctx.state.channelModes.set(room, modesOf(hub.moderation.modes(room)));
      send(ctx, { source: ownMask(ctx), command: 'JOIN', params: [name] }, ...topicReply(ctx, room, false), ...namesReply(ctx, name, members));
      // Only a client that asked for server-time can tell a replayed message from one said now.
      if (ctx.state.caps.has('server-time')) return hub.history.sendRecent(session, room);
    });
  return withRefusals(ctx, channelOf(room), undefined, () => andThen(hub.enterRoom(session, room, key), joined));
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
  // Keys pair with channels in order (JOIN #a,#b keyA,keyB).
  const keys = (ctx.message.params[1] ?? '').split(',');
  return eachInTurn(
    listParam(first).map((channel, i) => [channel, keys[i] || undefined] as const),
    ([channel, key]) => joinOne(ctx, channel, key),
  );
}

export function part(ctx: IrcContext): Awaitable<void> {
  if (!hasParams(ctx, 1)) return;
  const reason = ctx.message.params[1];
  return eachInTurn(listParam(ctx.message.params[0]), (channel) => {
    const room = roomOf(ctx, channel);
    if (room === undefined) return;
    if (!ctx.session.rooms.has(room)) return notOnChannel(ctx, channel, room);
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
      ...shown.map((r) => numeric(ctx, RPL.LIST, channelOf(r.room), String(r.members), r.topic ?? '')),
      numeric(ctx, RPL.LISTEND, 'End of /LIST'),
    );
  });
}
