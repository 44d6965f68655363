/** @module The shape of one row of the command table, shared by both codecs and the dispatcher. */
import type { Ref } from '../events.js';
import type { Hub } from '../hub.js';
import type { Session } from '../session.js';

/** Every argument any command takes, by its JSON field name. Codecs check kinds; handlers check meaning. */
export interface Params {
  nick?: string;
  room?: string;
  to?: string;
  text?: string;
  reason?: string;
  command?: string;
  action?: boolean;
  before?: number;
  after?: number;
  limit?: number;
  /** resume: room → the last seq the client saw there. */
  rooms?: Record<string, number>;
  epoch?: string;
}

export type FieldName = keyof Params;
/** `integer`: a whole number ≥ 0. `seqmap`: an object of room → integer. */
export type FieldKind = 'string' | 'boolean' | 'integer' | 'seqmap';

export const FIELD_KINDS: Readonly<Record<FieldName, FieldKind>> = {
  nick: 'string',
  room: 'string',
  to: 'string',
  text: 'string',
  reason: 'string',
  command: 'string',
  action: 'boolean',
  before: 'integer',
  after: 'integer',
  limit: 'integer',
  rooms: 'seqmap',
  epoch: 'string',
};

export interface FieldSpec {
  readonly field: FieldName;
  readonly optional?: boolean;
  /** Text mode: this argument takes the rest of the line, spaces included (only the last one). */
  readonly rest?: boolean;
  /** Not a text-mode argument; JSON only. */
  readonly jsonOnly?: boolean;
  /** A text-mode argument only (JSON says the same thing another way). */
  readonly textOnly?: boolean;
}

export interface CommandContext {
  readonly hub: Hub;
  readonly session: Session;
  readonly ref?: Ref;
}

export interface CommandSpec {
  /** JSON `type` and text-mode verb. */
  readonly name: string;
  /** Extra text-mode verbs. */
  readonly aliases?: readonly string[];
  /** Which codecs accept it. */
  readonly modes: 'both' | 'text' | 'json';
  /** Arguments: in order for text mode; as named fields for JSON. */
  readonly fields: readonly FieldSpec[];
  readonly syntax: string;
  readonly help: string;
  /** Costs a flood-control token (everything but quit does). */
  readonly free?: boolean;
  run(ctx: CommandContext, params: Params): void;
}
