/**
 * @module What docs/protocol.md says the server may send: `checkServerFrame` for JSON frames and
 * `checkTextLine` for text-mode lines. Each returns undefined for a conforming frame or line, else
 * what is wrong with it. Callers depend only on that contract, not on how it is checked.
 */
import { Kind, type TArray, type TObject, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { SERVER_FRAMES } from '../../src/protocol/schema/server-frames.js';

const NAME = /^[\p{L}\p{M}\p{N}_-]+$/u;
const CHECKS = new Map(Object.entries(SERVER_FRAMES).map(([type, schema]) => [type, { schema: schema satisfies TSchema, check: TypeCompiler.Compile(schema) }]));

const codePoints = (s: string): number => [...s].length;

/** The first field the schema does not declare, at any depth (a server of this version sends none). */
function undeclared(value: unknown, schema: TSchema, path: string): string | undefined {
  if (schema[Kind] === 'Object' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const properties = (schema as TObject).properties;
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
      if (!Object.hasOwn(properties, key)) return `has an undocumented field "${path}${key}"`;
      const problem = undeclared(field, properties[key]!, `${path}${key}.`);
      if (problem) return problem;
    }
  } else if (schema[Kind] === 'Array' && Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const problem = undeclared(item, (schema as TArray).items, `${path}${i}.`);
      if (problem) return problem;
    }
  }
  return undefined;
}

const isRoom = (v: unknown) => typeof v === 'string' && NAME.test(v) && codePoints(v) <= 64 && v === v.toLowerCase();
const isNick = (v: unknown) => typeof v === 'string' && NAME.test(v) && codePoints(v) <= 32;

/** Rules docs/protocol.md states that the schema's types do not: names as the server makes them, pages of one room's history. */
function documentedValues(frame: Record<string, unknown>): string | undefined {
  if ('room' in frame && !isRoom(frame.room)) return `"room" must be a folded room name (1-64 letters, digits, _ or -): ${JSON.stringify(frame.room)}`;
  for (const field of ['nick', 'from', 'to', 'old']) {
    if (field in frame && !isNick(frame[field])) return `"${field}" must be a nick (1-32 letters, digits, _ or -): ${JSON.stringify(frame[field])}`;
  }
  const members = [...((frame.members ?? []) as unknown[]), ...((frame.joined ?? []) as unknown[]), ...((frame.left ?? []) as unknown[])];
  if (frame.type !== 'joined' && members.some((m) => !isNick((m as { nick?: unknown }).nick))) return 'a member with a nick that is not one';
  if (frame.type === 'rooms' && (frame.rooms as { room: unknown }[]).some((r) => !isRoom(r.room))) return 'a room that is not a folded room name';
  if (frame.type === 'history') {
    const messages = frame.messages as Record<string, unknown>[];
    if (messages.some((m) => m.type !== 'message' || m.room !== frame.room || m.history !== true || 'ref' in m)) {
      return 'a history page holds something other than its room\'s messages marked "history": true';
    }
  }
  return undefined;
}

/** Undefined when `frame` (a parsed JSON value) is a server frame as docs/protocol.md and its schema describe it; else the problem. */
export function checkServerFrame(frame: unknown): string | undefined {
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return 'a frame must be a JSON object';
  const type = (frame as Record<string, unknown>).type;
  if (typeof type !== 'string') return 'a frame needs a string "type"';
  const known = CHECKS.get(type);
  if (!known) return `"${type.slice(0, 40)}" is not a documented frame type`;
  const error = known.check.Errors(frame).First();
  if (error) return `${type}: ${error.path || '/'} ${error.message}`;
  const problem = undeclared(frame, known.schema, '') ?? documentedValues(frame as Record<string, unknown>);
  return problem && `${type}: ${problem}`;
}

// What a line must never carry: C0 (LF splits lines, so it cannot occur), DEL, C1, bidi overrides,
// and U+2028/U+2029, which end a line for Unicode and JavaScript readers.
const TERMINAL_CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;
const N = '[\\p{L}\\p{M}\\p{N}_-]';
const MESSAGE_LINE = new RegExp(`^(\\[history\\] )?#${N}{1,64}:\\d+ (<${N}{1,32}>|\\* ${N}{1,32}) `, 'u');
const WHISPER_LINE = new RegExp(`^\\*${N}{1,32} -> ${N}{1,32}\\* `, 'u');

/**
 * Undefined when `line` (one text-mode line, without its LF) reads as docs/protocol.md says: a
 * message, an action, a whisper or a `-!- ` notice, with nothing that could drive a terminal.
 */
export function checkTextLine(line: string): string | undefined {
  const control = TERMINAL_CONTROL.exec(line);
  if (control) return `carries U+${control[0].codePointAt(0)!.toString(16).padStart(4, '0')}, which can drive a terminal or break the line`;
  if (line.startsWith('-!- ') || MESSAGE_LINE.test(line) || WHISPER_LINE.test(line)) return undefined;
  return 'is neither a message, a whisper nor a "-!- " notice';
}
