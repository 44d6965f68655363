/**
 * @module Every frame a client sends (JSON mode), declared once: its fields, which are optional,
 * their kinds and what they mean. The server validates against these, the clients build them, and
 * docs/protocol.schema.json is written from them. Unknown extra fields are allowed (and ignored).
 */
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { BAN_MAX_SECONDS, ROOM_KEY_MAX_CHARS, ROOM_TEXT_MAX_CHARS, SLOW_MAX_SECONDS } from '../../core/limits.js';
import { count, ref, text } from './fields.js';

function frame<T extends string, P extends TProperties>(type: T, properties: P, description: string) {
  return Type.Object({ type: Type.Literal(type), ...properties, ref }, { description });
}

const room = (description: string) => text(`${description} A leading # is accepted; names are case-folded.`);
const currentRoomDefault = 'Optional: your current room (the last one you joined).';
const operatorRoom = Type.Optional(room(`The room; you must be one of its operators. ${currentRoomDefault}`));
const target = text('A member: their nick, or `#` and their connection id (`#42`).');
const reason = (what: string) => Type.Optional(text(`Why ${what}: at most ${ROOM_TEXT_MAX_CHARS} characters.`));
const onOff = (what: string) => Type.Boolean({ description: `true switches ${what} on, false off.` });

/** An operator's command about one member of a room. */
function toMember<T extends string>(type: T, description: string) {
  return frame(type, { target, room: operatorRoom }, description);
}

export const CLIENT_FRAMES = {
  nick: frame('nick', { nick: text('The nick you want: 1–32 letters of any script, digits, _ or -.') }, 'Change your nick. Answered by `nick`, to you and to everyone sharing a room with you.'),
  join: frame(
    'join',
    {
      room: room('The room to join (it is created if needed).'),
      key: Type.Optional(text('The room\'s key, when it has one (see `key`).')),
    },
    'Join a room and make it your current room. Answered by `joined`; joining a room you are in just makes it current. A room\'s rules may refuse you: `banned`, `invite_only`, `bad_key`, `room_full`.',
  ),
  part: frame('part', { room: Type.Optional(room(`The room to leave. ${currentRoomDefault}`)) }, 'Leave a room. Answered by `left` with reason `left`.'),
  say: frame(
    'say',
    {
      room: room('The room to say it in; you must be in it.'),
      text: text('The message: at most 4 KiB of UTF-8 (`--max-text-bytes`) once control characters are removed; never empty.'),
      action: Type.Optional(Type.Boolean({ description: 'true for an action (`/me waves`).' })),
    },
    'Say something in a room. Answered by the `message` itself, to the room, you included: its seq is your acknowledgement.',
  ),
  whisper: frame(
    'whisper',
    {
      to: text('The nick to whisper to.'),
      text: text('The message, as for `say`.'),
      action: Type.Optional(Type.Boolean({ description: 'true for an action.' })),
    },
    'A private message to one connection. Answered by `whisper`, to them and a copy to you.',
  ),
  who: frame('who', { room: Type.Optional(room(`The room whose members to list. ${currentRoomDefault}`)) }, 'List the members of a room. Answered by `who`.'),
  rooms: frame('rooms', {}, 'List the rooms that have members, sorted by name. Answered by `rooms`.'),
  history: frame(
    'history',
    {
      limit: Type.Optional(count('At most this many messages (default 50, at most `--history-page-max`, 200).')),
      room: Type.Optional(room(`The room whose history to read. ${currentRoomDefault}`)),
      before: Type.Optional(count('Page backwards: messages with a seq below this one.')),
      after: Type.Optional(count('Page forwards: messages with a seq above this one. Give `before` or `after`, not both; neither gives the latest.')),
    },
    'Read a page of a room\'s stored messages. Answered by `history`.',
  ),
  resume: frame(
    'resume',
    {
      rooms: Type.Record(Type.String(), count('The last seq you saw in that room.'), {
        description: 'Room name → the last seq you saw there; you are joined to each room if needed.',
      }),
      epoch: Type.Optional(text('The `epoch` of the welcome you saw those seqs under; another epoch means other seqs.')),
    },
    'Catch up after a reconnect: replays every message after your seqs, then answers `resumed` per room.',
  ),
  topic: frame(
    'topic',
    {
      room: Type.Optional(room(`The room. ${currentRoomDefault}`)),
      topic: Type.Optional(text(`The new topic, at most ${ROOM_TEXT_MAX_CHARS} characters; "" clears it; absent: just show it.`)),
    },
    'Show or set a room\'s topic. Setting it takes an operator while the room is topic-locked (the default). Answered by `topic`, to the whole room when it changed.',
  ),
  op: toMember('op', 'Make a member an operator of the room. Answered by `role`, to the whole room.'),
  deop: toMember('deop', 'Take operator rights from a member. Answered by `role`, to the whole room.'),
  voice: toMember('voice', 'Let a member speak while the room is moderated. Answered by `role`, to the whole room.'),
  devoice: toMember('devoice', 'Take a member\'s voice. Answered by `role`, to the whole room.'),
  kick: frame(
    'kick',
    { target, reason: reason('they were kicked'), room: operatorRoom },
    'Put a member out of the room (they may join again). They get `left` with reason `kicked`; the room gets `kicked`.',
  ),
  ban: frame(
    'ban',
    {
      target: text('Their nick, `#` and a connection id, or a nick nobody holds now.'),
      duration: Type.Optional(count(`For how many seconds (at most ${BAN_MAX_SECONDS}); absent or 0: for good.`)),
      reason: reason('they were banned'),
      room: operatorRoom,
    },
    'Ban from the room: the banned cannot join, and a banned member is put out as by a kick. Answered by `ban`, to the whole room.',
  ),
  unban: frame(
    'unban',
    { target: text('The nick, or `#` and the connection id, as the ban names it.'), room: operatorRoom },
    'Lift a ban. Answered by `ban` with `lifted`, to the whole room.',
  ),
  bans: frame('bans', { room: Type.Optional(room(`The room. ${currentRoomDefault}`)) }, 'List a room\'s bans. Answered by `bans`.'),
  invite: frame(
    'invite',
    { target: text('Their nick, or `#` and their connection id.'), room: operatorRoom },
    'Invite someone into an invite-only room (the invitation lasts while the room has members). Answered by `invited`, to you and to them.',
  ),
  modes: frame('modes', { room: Type.Optional(room(`The room. ${currentRoomDefault}`)) }, 'Show a room\'s modes. Answered by `modes`.'),
  slow: frame(
    'slow',
    { seconds: count(`One message per this many seconds per member (at most ${SLOW_MAX_SECONDS}); 0 switches slow mode off. Operators are exempt.`), room: operatorRoom },
    'Set slow mode. Answered by `modes`, to the whole room.',
  ),
  moderated: frame('moderated', { on: onOff('moderation (only operators and voiced members speak)'), room: operatorRoom }, 'Set moderation. Answered by `modes`, to the whole room.'),
  inviteonly: frame('inviteonly', { on: onOff('invite-only (joining takes an `invite`)'), room: operatorRoom }, 'Set invite-only. Answered by `modes`, to the whole room.'),
  topiclock: frame('topiclock', { on: onOff('the topic lock (only operators set the topic)'), room: operatorRoom }, 'Set the topic lock (on in a new room). Answered by `modes`, to the whole room.'),
  key: frame(
    'key',
    { key: Type.Optional(text(`The key joining takes: 1–${ROOM_KEY_MAX_CHARS} characters, no spaces; absent or "": no key.`)), room: operatorRoom },
    'Set or remove the room\'s key. Answered by `modes` (which never shows the key), to the whole room.',
  ),
  limit: frame(
    'limit',
    { max: count('Most members the room admits; 0: no limit. Members already in stay.'), room: operatorRoom },
    'Set the member limit. Answered by `modes`, to the whole room.',
  ),
  auth: frame(
    'auth',
    {
      token: Type.Optional(text('A signed JWT (docs/security.md): its subject becomes your nick; its claims say which rooms you may join and operate, and when it expires.')),
      password: Type.Optional(text('The server\'s shared password (`--password`), which admits you as a guest.')),
    },
    'Sign in, with a token or the password (one of them). Answered by `authed`; send a fresh token before the old one expires.',
  ),
  ping: frame('ping', {}, 'A round-trip check. Answered by `pong`.'),
  help: frame('help', { command: Type.Optional(text('One command to explain (with or without its /).')) }, 'List the commands, or explain one. Answered by `help`.'),
  quit: frame('quit', { reason: Type.Optional(text('Why you leave; your `bye` repeats it.')) }, 'Leave the server. Answered by `bye` with code `quit`, then the connection closes.'),
} satisfies Record<string, TObject>;

export type ClientFrameType = keyof typeof CLIENT_FRAMES;

/** One frame a client sends, by its type. */
export type ClientFrameOf<T extends ClientFrameType> = Static<(typeof CLIENT_FRAMES)[T]>;

export type ClientFrame = { [T in ClientFrameType]: ClientFrameOf<T> }[ClientFrameType];
