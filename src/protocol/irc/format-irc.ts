/**
 * @module Hub events as IRC lines, for one reader. Pure. A hubbub message from anyone reads as a
 * PRIVMSG from `nick!id@hubbub`: the connection id stands where IRC puts the user name, so a nick
 * change or a guest keeps one recognisable mask.
 */
import type { Ban, LeftReason, MessageEvent, Role, ServerEvent } from '../../core/events.js';
import { IRC_MAX_BODY_BYTES, serializeIrc, splitUtf8, type IrcMessage } from './irc-message.js';
import { ERR, RPL } from './numerics.js';

/** The host part of every hubbub user's mask. */
export const USER_HOST = 'hubbub';

/** Who an event is being written for, and what its client negotiated. */
export interface IrcReader {
  readonly id: number;
  /** The nick numerics are addressed to: `*` until registration is complete. */
  readonly target: string;
  readonly registered: boolean;
  /** CAP echo-message: its own messages come back to it. */
  readonly echoMessage: boolean;
  /** CAP server-time: messages carry their time. */
  readonly serverTime: boolean;
  /** CAP batch: a replay of history comes as one `chathistory` batch. */
  readonly batch: boolean;
  /** CAP message-tags: room messages carry their `msgid` (`<room>:<seq>`). */
  readonly messageTags: boolean;
}

/** A room message's IRC msgid: its room and seq, which CHATHISTORY takes back. */
export function msgidOf(room: string, seq: number): string {
  return `${room}:${seq}`;
}

export function userMask(nick: string, id: number): string {
  return `${nick}!${id}@${USER_HOST}`;
}

/** The mask of someone named only by nick (an operator acting in a room): the id is not told. */
export function nickMask(nick: string): string {
  return `${nick}!*@${USER_HOST}`;
}

/** A ban as an IRC ban mask: `nick!*@*` for a nick, `*!id@*` for a connection id. */
export function banMask(ban: Ban): string {
  return ban.nick !== undefined ? `${ban.nick}!*@*` : `*!${ban.id ?? '*'}@*`;
}

/** The prefix NAMES and WHO show for a role (PREFIX=(ov)@+). */
export function rolePrefix(role: Role | undefined): string {
  return role === 'operator' ? '@' : role === 'voiced' ? '+' : '';
}

/** How a role change reads as channel modes on the member: o and v are one role in hubbub. */
const ROLE_MODES: Record<Role, string> = { operator: '+o-v', voiced: '-o+v', member: '-ov' };

/** A channel name for a room. */
export function channelOf(room: string): string {
  return `#${room}`;
}

const CTCP = '\u0001';

/** How a member's leaving reads as an IRC QUIT reason. */
const QUIT_REASONS: Record<Exclude<LeftReason, 'left'>, string> = {
  quit: 'Quit',
  disconnected: 'Connection lost',
  slow_reader: 'Slow reader',
  kicked: 'Kicked by the server',
  shutdown: 'Server shutting down',
};

/**
 * One PRIVMSG per line of the text, each cut so the whole line fits 512 bytes with CR LF: what a
 * JSON client sent in one message with newlines, or longer than IRC allows, reaches IRC readers whole.
 */
function privmsgLines(source: string, target: string, text: string, action: boolean, tags: Record<string, string> | undefined, msgid?: string): string[] {
  const tagged = tags !== undefined && Object.keys(tags).length > 0 ? tags : undefined;
  const head = serializeIrc({ source, command: 'PRIVMSG', params: [target, 'x'] }).length - 1;
  // ":" before the text, and the CTCP wrapping of an action.
  const room = IRC_MAX_BODY_BYTES - head - 1 - (action ? 9 : 0);
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    for (const piece of splitUtf8(line, room)) {
      const body = action ? `${CTCP}ACTION ${piece}${CTCP}` : piece;
      // Each line of a message split in several has its own msgid: the first the message's, then .1, .2, …
      const id = msgid === undefined ? undefined : lines.length === 0 ? msgid : `${msgid}.${lines.length}`;
      const lineTags = id === undefined ? tagged : { ...tagged, msgid: id };
      lines.push(serializeIrc({ source, command: 'PRIVMSG', params: [target, body], ...(lineTags && { tags: lineTags }) }));
    }
  }
  return lines;
}

function timeTag(reader: IrcReader, ts: number): Record<string, string> | undefined {
  return reader.serverTime ? { time: new Date(ts).toISOString() } : undefined;
}

/**
 * Stored messages, each with its time when the reader asked for server-time, and all in one
 * `chathistory` batch when it asked for batch, so the client can tell a replay from live talk.
 */
function historyLines(room: string, messages: readonly MessageEvent[], reader: IrcReader): string[] {
  // An empty page is an empty batch: a CHATHISTORY asker waits for its end.
  if (messages.length === 0 && !reader.batch) return [];
  const batch = reader.batch ? `history-${room}-${messages[0]?.seq ?? 0}` : undefined;
  const lines = messages.flatMap((m) =>
    privmsgLines(
      userMask(m.from, m.fromId),
      channelOf(m.room),
      m.text,
      m.action === true,
      { ...timeTag(reader, m.ts), ...(batch !== undefined && { batch }) },
      reader.messageTags ? msgidOf(m.room, m.seq) : undefined,
    ),
  );
  if (batch === undefined) return lines;
  return [line({ command: 'BATCH', params: [`+${batch}`, 'chathistory', channelOf(room)] }), ...lines, line({ command: 'BATCH', params: [`-${batch}`] })];
}

function numeric(server: string, reader: IrcReader, code: string, ...params: string[]): string {
  return serializeIrc({ source: server, command: code, params: [reader.target, ...params] });
}

function notice(server: string, reader: IrcReader, text: string): string {
  return serializeIrc({ source: server, command: 'NOTICE', params: [reader.target, text] });
}

function line(message: IrcMessage): string {
  return serializeIrc(message);
}

/** The lines of one event for one reader, joined by CR LF; '' for an event IRC has no words for. */
export function formatIrc(server: string, event: ServerEvent, reader: IrcReader): string {
  switch (event.type) {
    case 'message': {
      if (event.fromId === reader.id && !reader.echoMessage && event.history !== true) return '';
      const msgid = reader.messageTags ? msgidOf(event.room, event.seq) : undefined;
      return privmsgLines(userMask(event.from, event.fromId), channelOf(event.room), event.text, event.action === true, timeTag(reader, event.ts), msgid).join('\r\n');
    }
    case 'history':
      return historyLines(event.room, event.messages, reader).join('\r\n');
    case 'whisper': {
      const own = event.fromId === reader.id;
      if (own && event.toId !== reader.id && !reader.echoMessage) return '';
      return privmsgLines(userMask(event.from, event.fromId), event.to, event.text, event.action === true, timeTag(reader, event.ts)).join('\r\n');
    }
    case 'joined':
      return line({ source: userMask(event.nick, event.id), command: 'JOIN', params: [channelOf(event.room)] });
    case 'left':
      if (event.reason === 'kicked' && event.by !== undefined) {
        return line({ source: nickMask(event.by), command: 'KICK', params: [channelOf(event.room), event.nick, event.message ?? event.by] });
      }
      return line({ source: userMask(event.nick, event.id), command: 'PART', params: [channelOf(event.room)] });
    case 'kicked':
      return line({ source: nickMask(event.by), command: 'KICK', params: [channelOf(event.room), event.nick, event.reason ?? event.by] });
    case 'topic':
      return line({ source: event.topic ? nickMask(event.topic.by) : server, command: 'TOPIC', params: [channelOf(event.room), event.topic?.text ?? ''] });
    case 'role':
      return line({ source: nickMask(event.by), command: 'MODE', params: [channelOf(event.room), ROLE_MODES[event.role], event.nick, event.nick] });
    case 'ban':
      return line({ source: nickMask(event.ban.by), command: 'MODE', params: [channelOf(event.room), event.lifted ? '-b' : '+b', banMask(event.ban)] });
    case 'invited':
      if (event.id === reader.id) return line({ source: nickMask(event.by), command: 'INVITE', params: [event.nick, channelOf(event.room)] });
      return numeric(server, reader, RPL.INVITING, event.nick, channelOf(event.room));
    case 'presence': {
      const channel = channelOf(event.room);
      return [
        ...event.joined.map((m) => line({ source: userMask(m.nick, m.id), command: 'JOIN', params: [channel] })),
        ...event.left.map((m) =>
          m.reason === 'left'
            ? line({ source: userMask(m.nick, m.id), command: 'PART', params: [channel] })
            : line({ source: userMask(m.nick, m.id), command: 'QUIT', params: [QUIT_REASONS[m.reason]] }),
        ),
      ].join('\r\n');
    }
    case 'nick':
      // Until it has registered, a client has no nick to be told it changed.
      if (event.id === reader.id && !reader.registered) return '';
      return line({ source: userMask(event.old, event.id), command: 'NICK', params: [event.nick] });
    case 'error':
      if (event.code === 'line_too_long') return numeric(server, reader, ERR.INPUTTOOLONG, 'Input line was too long');
      return notice(server, reader, `${event.code}: ${event.message}`);
    case 'bye':
      return line({ command: 'ERROR', params: [`Closing link: ${event.message}`] });
    default:
      // welcome, who, rooms, pong, help, resumed, bans, modes: the IRC door answers its own
      // commands in numerics (a change of modes is written by the door, which knows what changed).
      return '';
  }
}
