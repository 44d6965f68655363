/**
 * @module The shape of a row of the command table (src/protocol/schema/commands.ts) and how a row
 * is made from its declaration: a text argument's kind, and whether it is optional, come from the
 * command's JSON frame schema, never from the row.
 */
import type { TObject } from '@sinclair/typebox';
import { CLIENT_FRAMES, type ClientFrame } from './client-frames.js';

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Every field any command takes, by its JSON name: codecs check kinds, handlers check meaning. */
export type CommandParams = Partial<UnionToIntersection<ClientFrame extends infer F ? (F extends unknown ? Omit<F, 'type' | 'ref'> : never) : never>>;
export type FieldName = keyof CommandParams;

export interface SlashSource {
  /** Extra text-mode verbs. */
  readonly aliases?: readonly string[];
  /** Text-mode arguments, in order, by JSON field name. */
  readonly args: readonly FieldName[];
  /** The last argument takes the rest of the line, spaces included. */
  readonly restOfLine?: true;
  readonly syntax: string;
  readonly help: string;
}

export interface RowSource extends SlashSource {
  /** Only one codec accepts it (absent: both); text-mode only commands are unknown in JSON. */
  readonly modes?: 'text' | 'json';
  /** Costs no flood-control token (everything but quit does). */
  readonly free?: true;
  /** Allowed before signing in, where the server requires it (`--guests off`, `--password`). */
  readonly beforeAuth?: true;
}

/** A flag is stored only when set: the page bundles the rows it offers, and every byte counts there. */
export interface CommandArg {
  readonly field: FieldName;
  /** Optional exactly when the command's JSON frame has the field optional. */
  readonly optional?: true;
  /** A whole number ≥ 0 in the JSON frame: text mode reads digits. */
  readonly integer?: true;
  /** true or false in the JSON frame: text mode reads `on` or `off`. */
  readonly boolean?: true;
}

/** What a person types: a verb and its arguments, and how /help shows them. */
export interface SlashRow extends Omit<SlashSource, 'args'> {
  /** JSON `type` and text-mode verb. */
  readonly name: string;
  readonly args: readonly CommandArg[];
}

export type CommandRow = SlashRow & Omit<RowSource, 'args'>;

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
  const kind = FIELD_SCHEMAS.get(field)?.type;
  return { field, ...(optional && { optional: true }), ...(kind === 'integer' && { integer: true }), ...(kind === 'boolean' && { boolean: true }) };
}

export function slashRowOf(name: string, source: SlashSource): SlashRow {
  return { name, ...source, args: source.args.map((field) => argOf(name, field)) };
}

export function commandRow(name: string, source: RowSource): CommandRow {
  return { ...source, ...slashRowOf(name, source) };
}
