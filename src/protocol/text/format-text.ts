/** @module Text mode, outbound: each server event becomes one line a person can read at a terminal. */
import type { Ban, LeftReason, Member, Role, RoomMember, ServerEvent, Topic } from '../../core/events.js';
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

/** IRC's marks: @ for an operator, + for a voiced member. */
const ROLE_MARKS: Record<Role, string> = { operator: '@', voiced: '+', member: '' };

const ROLE_NAMES: Record<Role, string> = { operator: 'an operator', voiced: 'voiced', member: 'a member' };

function member(m: RoomMember): string {
  return `${ROLE_MARKS[m.role ?? 'member']}${who(m.nick, m.id)}`;
}

function topicLine(room: string, topic: Topic | undefined): string {
  return topic ? `${NOTICE}topic of #${room}: ${flat(topic.text)} (set by ${topic.by})` : `${NOTICE}#${room} has no topic`;
}

function banned(ban: Ban): string {
  return [ban.nick, ban.id === undefined ? undefined : `#${ban.id}`].filter((part) => part !== undefined).join(' ');
}

function banTerms(ban: Ban): string {
  return `${ban.until === undefined ? 'for good' : `until ${new Date(ban.until).toISOString()}`}${ban.reason ? ` (${flat(ban.reason)})` : ''}`;
}

function onOff(on: boolean): string {
  return on ? 'on' : 'off';
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
      return (
        `${NOTICE}${who(event.nick, event.id)} joined #${event.room}${event.role === 'operator' ? '; you are its operator' : ''}` +
        (event.topic ? `\n${topicLine(event.room, event.topic)}` : '')
      );
    case 'left':
      return event.by === undefined
        ? `${NOTICE}${who(event.nick, event.id)} left #${event.room} (${REASONS[event.reason]})`
        : `${NOTICE}you were kicked from #${event.room} by ${event.by}${event.message ? ` (${flat(event.message)})` : ''}`;
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
        event.members.map(member).join(', ') +
        (event.topic ? `\n${topicLine(event.room, event.topic)}` : '')
      );
    case 'rooms':
      return (
        `${NOTICE}${event.rooms.length} room${event.rooms.length === 1 ? '' : 's'}: ` +
        event.rooms.map((r) => `#${r.room} (${r.members}${r.topic ? `: ${flat(r.topic)}` : ''})`).join(', ')
      );
    case 'topic':
      return topicLine(event.room, event.topic);
    case 'modes':
      return (
        `${NOTICE}modes of #${event.room}: topic lock ${onOff(event.topicLocked)}, moderated ${onOff(event.moderated)}, ` +
        `invite-only ${onOff(event.inviteOnly)}, key ${onOff(event.keyed)}, limit ${event.memberLimit || 'none'}, ` +
        `slow ${event.slowSeconds ? `${event.slowSeconds} s` : 'off'}${event.by ? ` (set by ${event.by})` : ''}`
      );
    case 'role':
      return `${NOTICE}${who(event.nick, event.id)} is now ${ROLE_NAMES[event.role]} in #${event.room} (by ${event.by})`;
    case 'kicked':
      return `${NOTICE}${who(event.nick, event.id)} was kicked from #${event.room} by ${event.by}${event.reason ? ` (${flat(event.reason)})` : ''}`;
    case 'ban':
      return event.lifted
        ? `${NOTICE}the ban of ${banned(event.ban)} from #${event.room} was lifted`
        : `${NOTICE}${event.ban.by} banned ${banned(event.ban)} from #${event.room} ${banTerms(event.ban)}`;
    case 'bans':
      return [
        `${NOTICE}#${event.room} has ${event.bans.length} ban${event.bans.length === 1 ? '' : 's'}`,
        ...event.bans.map((ban) => `${NOTICE}  ${banned(ban)} ${banTerms(ban)}, by ${ban.by}`),
      ].join('\n');
    case 'invited':
      return `${NOTICE}${event.by} invited ${who(event.nick, event.id)} into #${event.room}`;
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
