/**
 * @module JSON mode, inbound: one JSON object becomes a command, or an error with a stable code.
 * Frames are checked by validators compiled from the wire's schema (src/protocol/schema/), one per
 * frame type; when a frame fails, its fields are checked one by one to say which is wrong.
 */
import type { TObject, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { CommandSpec, Params } from '../../core/commands/command-spec.js';
import { commandForJsonType } from '../../core/commands/table.js';
import type { Decoded } from '../../core/conn.js';
import { echo, HubError } from '../../core/errors.js';
import { JSON_MAX_DEPTH, REF_MAX_CHARS } from '../../core/limits.js';
import { CLIENT_FRAMES } from '../schema/client-frames.js';
import { Ref } from '../schema/fields.js';
import { nestsDeeperThan } from './json-depth.js';

const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];

function hasForbiddenKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.includes(key)) return true;
    if (hasForbiddenKey((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** What a field of each kind must be, as a `bad_field` message says it. */
function expected(schema: TSchema, plural = false): string {
  switch (schema.type) {
    case 'string':
      return plural ? 'strings' : 'a string';
    case 'boolean':
      return 'true or false';
    case 'integer':
      return `${plural ? 'whole numbers' : 'a whole number'} from ${schema.minimum}`;
    case 'object': {
      // The one map a client sends: resume's room → seq.
      const [value] = Object.values(schema.patternProperties as Record<string, TSchema>);
      return `an object of room names to ${expected(value!, true)}`;
    }
    default:
      throw new Error(`no bad_field wording for a field of kind ${String(schema.type)}`);
  }
}

interface FieldCheck {
  readonly name: string;
  readonly required: boolean;
  readonly check: TypeCheck<TSchema>;
  readonly expected: string;
}

interface FrameCheck {
  readonly spec: CommandSpec;
  readonly frame: TypeCheck<TObject>;
  readonly fields: readonly FieldCheck[];
}

function frameCheck(type: string, schema: TObject): FrameCheck {
  const spec = commandForJsonType(type);
  if (!spec) throw new Error(`the schema has a "${type}" frame but the command table has no such JSON command`);
  const required = new Set(schema.required);
  const fields = Object.entries(schema.properties)
    .filter(([name]) => name !== 'type' && name !== 'ref')
    .map(([name, field]) => ({ name, required: required.has(name), check: TypeCompiler.Compile(field), expected: expected(field) }));
  return { spec, frame: TypeCompiler.Compile(schema), fields };
}

const FRAME_CHECKS = new Map<string, FrameCheck>(Object.entries(CLIENT_FRAMES).map(([type, schema]) => [type, frameCheck(type, schema)]));
const REF_CHECK = TypeCompiler.Compile(Ref);

/**
 * The fields of a frame that failed its schema, one by one: the first missing or mistyped field
 * is the error. A field set to null counts as absent.
 */
function checkFields(check: FrameCheck, frame: Record<string, unknown>): Params | HubError {
  const params: Record<string, unknown> = {};
  for (const field of check.fields) {
    const value = frame[field.name];
    if (value === undefined || value === null) {
      if (field.required) return new HubError('bad_field', `"${check.spec.name}" needs the field "${field.name}"`);
    } else if (!field.check.Check(value)) {
      return new HubError('bad_field', `"${field.name}" must be ${field.expected}`);
    } else params[field.name] = value;
  }
  return params;
}

function paramsOf(check: FrameCheck, frame: Record<string, unknown>): Params {
  const params: Record<string, unknown> = {};
  for (const { name } of check.fields) if (frame[name] !== undefined) params[name] = frame[name];
  return params;
}

export function parseJsonFrame(line: string): Decoded {
  // Checked before parsing, so no walk over the value (ours or the parser's) can run out of stack.
  if (nestsDeeperThan(line, JSON_MAX_DEPTH)) {
    return { ok: false, error: new HubError('bad_frame', `frame nests objects or arrays more than ${JSON_MAX_DEPTH} deep`) };
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, error: new HubError('bad_json') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: new HubError('bad_frame') };
  }
  const frame = value as Record<string, unknown>;
  const ref = frame.ref;
  if (ref !== undefined && !REF_CHECK.Check(ref)) {
    return { ok: false, error: new HubError('bad_field', `"ref" must be a string of at most ${REF_MAX_CHARS} characters or a number`) };
  }
  const withRef = ref === undefined ? {} : { ref };
  // The cheap substring test keeps the deep walk off the common path.
  if (/__proto__|constructor|prototype/.test(line) && hasForbiddenKey(value)) {
    return { ok: false, error: new HubError('forbidden_key'), ...withRef };
  }
  if (typeof frame.type !== 'string') return { ok: false, error: new HubError('bad_frame'), ...withRef };
  const check = FRAME_CHECKS.get(frame.type);
  if (!check) {
    return { ok: false, error: new HubError('unknown_type', `unknown frame type "${echo(frame.type)}"`), ...withRef };
  }
  if (check.frame.Check(frame)) return { ok: true, spec: check.spec, params: paramsOf(check, frame), ...withRef };
  const params = checkFields(check, frame);
  if (params instanceof HubError) return { ok: false, error: params, ...withRef };
  return { ok: true, spec: check.spec, params, ...withRef };
}
