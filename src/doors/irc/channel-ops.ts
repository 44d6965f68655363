/**
 * @module What channel operators do from IRC, on hubbub's room moderation (the same rules every
 * door sees): TOPIC, channel MODE (query, lists and changes), KICK and INVITE.
 */
import { eachInTurn, type Awaitable } from '../../core/command-hub.js';
import type { ModeChange } from '../../core/moderation.js';
import { banMask, channelOf } from '../../protocol/irc/format-irc.js';
import type { IrcMessage } from '../../protocol/irc/irc-message.js';
import { ERR, RPL } from '../../protocol/irc/numerics.js';
import { hasParams, numeric, reply, send, type IrcContext } from './irc-context.js';
import { modeString, modesOf } from './channel-modes.js';
import { listParam, notOnChannel, roomOf } from './channel-names.js';
import { withRefusals } from './room-refusals.js';

/** 332 and 333 for a room with a topic, 331 for one without. */
export function topicReply(ctx: IrcContext, room: string, always: boolean): IrcMessage[] {
  const topic = ctx.hub.moderation.topic(room);
  const channel = channelOf(room);
  if (topic === undefined) return always ? [numeric(ctx, RPL.NOTOPIC, channel, 'No topic is set')] : [];
  return [numeric(ctx, RPL.TOPIC, channel, topic.text), numeric(ctx, RPL.TOPICWHOTIME, channel, topic.by, String(Math.floor(topic.ts / 1000)))];
}

export function topic(ctx: IrcContext): Awaitable<void> {
  if (!hasParams(ctx, 1)) return;
  const channel = ctx.message.params[0]!;
  const room = roomOf(ctx, channel);
  if (room === undefined) return;
  if (!ctx.session.rooms.has(room)) return notOnChannel(ctx, channel, room);
  const text = ctx.message.params[1];
  if (text === undefined) {
    send(ctx, ...topicReply(ctx, room, true));
    return;
  }
  // The room is told (TOPIC from the setter), the setter too.
  return withRefusals(ctx, channelOf(room), undefined, () => ctx.hub.moderation.setTopic(ctx.session, room, text, undefined));
}

/** A ban mask as moderation's target: `nick!*@*` a nick, `*!id@*` a connection id, else the word as given. */
function banTarget(mask: string): string {
  const id = /^\*!(\d+)@\*$/.exec(mask);
  if (id) return `#${id[1]}`;
  const nick = /^([^!@*]+)(?:!\*)?(?:@\*)?$/.exec(mask);
  return nick ? nick[1]! : mask;
}

/** One parsed change of a MODE line that is not a plain flag. */
type Step = { kind: 'role'; role: 'operator' | 'voiced'; on: boolean; nick: string } | { kind: 'ban'; on: boolean; mask: string };

interface ParsedModes {
  change: { -readonly [K in keyof ModeChange]: ModeChange[K] };
  steps: Step[];
  /** b with no mask: the ban list is asked for. */
  listBans: boolean;
  unknown: string[];
}

/** Reads a MODE line's mode string and parameters (CHANMODES=b,k,l,imnt, PREFIX=(ov)@+). */
function parseModes(modes: string, args: string[]): ParsedModes {
  const parsed: ParsedModes = { change: {}, steps: [], listBans: false, unknown: [] };
  let on = true;
  for (const c of modes) {
    if (c === '+' || c === '-') on = c === '+';
    else if (c === 'o' || c === 'v') {
      const nick = args.shift();
      if (nick !== undefined) parsed.steps.push({ kind: 'role', role: c === 'o' ? 'operator' : 'voiced', on, nick });
    } else if (c === 'b') {
      const mask = args.shift();
      if (mask === undefined) parsed.listBans = true;
      else parsed.steps.push({ kind: 'ban', on, mask });
    } else if (c === 'k') {
      const key = args.shift();
      if (!on) parsed.change.key = '';
      else if (key !== undefined) parsed.change.key = key;
    } else if (c === 'l') {
      if (!on) parsed.change.memberLimit = 0;
      else {
        const limit = Number(args.shift());
        if (Number.isSafeInteger(limit) && limit >= 0) parsed.change.memberLimit = limit;
      }
    } else if (c === 'i') parsed.change.inviteOnly = on;
    else if (c === 'm') parsed.change.moderated = on;
    else if (c === 't') parsed.change.topicLocked = on;
    // n is always on: members only, whatever is asked.
    else if (c !== 'n') parsed.unknown.push(c);
  }
  return parsed;
}

function banList(ctx: IrcContext, room: string): IrcMessage[] {
  const channel = channelOf(room);
  return [
    ...ctx.hub.moderation.bans(room).map((ban) => numeric(ctx, RPL.BANLIST, channel, banMask(ban), ban.by, String(Math.floor(ban.at / 1000)))),
    numeric(ctx, RPL.ENDOFBANLIST, channel, 'End of channel ban list'),
  ];
}

/** Channel MODE: the query, the lists (b; e and I are always empty) and changes, carried out in order. */
export function channelMode(ctx: IrcContext, target: string): Awaitable<void> {
  const room = roomOf(ctx, target);
  if (room === undefined) return;
  const channel = channelOf(room);
  const [, modes, ...args] = ctx.message.params;
  if (!ctx.session.rooms.has(room)) return notOnChannel(ctx, target, room);
  if (modes === undefined) {
    send(ctx, numeric(ctx, RPL.CHANNELMODEIS, channel, ...modeString(modesOf(ctx.hub.moderation.modes(room)))));
    return;
  }
  if (/^\+?e$/.test(modes)) return reply(ctx, RPL.ENDOFEXCEPTLIST, channel, 'End of channel exception list');
  if (/^\+?I$/.test(modes)) return reply(ctx, RPL.ENDOFINVITELIST, channel, 'End of channel invite list');
  const parsed = parseModes(modes, args);
  if (parsed.listBans) send(ctx, ...banList(ctx, room));
  send(ctx, ...[...new Set(parsed.unknown)].map((c) => numeric(ctx, ERR.UNKNOWNMODE, c, 'is unknown mode char to me')));
  const { moderation } = ctx.hub;
  const flags = Object.keys(parsed.change).length > 0 ? [() => moderation.setModes(ctx.session, room, parsed.change, undefined)] : [];
  const steps = parsed.steps.map((step) =>
    step.kind === 'role'
      ? () => moderation.setRole(ctx.session, room, step.nick, step.role, step.on, undefined)
      : () => (step.on ? moderation.ban(ctx.session, room, banTarget(step.mask), undefined, undefined, undefined) : moderation.unban(ctx.session, room, banTarget(step.mask), undefined)),
  );
  return eachInTurn([...flags, ...steps], (work) => withRefusals(ctx, channel, undefined, work));
}

export function kick(ctx: IrcContext): Awaitable<void> {
  if (!hasParams(ctx, 2)) return;
  const [channelParam, nicks, reason] = ctx.message.params;
  const room = roomOf(ctx, channelParam!);
  if (room === undefined) return;
  if (!ctx.session.rooms.has(room)) return notOnChannel(ctx, channelParam!, room);
  const channel = channelOf(room);
  // One after another: a kick of a member of another node (in a cluster) waits for its lookup.
  return eachInTurn(listParam(nicks), (nick) => withRefusals(ctx, channel, nick, () => ctx.hub.moderation.kick(ctx.session, room, nick, reason === '' ? undefined : reason, undefined)));
}

export function invite(ctx: IrcContext): Awaitable<void> {
  if (!hasParams(ctx, 2)) return;
  const [nick, channelParam] = ctx.message.params as [string, string];
  const room = roomOf(ctx, channelParam);
  if (room === undefined) return;
  if (!ctx.session.rooms.has(room)) return notOnChannel(ctx, channelParam, room);
  const invitee = ctx.hub.findSession(nick);
  if (invitee === undefined) {
    reply(ctx, ERR.NOSUCHNICK, nick, 'No such nick/channel');
    return;
  }
  if (invitee.rooms.has(room)) {
    reply(ctx, ERR.USERONCHANNEL, nick, channelOf(room), 'is already on channel');
    return;
  }
  // The invitee is sent INVITE, the inviter 341.
  return withRefusals(ctx, channelOf(room), undefined, () => ctx.hub.moderation.invite(ctx.session, room, nick, undefined));
}
