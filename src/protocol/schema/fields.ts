/**
 * @module The building blocks the frames of both directions share: the kinds of field (a count, a
 * seq, a name, a correlation token) and the small objects that appear inside frames.
 */
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { ERRORS, type ErrorCode } from '../../core/errors.js';
import { REF_MAX_CHARS } from '../../core/limits.js';

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
    Type.Literal('kicked', { description: 'a limit or a protocol error closed the connection' }),
    Type.Literal('shutdown', { description: 'the server stopped' }),
  ],
  { description: 'Why a member is no longer in a room.' },
);
export type LeftReason = Static<typeof LeftReason>;

export const LeftMember = Type.Object(
  { ...Member.properties, reason: LeftReason },
  { description: 'A connection that left a room, and why.' },
);
export type LeftMember = Static<typeof LeftMember>;

/** A closed set of strings, one literal each (a client treats it as open: a server may add values). */
function oneOf<C extends string>(values: readonly C[], description: string): TUnion<TLiteral<C>[]> {
  return Type.Union(
    values.map((value) => Type.Literal(value)),
    { description },
  );
}

const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

export const ErrorCodeSchema = oneOf(ERROR_CODES, 'An error code from the registry (docs/errors.md): stable, for programs to switch on.');

export const ByeCode = oneOf(
  ['quit' as const, ...ERROR_CODES],
  'Why the server closes the connection: `quit` answers your own quit, anything else is an error code (docs/errors.md).',
);
