/**
 * @module What docs/protocol.md says the server may send: `checkServerFrame` for JSON frames and
 * `checkTextLine` for text-mode lines. Each returns undefined for a conforming frame or line, else
 * what is wrong with it. Callers depend only on that contract, not on how it is checked.
 */
import { ERRORS } from '../../src/core/errors.js';

const NAME = /^[\p{L}\p{M}\p{N}_-]+$/u;
const LEFT_REASONS = new Set(['left', 'quit', 'disconnected', 'slow_reader', 'kicked', 'shutdown']);
const ERROR_CODES = new Set(Object.entries(ERRORS).filter(([, spec]) => !spec.fatal).map(([code]) => code));
const BYE_CODES = new Set([...Object.entries(ERRORS).filter(([, spec]) => spec.fatal).map(([code]) => code), 'quit']);

type Check = (value: unknown) => string | undefined;
type Shape = Record<string, { check: Check; optional?: boolean }>;

const codePoints = (s: string): number => [...s].length;

const isInt = (min: number): Check => (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? undefined : `must be a whole number ≥ ${min}`);
const str: Check = (v) => (typeof v === 'string' ? undefined : 'must be a string');
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const isTrue: Check = (v) => (v === true ? undefined : 'must be true when present');
const oneOf =
  (values: ReadonlySet<string>): Check =>
  (v) =>
    typeof v === 'string' && values.has(v) ? undefined : `must be one of ${[...values].join(', ')}`;
const nick: Check = (v) => (typeof v === 'string' && NAME.test(v) && codePoints(v) <= 32 ? undefined : 'must be a nick (1-32 letters, digits, _ or -)');
const room: Check = (v) =>
  typeof v === 'string' && NAME.test(v) && codePoints(v) <= 64 && v === v.toLowerCase()
    ? undefined
    : 'must be a case-folded room name (1-64 letters, digits, _ or -)';
const ref: Check = (v) =>
  (typeof v === 'string' && v.length <= 64) || (typeof v === 'number' && Number.isFinite(v)) ? undefined : 'must be a string of ≤ 64 characters or a number';
const id = isInt(1);
const seq = isInt(1);
const ts = isInt(0);

function object(shape: Shape): Check {
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object';
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) if (!Object.hasOwn(shape, key)) return `has an undocumented field "${key}"`;
    for (const [key, { check, optional }] of Object.entries(shape)) {
      if (!Object.hasOwn(record, key)) {
        if (optional) continue;
        return `lacks the field "${key}"`;
      }
      const problem = check(record[key]);
      if (problem) return `"${key}" ${problem}`;
    }
    return undefined;
  };
}

function list(item: Check): Check {
  return (value) => {
    if (!Array.isArray(value)) return 'must be an array';
    for (const [i, element] of value.entries()) {
      const problem = item(element);
      if (problem) return `[${i}] ${problem}`;
    }
    return undefined;
  };
}

const required = (check: Check) => ({ check });
const optional = (check: Check) => ({ check, optional: true });
const TYPE = required(str);
const REF = optional(ref);

const member = object({ id: required(id), nick: required(nick) });
const messageShape: Shape = {
  type: TYPE,
  room: required(room),
  seq: required(seq),
  from: required(nick),
  fromId: required(id),
  text: required(str),
  ts: required(ts),
  action: optional(isTrue),
  history: optional(isTrue),
  ref: REF,
};
const historyMessage: Check = (value) => {
  const problem = object({ ...messageShape, ref: { check: () => 'must not be in a history page', optional: true } })(value);
  if (problem) return problem;
  const m = value as Record<string, unknown>;
  return m.type === 'message' && m.history === true ? undefined : 'must be a message frame marked "history": true';
};

const SHAPES: Record<string, Check> = {
  welcome: object({
    type: TYPE,
    id: required(id),
    nick: required(nick),
    rooms: required(list(room)),
    server: required(str),
    epoch: required((v) => (typeof v === 'string' && v.length > 0 ? undefined : 'must be a non-empty string')),
    limits: required(object({ maxTextBytes: required(isInt(1)), maxLineBytes: required(isInt(1)), maxRoomsPerConn: required(isInt(1)) })),
  }),
  message: object(messageShape),
  whisper: object({
    type: TYPE,
    from: required(nick),
    fromId: required(id),
    to: required(nick),
    toId: required(id),
    text: required(str),
    ts: required(ts),
    action: optional(isTrue),
    ref: REF,
  }),
  joined: object({ type: TYPE, room: required(room), nick: required(nick), id: required(id), ref: REF }),
  left: object({ type: TYPE, room: required(room), nick: required(nick), id: required(id), reason: required(oneOf(LEFT_REASONS)), ref: REF }),
  presence: object({
    type: TYPE,
    room: required(room),
    joined: required(list(member)),
    left: required(list(object({ id: required(id), nick: required(nick), reason: required(oneOf(LEFT_REASONS)) }))),
  }),
  nick: object({ type: TYPE, id: required(id), old: required(nick), nick: required(nick), ref: REF }),
  who: object({ type: TYPE, room: required(room), members: required(list(member)), ref: REF }),
  rooms: object({ type: TYPE, rooms: required(list(object({ room: required(room), members: required(isInt(1)) }))), ref: REF }),
  history: object({ type: TYPE, room: required(room), messages: required(list(historyMessage)), more: required(bool), ref: REF }),
  resumed: object({
    type: TYPE,
    room: required(room),
    complete: required(bool),
    firstSeq: optional(seq),
    more: optional(isTrue),
    reset: optional(isTrue),
    ref: REF,
  }),
  pong: object({ type: TYPE, ref: REF }),
  help: object({
    type: TYPE,
    commands: required(list(object({ command: required(str), syntax: required(str), help: required(str) }))),
    ref: REF,
  }),
  error: object({ type: TYPE, code: required(oneOf(ERROR_CODES)), message: required(str), ref: REF }),
  bye: object({ type: TYPE, code: required(oneOf(BYE_CODES)), message: required(str) }),
};

/** Undefined when `frame` (a parsed JSON value) is a server frame as docs/protocol.md describes it; else the problem. */
export function checkServerFrame(frame: unknown): string | undefined {
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return 'a frame must be a JSON object';
  const type = (frame as Record<string, unknown>).type;
  if (typeof type !== 'string') return 'a frame needs a string "type"';
  const shape = Object.hasOwn(SHAPES, type) ? SHAPES[type] : undefined;
  if (!shape) return `"${type.slice(0, 40)}" is not a documented frame type`;
  const problem = shape(frame);
  if (problem) return `${type}: ${problem}`;
  const f = frame as Record<string, unknown>;
  if (type === 'history' && (f.messages as { room: string }[]).some((m) => m.room !== f.room)) return 'history: a message from another room';
  return undefined;
}

// Terminal controls a line must never carry: C0 (LF splits lines, so it cannot occur), DEL, C1 and bidi overrides.
const TERMINAL_CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const N = '[\\p{L}\\p{M}\\p{N}_-]';
const MESSAGE_LINE = new RegExp(`^(\\[history\\] )?#${N}{1,64}:\\d+ (<${N}{1,32}>|\\* ${N}{1,32}) `, 'u');
const WHISPER_LINE = new RegExp(`^\\*${N}{1,32} -> ${N}{1,32}\\* `, 'u');

/**
 * Undefined when `line` (one text-mode line, without its LF) reads as docs/protocol.md says: a
 * message, an action, a whisper or a `-!- ` notice, with nothing that could drive a terminal.
 */
export function checkTextLine(line: string): string | undefined {
  const control = TERMINAL_CONTROL.exec(line);
  if (control) return `carries the control character U+${control[0].codePointAt(0)!.toString(16).padStart(4, '0')}`;
  if (line.startsWith('-!- ') || MESSAGE_LINE.test(line) || WHISPER_LINE.test(line)) return undefined;
  return 'is neither a message, a whisper nor a "-!- " notice';
}
