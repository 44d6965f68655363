/**
 * @module Every frame the server sends (JSON mode), declared once. The server's event types are
 * these schemas' static types; the clients recognise frames with them (leniently: see
 * src/protocol/schema/recognise.ts); docs/protocol.schema.json is written from them.
 */
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { Ban, ByeCode, count, ErrorCodeSchema, flag, LeftMember, LeftReason, Member, ref, Role, RoomMember, text, Topic } from './fields.js';

/**
 * The version of this protocol, sent in every welcome. Additive changes (a new frame, a new
 * optional field, a new error code or leave reason) keep it; anything a client of this version
 * could misread bumps it.
 */
export const PROTOCOL_VERSION = 1;

function frame<T extends string, P extends TProperties>(type: T, properties: P, description: string) {
  return Type.Object({ type: Type.Literal(type), ...properties }, { description });
}

const answerRef = ref;
const room = text('The room (canonical: lower case, without #).');
const ts = count("The server's clock when it happened, in milliseconds since 1970.");

/** A room message as the room log stores it: everything but how it travels. */
export const RoomMessage = Type.Object({
  room,
  seq: count("The room's sequence number: 1, 2, 3… with no gaps, one authority per room."),
  from: text('The nick of the sender when it was said.'),
  fromId: count('The connection id of the sender.'),
  text: text('The message, cleaned of control characters (tab and newline kept).'),
  ts,
  action: flag('An action (`/me waves`) rather than a plain line.'),
});
export type RoomMessage = Static<typeof RoomMessage>;

const MessageFrame = frame(
  'message',
  {
    ...RoomMessage.properties,
    ref: answerRef,
    history: flag('Sent from storage (on join, resume or in a history page) rather than live.'),
  },
  'A room message, to every member in seq order, the sender too (with its ref: the acknowledgement).',
);

const limits = Type.Object(
  {
    maxTextBytes: count('Longest message text, in UTF-8 bytes (`--max-text-bytes`).'),
    maxLineBytes: count('Longest frame or line the server reads, in bytes (`--max-line-bytes`).'),
    maxRoomsPerConn: count('Most rooms one connection may be in (`--max-rooms`).'),
  },
  { description: 'Limits a client may want to respect up front.' },
);

export const SERVER_FRAMES = {
  welcome: frame(
    'welcome',
    {
      protocol: Type.Integer({ minimum: 1, description: `The protocol version the server speaks (${PROTOCOL_VERSION} here); see docs/protocol.md on versions.` }),
      id: count('Your connection id.'),
      nick: text('Your nick (at first `guest-<id>`).'),
      rooms: Type.Array(room, { description: 'The rooms you are in (at first lobby).' }),
      server: text('The server name (`--server-name`).'),
      version: Type.Optional(text('The server software\'s version (as `hubbub --version` prints it), for operators and bug reports; never needed to speak the protocol.')),
      epoch: text('Names the server\'s history store: seqs seen under another epoch mean nothing here.'),
      limits,
    },
    'The first frame on a JSON connection (and the answer to `/json` in text mode).',
  ),
  message: MessageFrame,
  whisper: frame(
    'whisper',
    {
      from: text('The sender\'s nick.'),
      fromId: count('The sender\'s connection id.'),
      to: text('The recipient\'s nick.'),
      toId: count('The recipient\'s connection id.'),
      text: text('The message, cleaned as in a room message.'),
      ts,
      action: flag('An action rather than a plain line.'),
      ref: answerRef,
    },
    'A private message, to its recipient and a copy to its sender.',
  ),
  joined: frame(
    'joined',
    {
      room,
      nick: text('Your nick.'),
      id: count('Your connection id.'),
      topic: Type.Optional(Topic),
      role: Type.Optional(Role),
      ref: answerRef,
    },
    'You joined a room (the answer to your join or resume). Others\' joins come in `presence`.',
  ),
  left: frame(
    'left',
    {
      room,
      nick: text('Your nick.'),
      id: count('Your connection id.'),
      reason: LeftReason,
      by: Type.Optional(text('With reason `kicked`: the operator who put you out.')),
      message: Type.Optional(text('With reason `kicked`: the reason they gave; without `by`, the ban that named you as you signed in.')),
      ref: answerRef,
    },
    'You left a room (the answer to your part), or an operator put you out of it (reason `kicked`). Others\' leaves come in `presence`.',
  ),
  presence: frame(
    'presence',
    {
      room,
      joined: Type.Array(Member, { description: 'Who joined, in the order they came.' }),
      left: Type.Array(LeftMember, { description: 'Who left, in the order they went, and why.' }),
    },
    'Others\' joins and leaves in a room, gathered over `--presence-batch-ms`; not sent in rooms of `--presence-max-members` or more.',
  ),
  nick: frame(
    'nick',
    { id: count('The connection that changed nick.'), old: text('Its nick before.'), nick: text('Its nick now.'), ref: answerRef },
    'A nick changed: to its owner and to everyone sharing a room with it.',
  ),
  who: frame(
    'who',
    { room, members: Type.Array(RoomMember, { description: 'Everyone in the room.' }), topic: Type.Optional(Topic), ref: answerRef },
    'The members of a room and its topic (the answer to `who`).',
  ),
  rooms: frame(
    'rooms',
    {
      rooms: Type.Array(
        Type.Object(
          { room, members: count('How many connections are in it.'), topic: Type.Optional(text('Its topic, when it has one.')) },
          { description: 'A room, its size and its topic.' },
        ),
        { description: 'Every room that has members, sorted by name.' },
      ),
      ref: answerRef,
    },
    'The rooms (the answer to `rooms`).',
  ),
  history: frame(
    'history',
    {
      room,
      messages: Type.Array(MessageFrame, { description: 'Message frames ascending by seq, each as it was sent live, with `history: true`.' }),
      more: Type.Boolean({ description: 'Paging backwards: older messages exist; forwards: newer ones exist.' }),
      ref: answerRef,
    },
    'A page of a room\'s stored messages (the answer to `history`).',
  ),
  resumed: frame(
    'resumed',
    {
      room,
      complete: Type.Boolean({ description: 'true: you have every message; false: retention dropped some you missed, or `reset`.' }),
      firstSeq: Type.Optional(count('With complete false: the oldest seq still kept, where the replay started.')),
      more: flag('The replay stopped at the server\'s cap: page on with `history` `after` your last seq until `more` is false.'),
      reset: flag('Your seqs belong to another history (another epoch, or a seq the room never reached): forget them; the room\'s recent messages were sent as on a join.'),
      ref: answerRef,
    },
    'The end of one room\'s replay after `resume`.',
  ),
  topic: frame(
    'topic',
    { room, topic: Type.Optional(Topic), ref: answerRef },
    'A room\'s topic (absent: it has none): the answer to `topic`, and to the whole room when it changes.',
  ),
  modes: frame(
    'modes',
    {
      room,
      topicLocked: Type.Boolean({ description: 'Only operators set the topic.' }),
      moderated: Type.Boolean({ description: 'Only operators and voiced members speak.' }),
      inviteOnly: Type.Boolean({ description: 'Joining takes an invitation.' }),
      keyed: Type.Boolean({ description: 'Joining takes the key (never shown).' }),
      memberLimit: count('Most members admitted; 0: no limit.'),
      slowSeconds: count('One message per this many seconds per member; 0: off.'),
      by: Type.Optional(text('Who changed them, when this tells a change.')),
      ref: answerRef,
    },
    'A room\'s modes: the answer to `modes`, and to the whole room when an operator changes one.',
  ),
  role: frame(
    'role',
    { room, id: count('The member\'s connection id.'), nick: text('The member\'s nick.'), role: Role, by: text('The operator who changed it.'), ref: answerRef },
    'A member\'s role changed (`op`, `deop`, `voice`, `devoice`), to the whole room.',
  ),
  kicked: frame(
    'kicked',
    {
      room,
      id: count('The connection put out.'),
      nick: text('Its nick.'),
      by: text('The operator who did it.'),
      reason: Type.Optional(text('The reason they gave.')),
      ref: answerRef,
    },
    'A member was put out of a room (a kick, or a ban of a member), to those who remain; the member gets `left` with reason `kicked`.',
  ),
  ban: frame(
    'ban',
    { room, ban: Ban, lifted: flag('The ban was lifted (`unban`) rather than set.'), ref: answerRef },
    'A ban was set or lifted, to the whole room.',
  ),
  bans: frame('bans', { room, bans: Type.Array(Ban, { description: 'The bans in force, oldest first.' }), ref: answerRef }, 'A room\'s bans (the answer to `bans`).'),
  invited: frame(
    'invited',
    {
      room,
      id: count('The invited connection.'),
      nick: text('Its nick.'),
      by: text('The operator who invited.'),
      ref: answerRef,
    },
    'An invitation into a room, to the invited and to the operator who sent it.',
  ),
  authed: frame(
    'authed',
    {
      nick: text('Your nick now: the token\'s subject, or your guest nick after the password.'),
      subject: Type.Optional(text('The token\'s subject (absent after the password).')),
      rooms: Type.Optional(Type.Array(room, { description: 'The only rooms the token lets you join (absent: any).' })),
      expiresAt: Type.Optional(count('When the token expires, in milliseconds since 1970; you are told `token_expired` ahead of it.')),
      ref: answerRef,
    },
    'You are signed in (the answer to `auth`).',
  ),
  pong: frame('pong', { ref: answerRef }, 'The answer to `ping`.'),
  help: frame(
    'help',
    {
      commands: Type.Array(
        Type.Object(
          {
            command: text('The command (its JSON type and text-mode verb).'),
            syntax: text('How it is typed in text mode.'),
            help: text('What it does.'),
          },
          { description: 'One command.' },
        ),
        { description: 'The commands of your mode, or the one you asked about.' },
      ),
      ref: answerRef,
    },
    'The answer to `help`.',
  ),
  error: frame(
    'error',
    { code: ErrorCodeSchema, message: text('What went wrong, for a person; may change between versions.'), ref: answerRef },
    'A command was refused; the connection stays. Carries the ref of the frame it answers, when that could be read.',
  ),
  bye: frame(
    'bye',
    { code: ByeCode, message: text('Why, for a person.') },
    'The last frame before the server closes the connection.',
  ),
} satisfies Record<string, TObject>;

export type ServerFrameType = keyof typeof SERVER_FRAMES;

/** One frame the server sends, by its type. */
export type ServerFrameOf<T extends ServerFrameType> = Static<(typeof SERVER_FRAMES)[T]>;

export type ServerFrame = { [T in ServerFrameType]: ServerFrameOf<T> }[ServerFrameType];

export type MessageFrame = ServerFrameOf<'message'>;
export type HelpEntry = ServerFrameOf<'help'>['commands'][number];
export type WelcomeLimits = Static<typeof limits>;
