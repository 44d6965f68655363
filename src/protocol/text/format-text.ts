/** @module Text mode, outbound: each server event becomes one line a person can read at a terminal. */
import type { LeftReason, Member, ServerEvent } from '../../core/events.js';
import { sanitizeText } from '../../core/names.js';
import { leavesByReason, listNames } from '../../core/presence-text.js';

/** Prefix that marks a server notice, so it never looks like a message. */
export const NOTICE = '-!- ';

const REASONS: Record<LeftReason, string> = {
  left: 'left',
  quit: 'quit',
  disconnected: 'disconnected',
  slow_reader: 'slow reader',
  kicked: 'kicked',
  shutdown: 'server shutdown',
};

/** One line, nothing that can drive a terminal: newlines and tabs in text are shown, not obeyed. */
function flat(text: string): string {
  // U+2028 and U+2029 end a line for Unicode (and JavaScript) readers as LF does.
  return sanitizeText(text).replace(/[\n\u2028\u2029]/g, ' ↵ ').replace(/\t/g, ' ');
}

function who(nick: string, id: number): string {
  return `${nick} (#${id})`;
}

function names(members: readonly Member[]): string {
  return listNames(members.map((m) => who(m.nick, m.id)));
}

export function formatTextEvent(event: ServerEvent): string {
  switch (event.type) {
    case 'message': {
      const where = `${event.history ? '[history] ' : ''}#${event.room}:${event.seq}`;
      return event.action ? `${where} * ${event.from} ${flat(event.text)}` : `${where} <${event.from}> ${flat(event.text)}`;
    }
    case 'whisper':
      return event.action
        ? `*${event.from} -> ${event.to}* * ${event.from} ${flat(event.text)}`
        : `*${event.from} -> ${event.to}* ${flat(event.text)}`;
    case 'welcome':
      return (
        `${NOTICE}Welcome to ${flat(event.server)}, ${event.nick}! You are connection #${event.id}, ` +
        `in ${event.rooms.map((r) => `#${r}`).join(', ') || 'no room'}. ` +
        'Lines you type go to your current room; /help lists the commands.'
      );
    case 'joined':
      return `${NOTICE}${who(event.nick, event.id)} joined #${event.room}`;
    case 'left':
      return `${NOTICE}${who(event.nick, event.id)} left #${event.room} (${REASONS[event.reason]})`;
    case 'presence': {
      const lines = event.joined.length > 0 ? [`${NOTICE}${names(event.joined)} joined #${event.room}`] : [];
      for (const [reason, group] of leavesByReason(event.left)) lines.push(`${NOTICE}${names(group)} left #${event.room} (${REASONS[reason]})`);
      return lines.join('\n');
    }
    case 'nick':
      return `${NOTICE}${who(event.old, event.id)} is now known as ${event.nick}`;
    case 'who':
      return (
        `${NOTICE}#${event.room} has ${event.members.length} member${event.members.length === 1 ? '' : 's'}: ` +
        event.members.map((m) => who(m.nick, m.id)).join(', ')
      );
    case 'rooms':
      return (
        `${NOTICE}${event.rooms.length} room${event.rooms.length === 1 ? '' : 's'}: ` +
        event.rooms.map((r) => `#${r.room} (${r.members})`).join(', ')
      );
    case 'history':
      return [
        ...event.messages.map(formatTextEvent),
        `${NOTICE}${event.messages.length} message${event.messages.length === 1 ? '' : 's'} of #${event.room} history` +
          (event.more && event.messages[0] ? ` (older ones before #${event.room}:${event.messages[0].seq})` : ''),
      ].join('\n');
    case 'resumed':
      if (event.reset) return `${NOTICE}resumed #${event.room}: that history is gone (the server's store was reset); recent messages shown`;
      return (
        `${NOTICE}resumed #${event.room}: ` +
        (event.complete ? 'nothing missed' : `messages before #${event.room}:${event.firstSeq} are no longer kept`) +
        (event.more ? '; more missed than shown, use /history' : '')
      );
    case 'authed':
      if (event.subject === undefined) return `${NOTICE}password accepted: welcome, ${event.nick}`;
      return (
        `${NOTICE}signed in as ${event.nick}` +
        (event.rooms ? `; you may join ${event.rooms.map((r) => `#${r}`).join(', ') || 'no room'}` : '') +
        (event.expiresAt !== undefined ? `; your token expires at ${new Date(event.expiresAt).toISOString()}` : '')
      );
    case 'pong':
      return `${NOTICE}pong`;
    case 'help':
      return event.commands.map((c) => `${NOTICE}${c.syntax.padEnd(24)} ${c.help}`).join('\n');
    case 'error':
      return `${NOTICE}error: ${flat(event.message)} [${event.code}]`;
    case 'bye':
      return `${NOTICE}bye: ${flat(event.message)} [${event.code}]`;
  }
}
