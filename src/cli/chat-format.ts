/**
 * @module What the chat client prints: each server frame, client notice and connection state as
 * text for a person. Every string from the server is sanitised first, so nothing it sends can drive
 * the terminal.
 */
import { counted, describeNotice } from '../clients/engine/describe.js';
import type { ClientNotice } from '../clients/engine/hub-client.js';
import { SetupError } from '../clients/node-client.js';
import type { FrameOf, MessageFrame, ServerFrame } from '../clients/server-frames.js';
import { sanitizeText } from '../core/names.js';
import { leavesByReason, listNames } from '../core/presence-text.js';
import type { Style } from './chat-style.js';

/** Prefix of everything that is not someone talking. */
export const NOTICE = '-!-';

export interface FormatOptions {
  readonly style: Style;
  /** Interactive: `HH:MM`, multi-line text kept; line mode: `HH:MM:SS`, one line per event. */
  readonly mode: 'interactive' | 'lines';
  /** Messages of this room are shown without their room name. */
  readonly currentRoom?: string;
  readonly now?: Date;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Local time of day, with the date in front when it is not today. */
export function clock(ts: number, mode: FormatOptions['mode'], now = new Date()): string {
  const d = new Date(ts);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}` + (mode === 'lines' ? `:${pad(d.getSeconds())}` : '');
  const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  return sameDay ? time : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** One line: no control characters, tabs as spaces. */
export function oneLine(text: string): string {
  return sanitizeText(text).replace(/\n/g, ' ↵ ').replace(/\t/g, ' ');
}

function body(text: string, mode: FormatOptions['mode']): string {
  if (mode === 'lines') return oneLine(text);
  // Continuation lines are indented so they cannot pass for a message of their own.
  return sanitizeText(text).replace(/\t/g, '  ').replace(/\n/g, '\n      ');
}

export function formatMessage(message: MessageFrame, options: FormatOptions): string {
  const { style, mode } = options;
  const time = clock(message.ts, mode, options.now);
  const stamp = message.history ? style.faded(time) : style.time(time);
  const where = mode === 'lines' || message.room !== options.currentRoom ? `${style.room('#' + oneLine(message.room))} ` : '';
  const from = style.nick(oneLine(message.from));
  const text = body(message.text, mode);
  return message.action ? `${stamp} ${where}* ${from} ${text}` : `${stamp} ${where}<${from}> ${text}`;
}

export function notice(text: string, style: Style): string {
  return style.notice(`${NOTICE} ${text}`);
}

function room(name: string, style: Style): string {
  return style.room('#' + oneLine(name));
}

type Topic = FrameOf<'topic'>['topic'];
type Ban = FrameOf<'ban'>['ban'];

/** IRC's marks: @ for an operator, + for a voiced member. */
const ROLE_MARKS: Readonly<Record<string, string>> = { operator: '@', voiced: '+' };
const ROLE_NAMES: Readonly<Record<string, string>> = { operator: 'an operator', voiced: 'voiced', member: 'a member' };

function topicText(where: string, topic: Topic, style: Style): string {
  return topic ? notice(`topic of ${where}: ${oneLine(topic.text)} (set by ${style.nick(oneLine(topic.by))})`, style) : notice(`${where} has no topic`, style);
}

function banTarget(ban: Ban): string {
  return [ban.nick === undefined ? undefined : oneLine(ban.nick), ban.id === undefined ? undefined : `#${ban.id}`].filter((part) => part !== undefined).join(' ');
}

function banTerms(ban: Ban): string {
  return `${ban.until === undefined ? 'for good' : `until ${new Date(ban.until).toLocaleString()}`}${ban.reason ? ` (${oneLine(ban.reason)})` : ''}`;
}

const onOff = (on: boolean): string => (on ? 'on' : 'off');

/** The text for a frame, or undefined for frames a person need not see. */
export function formatFrame(frame: ServerFrame, options: FormatOptions): string | undefined {
  const { style, mode } = options;
  const nick = (n: string): string => style.nick(oneLine(n));
  switch (frame.type) {
    case 'message':
      return formatMessage(frame, options);
    case 'whisper': {
      const text = body(frame.text, mode);
      const head = style.whisper(`*${oneLine(frame.from)} → ${oneLine(frame.to)}*`);
      return `${style.time(clock(frame.ts, mode, options.now))} ${head} ${frame.action ? `* ${nick(frame.from)} ${text}` : text}`;
    }
    case 'joined':
      return [
        notice(`${nick(frame.nick)} joined ${room(frame.room, style)}${frame.role === 'operator' ? ': you are its operator' : ''}`, style),
        ...(frame.topic ? [topicText(room(frame.room, style), frame.topic, style)] : []),
      ].join('\n');
    case 'left':
      return frame.by === undefined
        ? notice(`${nick(frame.nick)} left ${room(frame.room, style)} (${oneLine(frame.reason)})`, style)
        : style.error(`${NOTICE} you were kicked from ${room(frame.room, style)} by ${nick(frame.by)}${frame.message ? ` (${oneLine(frame.message)})` : ''}`);
    case 'presence': {
      const names = (members: readonly { nick: string }[]): string => listNames(members.map((m) => nick(m.nick)));
      const lines = frame.joined.length > 0 ? [notice(`${names(frame.joined)} joined ${room(frame.room, style)}`, style)] : [];
      for (const [reason, group] of leavesByReason(frame.left)) lines.push(notice(`${names(group)} left ${room(frame.room, style)} (${oneLine(reason)})`, style));
      return lines.join('\n');
    }
    case 'nick':
      return notice(`${nick(frame.old)} is now known as ${nick(frame.nick)}`, style);
    case 'who':
      return notice(
        `${room(frame.room, style)} has ${counted(frame.members.length, 'member')}: ` +
          frame.members.map((m) => `${ROLE_MARKS[m.role ?? ''] ?? ''}${nick(m.nick)}`).join(', '),
        style,
      ) + (frame.topic ? `\n${topicText(room(frame.room, style), frame.topic, style)}` : '');
    case 'rooms':
      return notice(
        frame.rooms.length === 0
          ? 'no rooms'
          : 'rooms: ' + frame.rooms.map((r) => `${room(r.room, style)} (${r.members}${r.topic ? `: ${oneLine(r.topic)}` : ''})`).join(', '),
        style,
      );
    case 'topic':
      return topicText(room(frame.room, style), frame.topic, style);
    case 'modes':
      return notice(
        `modes of ${room(frame.room, style)}: topic lock ${onOff(frame.topicLocked)}, moderated ${onOff(frame.moderated)}, ` +
          `invite-only ${onOff(frame.inviteOnly)}, key ${onOff(frame.keyed)}, limit ${frame.memberLimit || 'none'}, ` +
          `slow ${frame.slowSeconds ? `${frame.slowSeconds} s` : 'off'}${frame.by ? ` (set by ${nick(frame.by)})` : ''}`,
        style,
      );
    case 'role':
      return notice(`${nick(frame.nick)} is now ${ROLE_NAMES[frame.role] ?? oneLine(frame.role)} in ${room(frame.room, style)} (by ${nick(frame.by)})`, style);
    case 'kicked':
      return notice(`${nick(frame.nick)} was kicked from ${room(frame.room, style)} by ${nick(frame.by)}${frame.reason ? ` (${oneLine(frame.reason)})` : ''}`, style);
    case 'ban':
      return frame.lifted
        ? notice(`the ban of ${banTarget(frame.ban)} from ${room(frame.room, style)} was lifted`, style)
        : notice(`${nick(frame.ban.by)} banned ${banTarget(frame.ban)} from ${room(frame.room, style)} ${banTerms(frame.ban)}`, style);
    case 'bans':
      return [
        notice(`${room(frame.room, style)} has ${counted(frame.bans.length, 'ban')}`, style),
        ...frame.bans.map((ban) => notice(`  ${banTarget(ban)} ${banTerms(ban)}, by ${nick(ban.by)}`, style)),
      ].join('\n');
    case 'invited':
      return notice(`${nick(frame.by)} invited ${nick(frame.nick)} into ${room(frame.room, style)}`, style);
    case 'error':
      return style.error(`${NOTICE} ${oneLine(frame.message)} [${oneLine(frame.code)}]`);
    case 'bye':
      // The answer to our own quit needs no showing.
      if (frame.code === 'quit') return undefined;
      return notice(`the server says goodbye: ${oneLine(frame.message)} [${oneLine(frame.code)}]`, style);
    case 'help':
      return frame.commands.map((c) => notice(`${oneLine(c.syntax).padEnd(26)} ${oneLine(c.help)}`, style)).join('\n');
    case 'pong':
      return notice('pong', style);
    case 'authed':
      return notice(frame.subject === undefined ? 'password accepted' : `signed in as ${nick(frame.nick)}`, style);
    case 'welcome':
    case 'history':
    case 'resumed':
      return undefined;
  }
}

/** A client notice, styled: red for what was lost or refused. */
export function formatClientNotice(n: ClientNotice, style: Style): string {
  const text = oneLine(describeNotice(n));
  return n.kind === 'nick-fallback' || n.kind === 'nick-refused' || n.kind === 'resent' ? notice(text, style) : style.error(`${NOTICE} ${text}`);
}

/** Why the first connection failed, in one line: a refused nick or room, or what stopped the connection. */
export function startFailure(err: unknown, href: string): string {
  const message = err instanceof Error ? err.message : String(err);
  return err instanceof SetupError ? message : `cannot connect to ${href}: ${message}`;
}
