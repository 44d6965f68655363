/**
 * @module Every frame a client sends (JSON mode), declared once: its fields, which are optional,
 * their kinds and what they mean. The server validates against these, the clients build them, and
 * docs/protocol.schema.json is written from them. Unknown extra fields are allowed (and ignored).
 */
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { count, ref, text } from './fields.js';

function frame<T extends string, P extends TProperties>(type: T, properties: P, description: string) {
  return Type.Object({ type: Type.Literal(type), ...properties, ref }, { description });
}

const room = (description: string) => text(`${description} A leading # is accepted; names are case-folded.`);
const currentRoomDefault = 'Optional: your current room (the last one you joined).';

export const CLIENT_FRAMES = {
  nick: frame('nick', { nick: text('The nick you want: 1–32 letters of any script, digits, _ or -.') }, 'Change your nick. Answered by `nick`, to you and to everyone sharing a room with you.'),
  join: frame('join', { room: room('The room to join (it is created if needed).') }, 'Join a room and make it your current room. Answered by `joined`; joining a room you are in just makes it current.'),
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
