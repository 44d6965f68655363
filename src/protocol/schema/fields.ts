/**
 * @module The building blocks the frames of both directions share: the kinds of field (a count, a
 * seq, a name, a correlation token) and the small objects that appear inside frames.
 */
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { ERRORS, type ErrorCode } from '../../core/errors.js';
import { BAN_MAX_SECONDS, REF_MAX_CHARS, ROOM_TEXT_MAX_CHARS } from '../../core/limits.js';

/** A whole number ≥ 0 that JavaScript holds exactly: counts, seqs, ids, limits. */
export function count(description: string) {
  return Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
}

export function text(description: string) {
  return Type.String({ description });
}

/** A flag that is either present and true, or absent. */
export function flag(description: string) {
  return Type.Optional(Type.Literal(true, { description }));
}

export const Ref = Type.Union([Type.String({ maxLength: REF_MAX_CHARS }), Type.Number()], {
  description: `A correlation token the client chose (a string of at most ${REF_MAX_CHARS} characters, or a number), echoed on the answer to the frame that carried it.`,
});
export type Ref = Static<typeof Ref>;

/** Every frame may carry a ref; answers carry the ref of the frame they answer. */
export const ref = Type.Optional(Ref);

/** A closed set of strings, one literal each (a client treats it as open: a server may add values). */
function oneOf<C extends string>(values: readonly C[], description: string): TUnion<TLiteral<C>[]> {
  return Type.Union(
    values.map((value) => Type.Literal(value)),
    { description },
  );
}

export const Role = oneOf(
  ['operator' as const, 'voiced' as const, 'member' as const],
  'What a member may do in a room: an `operator` runs it (topic, kick, ban, modes); a `voiced` member speaks in a moderated room; a `member` is everyone else.',
);
export type Role = Static<typeof Role>;

export const Topic = Type.Object(
  {
    text: text(`The topic: at most ${ROOM_TEXT_MAX_CHARS} characters.`),
    by: text('The nick that set it.'),
    ts: count("The server's clock when it was set, in milliseconds since 1970."),
  },
  { description: "A room's topic." },
);
export type Topic = Static<typeof Topic>;

export const Ban = Type.Object(
  {
    nick: Type.Optional(text('The banned nick, folded (any connection holding it is banned).')),
    id: Type.Optional(count('The banned connection id.')),
    by: text('The operator who banned.'),
    at: count('When, in milliseconds since 1970.'),
    until: Type.Optional(count(`When it ends, in milliseconds since 1970; absent: for good. At most ${BAN_MAX_SECONDS} s after it was set.`)),
    reason: Type.Optional(text(`Why, at most ${ROOM_TEXT_MAX_CHARS} characters.`)),
  },
  { description: 'A ban from a room: by nick, by connection id, or both (banning a connected member names both).' },
);
export type Ban = Static<typeof Ban>;

export const Member = Type.Object(
  {
    id: count('The connection id: unique while the server runs, whatever the nick.'),
    nick: text('The nick the connection has now.'),
  },
  { description: 'A connection in a room.' },
);
export type Member = Static<typeof Member>;

export const LeftReason = Type.Union(
  [
    Type.Literal('left', { description: 'parted the room' }),
    Type.Literal('quit', { description: 'quit the server' }),
    Type.Literal('disconnected', { description: 'the connection dropped' }),
    Type.Literal('slow_reader', { description: 'stopped reading and was cut off' }),
    Type.Literal('kicked', { description: 'a room operator kicked (or banned) it, or a limit or a protocol error closed the connection' }),
    Type.Literal('shutdown', { description: 'the server stopped' }),
  ],
  { description: 'Why a member is no longer in a room.' },
);
export type LeftReason = Static<typeof LeftReason>;

export const RoomMember = Type.Object(
  { ...Member.properties, role: Type.Optional(Role) },
  { description: 'A connection in a room, with its role when it is more than a member.' },
);
export type RoomMember = Static<typeof RoomMember>;

export const LeftMember = Type.Object(
  { ...Member.properties, reason: LeftReason },
  { description: 'A connection that left a room, and why.' },
);
export type LeftMember = Static<typeof LeftMember>;


const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

export const ErrorCodeSchema = oneOf(ERROR_CODES, 'An error code from the registry (docs/errors.md): stable, for programs to switch on.');

export const ByeCode = oneOf(
  ['quit' as const, ...ERROR_CODES],
  'Why the server closes the connection: `quit` answers your own quit, anything else is an error code (docs/errors.md).',
);
