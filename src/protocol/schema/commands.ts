/**
 * @module The declarative half of the command table, declared once: each command's verb, aliases,
 * modes, text-mode arguments (in order; which one takes the rest of the line), syntax, help and
 * whether it costs a flood token. The server pairs each row with its handler
 * (src/core/commands/); the clients turn `/join dev` into a frame with the very same rows. A text
 * argument's kind and whether it is optional come from the JSON frame's schema, never from here.
 */
import type { TObject } from '@sinclair/typebox';
import { CLIENT_FRAMES, type ClientFrame } from './client-frames.js';

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Every field any command takes, by its JSON name: codecs check kinds, handlers check meaning. */
export type CommandParams = Partial<UnionToIntersection<ClientFrame extends infer F ? (F extends unknown ? Omit<F, 'type' | 'ref'> : never) : never>>;
export type FieldName = keyof CommandParams;

interface RowSource {
  /** Extra text-mode verbs. */
  readonly aliases?: readonly string[];
  /** Which codecs accept it: text-mode only commands are unknown in JSON. */
  readonly modes: 'both' | 'text' | 'json';
  /** Text-mode arguments, in order, by JSON field name. */
  readonly args: readonly FieldName[];
  /** The last argument takes the rest of the line, spaces included. */
  readonly restOfLine?: true;
  readonly syntax: string;
  readonly help: string;
  /** Costs no flood-control token (everything but quit does). */
  readonly free?: true;
}

export interface CommandArg {
  readonly field: FieldName;
  /** Optional exactly when the command's JSON frame has the field optional. */
  readonly optional: boolean;
  /** A whole number ≥ 0 in the JSON frame: text mode reads digits. */
  readonly integer: boolean;
}

export interface CommandRow {
  /** JSON `type` and text-mode verb. */
  readonly name: string;
  readonly aliases: readonly string[];
  readonly modes: 'both' | 'text' | 'json';
  readonly args: readonly CommandArg[];
  readonly restOfLine: boolean;
  readonly syntax: string;
  readonly help: string;
  readonly free: boolean;
}

const ROWS = {
  nick: { modes: 'both', args: ['nick'], syntax: '/nick <name>', help: 'Change your nick (1-32 letters, digits, _ or -; unique regardless of case).' },
  join: { modes: 'both', args: ['room'], syntax: '/join <room>', help: 'Join a room (creating it) and make it your current room.' },
  part: { aliases: ['leave'], modes: 'both', args: ['room'], syntax: '/part [room]', help: 'Leave a room (your current room when none is named).' },
  say: {
    modes: 'both',
    args: ['room', 'text'],
    restOfLine: true,
    syntax: '/say <room> <text>',
    help: 'Say something in a room you are in (a line not starting with / goes to your current room).',
  },
  me: { modes: 'text', args: ['text'], restOfLine: true, syntax: '/me <action>', help: 'Describe an action in your current room ("* alice waves").' },
  whisper: {
    aliases: ['msg', 'w', 'tell'],
    modes: 'both',
    args: ['to', 'text'],
    restOfLine: true,
    syntax: '/whisper <nick> <text>',
    help: 'Send a private message to one user (also /msg, /w); you receive a copy.',
  },
  who: { aliases: ['names'], modes: 'both', args: ['room'], syntax: '/who [room]', help: 'List the members of a room (your current room when none is named).' },
  rooms: { aliases: ['list'], modes: 'both', args: [], syntax: '/rooms', help: 'List every room that has members, with member counts.' },
  history: {
    modes: 'both',
    args: ['limit'],
    syntax: '/history [count]',
    help: 'Show the latest messages of your current room (JSON: page with "before" or "after" a seq).',
  },
  resume: {
    modes: 'both',
    args: ['room', 'after'],
    syntax: '/resume <room> <seq>',
    help: 'Catch up on a room from the last seq you saw (joins it if needed); the server says if anything is gone.',
  },
  ping: { modes: 'both', args: [], syntax: '/ping', help: 'Ask the server for a pong (a round-trip check).' },
  help: { modes: 'both', args: ['command'], syntax: '/help [command]', help: 'List the commands, or explain one.' },
  quit: { aliases: ['exit', 'bye'], modes: 'both', args: ['reason'], restOfLine: true, syntax: '/quit [reason]', help: 'Leave the server.', free: true },
  json: {
    modes: 'text',
    args: [],
    syntax: '/json',
    help: 'Switch this connection to JSON mode: one JSON frame per line both ways (see docs/protocol.md).',
  },
} as const satisfies Record<string, RowSource>;

export type CommandName = keyof typeof ROWS;

/** Each field's schema, from the first client frame that has it (a test holds them to one kind). */
const FIELD_SCHEMAS: ReadonlyMap<string, { readonly type?: unknown }> = new Map(
  Object.values(CLIENT_FRAMES)
    .flatMap((frame) => Object.entries(frame.properties))
    .reverse(),
);

function argOf(command: string, field: FieldName): CommandArg {
  const frame: TObject | undefined = (CLIENT_FRAMES as Record<string, TObject>)[command];
  // A text argument its command's frame does not have (resume's room and seq) is required.
  const optional = frame !== undefined && field in frame.properties && !(frame.required ?? []).includes(field);
  return { field, optional, integer: FIELD_SCHEMAS.get(field)?.type === 'integer' };
}

function rowOf(name: string, source: RowSource): CommandRow {
  return {
    name,
    aliases: source.aliases ?? [],
    modes: source.modes,
    args: source.args.map((field) => argOf(name, field)),
    restOfLine: source.restOfLine === true,
    syntax: source.syntax,
    help: source.help,
    free: source.free === true,
  };
}

export const COMMAND_ROWS = Object.fromEntries(Object.entries(ROWS).map(([name, source]) => [name, rowOf(name, source)])) as {
  readonly [N in CommandName]: CommandRow;
};
