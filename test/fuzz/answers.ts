/**
 * @module The ref contract of docs/protocol.md, as bookkeeping on one JSON connection: from what
 * the server received (as the client knows it sent it), how many answers carry each ref, which
 * answers may carry it, and how many errors may come without a ref. Written from the documentation
 * alone, independently of the server's parser, so the two can disagree.
 */

/** The frame types a client may send, with the answer each expects (besides an `error`). */
const ANSWER_TYPE: Record<string, string> = {
  nick: 'nick',
  join: 'joined',
  part: 'left',
  say: 'message',
  whisper: 'whisper',
  who: 'who',
  rooms: 'rooms',
  history: 'history',
  resume: 'resumed',
  ping: 'pong',
  help: 'help',
};
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const REF_MAX_CHARS = 64;
/** Frames nesting objects and arrays deeper are refused before they are read, so without a ref. */
const MAX_NESTING = 16;
const DEFAULT_HISTORY_LIMIT = 50;

export type Frame = Record<string, unknown>;

/** A room name as the documentation folds it: a leading `#` dropped, case folded (NFKC as the names test does). */
export function foldRoom(raw: string): string {
  return (raw.startsWith('#') ? raw.slice(1) : raw).normalize('NFKC').toLowerCase();
}

/** Nicks are unique under this folding (case-insensitive; NFKC, so look-alikes clash too). */
export function foldNick(nick: string): string {
  return nick.normalize('NFKC').toLowerCase();
}

/** Whether the value (a parsed JSON tree of any depth) has a forbidden key; iterative, as frames may be very deep. */
function hasForbiddenKey(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return true;
      stack.push((value as Record<string, unknown>)[key]);
    }
  }
  return false;
}

/** How deeply objects and arrays nest in a JSON text (brackets inside strings do not count); the top level is 1. */
function nesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') deepest = Math.max(deepest, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return deepest;
}

type RefValidity = 'valid' | 'invalid' | 'ambiguous';

function refValidity(ref: unknown): RefValidity {
  if (typeof ref === 'number') return Number.isFinite(ref) ? 'valid' : 'invalid';
  if (typeof ref !== 'string') return 'invalid';
  if (ref.length <= REF_MAX_CHARS) return 'valid';
  // "≤ 64 characters": in code points this may still fit; either reading is accepted.
  return [...ref].length <= REF_MAX_CHARS ? 'ambiguous' : 'invalid';
}

/** The settings an answer is judged against. */
export interface AnswerRules {
  /** The connection's own id. */
  readonly me: () => number | undefined;
  readonly historyPageMax: number;
}

/** Why `answer` cannot be the answer to `request` (a frame the server accepted as valid JSON), or undefined. */
export function mismatch(request: Frame, answer: Frame, rules: AnswerRules): string | undefined {
  if (answer.type === 'error') return undefined;
  const expected = ANSWER_TYPE[String(request.type)];
  if (answer.type !== expected) return `a ${String(request.type)} was answered by ${String(answer.type)}`;
  const me = rules.me();
  const sameRoom = (field: unknown) => typeof field !== 'string' || foldRoom(field) === foldRoom(String(answer.room));
  switch (request.type) {
    case 'say':
      if (answer.fromId !== me) return 'the answer to a say is a message from someone else';
      return sameRoom(request.room) ? undefined : `say to ${String(request.room)} answered in #${String(answer.room)}`;
    case 'join':
    case 'part':
      if (answer.id !== me) return `the answer to a ${request.type} is about someone else`;
      return sameRoom(request.room) ? undefined : `${request.type} ${String(request.room)} answered for #${String(answer.room)}`;
    case 'nick':
      if (answer.id !== me) return 'the answer to a nick is about someone else';
      return typeof request.nick === 'string' && foldNick(String(answer.nick)) !== foldNick(request.nick)
        ? `asked for the nick ${request.nick}, got ${String(answer.nick)}`
        : undefined;
    case 'whisper':
      return answer.fromId === me ? undefined : 'the copy of a whisper is from someone else';
    case 'who':
      return sameRoom(request.room) ? undefined : `who ${String(request.room)} answered for #${String(answer.room)}`;
    case 'history':
      return sameRoom(request.room) ? historyMismatch(request, answer, rules) : `history of ${String(request.room)} answered for #${String(answer.room)}`;
    default:
      return undefined;
  }
}

function historyMismatch(request: Frame, answer: Frame, rules: AnswerRules): string | undefined {
  const messages = answer.messages as { seq: number }[];
  const limit = typeof request.limit === 'number' ? request.limit : DEFAULT_HISTORY_LIMIT;
  const most = Math.min(limit, rules.historyPageMax);
  if (messages.length > most) return `a history page of ${messages.length} messages for a limit of ${typeof request.limit === 'number' ? request.limit : 'default'} (at most ${most})`;
  for (let i = 1; i < messages.length; i++) {
    if (messages[i]!.seq !== messages[i - 1]!.seq + 1) return `a history page skips from seq ${messages[i - 1]!.seq} to ${messages[i]!.seq}`;
  }
  const first = messages[0]?.seq;
  const last = messages.at(-1)?.seq;
  if (typeof request.before === 'number' && last !== undefined && last >= request.before) return `history before ${request.before} returned seq ${last}`;
  if (typeof request.after === 'number' && first !== undefined && first <= request.after) return `history after ${request.after} returned seq ${first}`;
  return undefined;
}

/** How many answers carrying one ref a frame is owed, and which. */
interface Owed {
  readonly request: Frame | undefined;
  min: number;
  readonly max: number;
  got: number;
  /** resume: the distinct (folded) rooms named, and those answered so far. */
  readonly resume?: { rooms: Set<string>; answered: Set<string>; errors: number };
}

/** A range of counts. */
interface Range {
  min: number;
  max: number;
  got: number;
}

export class AnswerBook {
  private readonly owed = new Map<string, Owed[]>();
  private readonly refless: Range = { min: 0, max: 0, got: 0 };
  /** Set once nothing more is owed for sure: the connection quit, broke the protocol or is being dropped. */
  private loose = false;
  /** Set once the server can no longer be told what the client sent (a WebSocket frame cut mid-way): nothing is judged. */
  private blind = false;

  constructor(private readonly rules: AnswerRules) {}

  /**
   * One JSON frame (text) the server received; `certain` is false when it may instead have been cut
   * as too long (then its answers are optional, and one more error without a ref may come). Returns
   * true if it was a valid quit: nothing after it is answered.
   */
  sent(text: string, certain = true): boolean {
    if (certain) return this.receivedFrame(text);
    const loose = this.loose;
    this.loose = true;
    try {
      this.owesRefless(0, 1);
      return this.receivedFrame(text);
    } finally {
      this.loose = loose;
    }
  }

  private receivedFrame(text: string): boolean {
    // Documented: an empty line (or WebSocket frame) is ignored and answered by nothing.
    if (text.length === 0) return false;
    if (nesting(text) > MAX_NESTING) {
      this.owesRefless(1, 1);
      return false;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.owesRefless(1, 1);
      return false;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.owesRefless(1, 1);
      return false;
    }
    const frame = value as Frame;
    if (!Object.hasOwn(frame, 'ref')) {
      this.owesRefless(0, 1);
      return isQuit(frame);
    }
    const validity = refValidity(frame.ref);
    if (validity === 'invalid') {
      this.owesRefless(1, 1);
      return false;
    }
    const key = JSON.stringify(frame.ref);
    if (validity === 'ambiguous') {
      this.owesRefless(0, 1);
      this.owe(key, { request: frame, min: 0, max: 1, got: 0 });
      return false;
    }
    if (hasForbiddenKey(frame)) {
      // Documented: refused with forbidden_key; and a frame with a valid ref is answered with that ref.
      this.owe(key, { request: undefined, min: 1, max: 1, got: 0 });
      return false;
    }
    if (isQuit(frame)) {
      this.owe(key, { request: frame, min: 0, max: 0, got: 0 });
      return true;
    }
    if (frame.type === 'resume' && isSeqMap(frame.rooms)) {
      const rooms = new Set(Object.keys(frame.rooms).map(foldRoom));
      this.owe(key, { request: frame, min: 1, max: rooms.size + 1, got: 0, resume: { rooms, answered: new Set(), errors: 0 } });
      return false;
    }
    this.owe(key, { request: typeof frame.type === 'string' && ANSWER_TYPE[frame.type] ? frame : undefined, min: 1, max: 1, got: 0 });
    return false;
  }

  /** A unit that yields exactly one error without a ref, or at most one (a TCP line cut or undecodable, a binary frame). */
  owesRefless(min: number, max: number): void {
    this.refless.min += this.loose ? 0 : min;
    this.refless.max += max;
  }

  /** From now on the server reads the client's bytes as it may: any answer may come, none is owed. */
  abandon(): void {
    this.blind = true;
    this.loosen();
  }

  /** From now on nothing is owed for sure (answers may still come; they must still fit). */
  loosen(): void {
    this.loose = true;
    for (const list of this.owed.values()) for (const owed of list) owed.min = 0;
    this.refless.min = 0;
  }

  /** An answer that carries a ref; returns what is wrong with it, if anything. */
  answered(frame: Frame): string | undefined {
    if (this.blind) return undefined;
    const key = JSON.stringify(frame.ref);
    const list = this.owed.get(key);
    if (!list) return `an answer carries the ref ${key}, which no frame sent`;
    const problems: string[] = [];
    for (const owed of list) {
      const problem = this.take(owed, frame);
      if (problem === undefined) return undefined;
      problems.push(problem);
    }
    return `an answer with ref ${key} fits no frame that carried it: ${problems.join('; ')}`;
  }

  /** An error without a ref. */
  reflessError(frame: Frame): string | undefined {
    this.refless.got++;
    if (this.blind) return undefined;
    if (this.refless.got > this.refless.max) {
      return `an error without a ref (${String(frame.code)}: ${String(frame.message)}) answers no frame that lacked a valid ref`;
    }
    return undefined;
  }

  /** What is still owed (checked once the server answered a later ping, so everything before it is due). */
  missing(): string | undefined {
    for (const [key, list] of this.owed) {
      for (const owed of list) {
        if (owed.resume && owed.got > 0 && owed.resume.errors === 0 && owed.resume.answered.size < owed.resume.rooms.size) {
          return `a resume with ref ${key} naming ${owed.resume.rooms.size} rooms got ${owed.resume.answered.size} resumed and no error`;
        }
        if (owed.got < owed.min) return `the frame ${describe(owed.request, key)} got no answer with its ref`;
      }
    }
    if (this.refless.got < this.refless.min) {
      return `${this.refless.min} errors without a ref were owed (frames with an invalid ref, undecodable lines), ${this.refless.got} came`;
    }
    return undefined;
  }

  private owe(key: string, owed: Owed): void {
    if (this.loose) owed.min = 0;
    const list = this.owed.get(key);
    if (list) list.push(owed);
    else this.owed.set(key, [owed]);
  }

  private take(owed: Owed, answer: Frame): string | undefined {
    if (owed.got >= owed.max) return `${describe(owed.request)} was already answered`;
    if (owed.resume) {
      const { rooms, answered } = owed.resume;
      // Documented: one resumed per room, or one error and nothing resumed.
      if (owed.resume.errors > 0) return 'a resume answered after its error';
      if (answer.type === 'error') {
        if (answered.size > 0) return `a resume answered by an error after ${answered.size} resumed`;
        owed.resume.errors++;
      } else if (answer.type !== 'resumed') return `a resume answered by ${String(answer.type)}`;
      else {
        const room = foldRoom(String(answer.room));
        if (!rooms.has(room)) return `a resume answered for #${room}, which it did not name`;
        if (answered.has(room)) return `a resume answered twice for #${room}`;
        answered.add(room);
      }
      owed.got++;
      return undefined;
    }
    if (owed.request === undefined) {
      if (answer.type !== 'error') return `${String(answer.type)} answers a frame that can only be refused`;
    } else {
      const problem = mismatch(owed.request, answer, this.rules);
      if (problem) return problem;
    }
    owed.got++;
    return undefined;
  }
}

function isQuit(frame: Frame): boolean {
  return frame.type === 'quit' && (frame.reason === undefined || frame.reason === null || typeof frame.reason === 'string') && !hasForbiddenKey(frame);
}

function isSeqMap(value: unknown): value is Record<string, number> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => Number.isSafeInteger(v) && (v as number) >= 0);
}

function describe(request: Frame | undefined, key?: string): string {
  const text = request ? JSON.stringify(request) : `with ref ${key}`;
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}
