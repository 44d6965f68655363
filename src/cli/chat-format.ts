/**
 * @module What the chat client prints: each server frame, client notice and connection state as
 * text for a person. Every string from the server is sanitised first, so nothing it sends can drive
 * the terminal.
 */
import { counted, describeNotice } from '../clients/engine/describe.js';
import type { ClientNotice } from '../clients/engine/hub-client.js';
import { SetupError } from '../clients/node-client.js';
import type { MessageFrame, ServerFrame } from '../clients/server-frames.js';
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
      return notice(`${nick(frame.nick)} joined ${room(frame.room, style)}`, style);
    case 'left':
      return notice(`${nick(frame.nick)} left ${room(frame.room, style)} (${oneLine(frame.reason)})`, style);
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
          frame.members.map((m) => nick(m.nick)).join(', '),
        style,
      );
    case 'rooms':
      return notice(
        frame.rooms.length === 0 ? 'no rooms' : 'rooms: ' + frame.rooms.map((r) => `${room(r.room, style)} (${r.members})`).join(', '),
        style,
      );
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
